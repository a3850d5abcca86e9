export type { GeinsAdapterOptions } from './geins-adapter.js';
export { geins, geinsCapabilities } from './geins-adapter.js';
export type { GeinsClient, GeinsClientOptions } from './geins-client.js';
export { createGeinsClient, geinsBaseUrl } from './geins-client.js';
export type {
  GeinsEnvelope,
  GeinsIdEnvelope,
  GeinsNewRefund,
  GeinsProcessedRefund,
  GeinsRefund,
  GeinsRefundApproval,
  GeinsRefundEnvelope,
  GeinsRefundListEnvelope,
  GeinsRefundQuery,
  GeinsRefundRow,
  GeinsRefundStatus,
  GeinsRefundType,
  GeinsSettledRefund,
  GeinsSettledRefundRow,
} from './geins-schemas.js';
export type { components, operations, paths } from './generated/geins.gen.js';
