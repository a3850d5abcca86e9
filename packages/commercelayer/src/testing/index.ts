export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export type {
  CommercelayerCredentials,
  CommercelayerPaymentInput,
  CommercelayerReturnInput,
  CommercelayerSandbox,
  CommercelayerSandboxOptions,
} from './commercelayer-sandbox.js';
export { createCommercelayerSandbox } from './commercelayer-sandbox.js';
