export type { components, operations, paths } from './generated/payop.gen.js';
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
