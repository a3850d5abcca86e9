export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export type {
  SmartpayLineItemInput,
  SmartpayPaymentInput,
  SmartpaySandbox,
  SmartpaySandboxOptions,
} from './smartpay-sandbox.js';
export { createSmartpaySandbox } from './smartpay-sandbox.js';
