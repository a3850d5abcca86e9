import type { components } from './generated/smartpay.gen.js';

type Schemas = components['schemas'];

/** A Smartpay refund object. */
export type SmartpayRefund = Schemas['Refund'];
/** The body of `POST /v1/refunds`. */
export type SmartpayRefundCreate = Schemas['RefundCreate'];
/** The body of `PATCH /v1/refunds/{refundId}`. */
export type SmartpayRefundUpdate = Schemas['RefundUpdate'];
/** A page of refunds from `GET /v1/refunds`. */
export type SmartpayRefundCollection = Schemas['RefundCollection'];
/** Why a refund was made. */
export type SmartpayRefundReason = Schemas['RefundReason'];
/** Smartpay's error body `{statusCode, errorCode, message, details}`. */
export type SmartpayError = Schemas['Error'];
