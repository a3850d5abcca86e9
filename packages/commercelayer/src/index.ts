export type { CommercelayerAdapterOptions } from './commercelayer-adapter.js';
export { commercelayer, commercelayerCapabilities } from './commercelayer-adapter.js';
export type { CommercelayerClient, CommercelayerClientOptions } from './commercelayer-client.js';
export { commercelayerBaseUrl, createCommercelayerClient } from './commercelayer-client.js';
export type {
  CommercelayerCapture,
  CommercelayerCaptureResponse,
  CommercelayerCaptureUpdate,
  CommercelayerErrors,
  CommercelayerOrder,
  CommercelayerOrderResponse,
  CommercelayerOrderUpdate,
  CommercelayerRefund,
  CommercelayerRefundAttributes,
  CommercelayerRefundCreate,
  CommercelayerRefundListResponse,
  CommercelayerRefundResponse,
  CommercelayerRefundUpdate,
  CommercelayerReturn,
  CommercelayerReturnResponse,
  CommercelayerReturnUpdate,
} from './commercelayer-schemas.js';
export type { components, operations, paths } from './generated/commercelayer.gen.js';
