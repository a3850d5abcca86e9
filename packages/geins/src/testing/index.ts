export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export type {
  GeinsCredentials,
  GeinsOrderRowInput,
  GeinsPaymentInput,
  GeinsSandbox,
  GeinsSandboxOptions,
} from './geins-sandbox.js';
export { createGeinsSandbox } from './geins-sandbox.js';
