import type { components } from './generated/commercelayer.gen.js';

type Schemas = components['schemas'];

/** A `refunds` resource object (JSON:API: `id`, `type`, `links`, `attributes`, `relationships`, `meta`). */
export type CommercelayerRefund = Schemas['Refund'];
/** The attributes of a refund (`amount_cents`, `succeeded`, `reference`, …). */
export type CommercelayerRefundAttributes = Schemas['RefundAttributes'];
/** The document `{ data: refund, included? }` that retrieve, update and the legacy create answer with. */
export type CommercelayerRefundResponse = Schemas['RefundResponse'];
/** A page of refunds `{ data, included?, meta, links }` from `GET /refunds` and `GET /captures/{id}/refunds`. */
export type CommercelayerRefundListResponse = Schemas['RefundListResponse'];
/** The body of `PATCH /refunds/{refundId}`. */
export type CommercelayerRefundUpdate = Schemas['RefundUpdate'];
/** @deprecated The body of the legacy `POST /refunds`; refunds are created with `CommercelayerCaptureUpdate`. */
export type CommercelayerRefundCreate = Schemas['RefundCreate'];
/** A `captures` resource object, the captured payment refunds are made against. */
export type CommercelayerCapture = Schemas['Capture'];
/** The document `{ data: capture, included? }` that retrieve and update of a capture answer with. */
export type CommercelayerCaptureResponse = Schemas['CaptureResponse'];
/** The body of `PATCH /captures/{captureId}`; `_refund: true` (and `_refund_amount_cents`) creates a refund. */
export type CommercelayerCaptureUpdate = Schemas['CaptureUpdate'];
/** Commerce Layer's JSON:API error document `{ errors: [{ title, detail, code, status, source?, meta? }] }`. */
export type CommercelayerErrors = Schemas['Errors'];
/** An `orders` resource object, with the attributes refunds need (`status`, `payment_status`, totals). */
export type CommercelayerOrder = Schemas['Order'];
/** The document `{ data: order, included? }` that `PATCH /orders/{id}` and `GET /refunds/{id}/order` answer with. */
export type CommercelayerOrderResponse = Schemas['OrderResponse'];
/** The body of `PATCH /orders/{orderId}`; `_refund: true` refunds a captured order. */
export type CommercelayerOrderUpdate = Schemas['OrderUpdate'];
/** A `returns` resource object (`status`, `estimated_refund_amount_cents`, `reference_refund`, …). */
export type CommercelayerReturn = Schemas['Return'];
/** The document `{ data: return, included? }` that `PATCH /returns/{id}` answers with. */
export type CommercelayerReturnResponse = Schemas['ReturnResponse'];
/** The body of `PATCH /returns/{returnId}`; `_refund: true` (and `_refund_amount_cents`) refunds the return. */
export type CommercelayerReturnUpdate = Schemas['ReturnUpdate'];
