import type { components } from './generated/geins.gen.js';

type Schemas = components['schemas'];

/** A Geins refund on an order, with its refund rows and the order rows it concerns. */
export type GeinsRefund = Schemas['Refund'];
/** One row of a Geins refund. */
export type GeinsRefundRow = Schemas['RefundRow'];
/** The body of `POST /API/Order/{orderId}/Refund` (create a refund). */
export type GeinsNewRefund = Schemas['Order.Refund.Models.Write.NewRefund'];
/** The body of `POST /API/Order/{orderId}/Refund/{refundId}/SetApproval`. */
export type GeinsRefundApproval = Schemas['Order.Refund.Models.Write.RefundApproval'];
/** The body of `POST /API/Order/{orderId}/Refund/{refundId}/SetAsProcessed`. */
export type GeinsProcessedRefund = Schemas['Order.Refund.Models.Write.ProcessedRefund'];
/** The body of `POST /API/Order/{orderId}/Refund/{refundId}/SetAsSettled`. */
export type GeinsSettledRefund = Schemas['Order.Refund.Models.Write.SettledRefund'];
/** The body of `POST /API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled`. */
export type GeinsSettledRefundRow = Schemas['Order.Refund.Models.Write.SettledRefundRow'];
/** The body of `POST /API/Refund/Query`: optional filters on refunds across orders. */
export type GeinsRefundQuery = Schemas['RefundQuery'];
/** Refund type: 0 Default, 1 InstanceCost, 2 Shipping, 3 InvoiceFee. */
export type GeinsRefundType = Schemas['RefundType'];
/** Refund status filter: 0 All … 7 Approved (see the spec's `RefundStatus`). */
export type GeinsRefundStatus = Schemas['RefundStatus'];
/** Geins' `BaseEnvelope` `{Message, Details}`: the body of actions without a resource, and of errors. */
export type GeinsEnvelope = Schemas['BaseEnvelope'];
/** Geins' `Envelope-Refund`: one refund in `Resource`. */
export type GeinsRefundEnvelope = Schemas['Envelope-Refund'];
/** Geins' `Envelope-List-Refund`: a list of refunds in `Resource`. */
export type GeinsRefundListEnvelope = Schemas['Envelope-List-Refund'];
/** Geins' `Envelope-Nullable-Guid`: the id acted on (for create, the new refund's id) in `Resource`. */
export type GeinsIdEnvelope = Schemas['Envelope-Nullable-Guid'];
