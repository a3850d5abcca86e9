export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export type {
  PayopPaymentInput,
  PayopSandbox,
  PayopSandboxOptions,
  PayopSettlement,
} from './payop-sandbox.js';
export { createPayopSandbox } from './payop-sandbox.js';
