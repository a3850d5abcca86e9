import type { components } from './generated/payop.gen.js';

type Schemas = components['schemas'];

/** A PayOp refund object, an item of `GET /v1/refunds/user-refunds`'s `data`. */
export type PayopRefund = Schemas['Refund'];
/** The body of `POST /v1/refunds/create` (`amount` is required when `refundType` is 2). */
export type PayopRefundCreate = Schemas['RefundCreate'];
/** The body of a successful create, `{data: '', status: 1}`; the refund id is in the `identifier` header. */
export type PayopRefundCreated = Schemas['RefundCreated'];
/** The body of `GET /v1/refunds/user-refunds`: `{data: PayopRefund[], status}`. */
export type PayopRefundList = Schemas['RefundList'];
/** Refund status: 1 new, 2 accepted, 3 or 4 rejected. */
export type PayopRefundStatus = Schemas['RefundStatus'];
/** Refund type: 1 full, 2 partial. */
export type PayopRefundType = Schemas['RefundType'];
/** PayOp's error body `{message}`: a string, a field → messages map, or a list of `{message}`. */
export type PayopError = Schemas['Error'];
