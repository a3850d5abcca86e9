export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export type {
  CommercelayerCredentials,
  CommercelayerPaymentInput,
  CommercelayerReturnInput,
  CommercelayerSandbox,
  CommercelayerSandboxOptions,
  CommercelayerTokenOptions,
} from './commercelayer-sandbox.js';
export { createCommercelayerSandbox } from './commercelayer-sandbox.js';
