export type { components, operations, paths } from './generated/payop.gen.js';
export type { PayopAdapterOptions } from './payop-adapter.js';
export { payop, payopCapabilities } from './payop-adapter.js';
export type { PayopClient, PayopClientOptions } from './payop-client.js';
export { createPayopClient, payopBaseUrl } from './payop-client.js';
export type {
  PayopError,
  PayopRefund,
  PayopRefundCreate,
  PayopRefundCreated,
  PayopRefundList,
  PayopRefundStatus,
  PayopRefundType,
} from './payop-schemas.js';
