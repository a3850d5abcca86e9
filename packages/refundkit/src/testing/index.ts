// refundkit/testing: the four provider sandboxes in one import, for tests of code written against the facade.

export { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
export type { SandboxLedgerEntry, SandboxOptions } from '@refundkit/core/testing';
export { createGeinsSandbox } from '@refundkit/geins/testing';
export { createPayopSandbox } from '@refundkit/payop/testing';
export { createSmartpaySandbox } from '@refundkit/smartpay/testing';
export { startSandboxServer } from '../cli/sandbox-server.js';
