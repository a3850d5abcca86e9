export type { components, operations, paths } from './generated/smartpay.gen.js';
export type { SmartpayAdapterOptions } from './smartpay-adapter.js';
export { smartpay, smartpayCapabilities } from './smartpay-adapter.js';
export type { SmartpayClient, SmartpayClientOptions } from './smartpay-client.js';
export { createSmartpayClient, smartpayBaseUrl } from './smartpay-client.js';
export type {
  SmartpayError,
  SmartpayRefund,
  SmartpayRefundCollection,
  SmartpayRefundCreate,
  SmartpayRefundReason,
  SmartpayRefundUpdate,
} from './smartpay-schemas.js';
