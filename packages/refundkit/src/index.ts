export { commercelayer } from '@refundkit/commercelayer';
export type {
  Money,
  ProviderCapabilities,
  Refund,
  RefundAdapter,
  RefundErrorCode,
  RefundEvent,
  RefundHooks,
  RefundStatus,
} from '@refundkit/core';
export { currencyExponent, isRefundError, RefundError } from '@refundkit/core';
export { geins } from '@refundkit/geins';
export { payop } from '@refundkit/payop';
export { smartpay } from '@refundkit/smartpay';
export type { CallOptions, CreateRefundInput, Refunds, RefundsOptions } from './create-refunds.js';
export { createRefunds } from './create-refunds.js';
