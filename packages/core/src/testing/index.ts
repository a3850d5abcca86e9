// @refundkit/core/testing: the shared engine of the provider sandboxes. Never imported by a main entry.
export type { ListeningSandbox, Sandbox } from './create-sandbox.js';
export { createSandbox } from './create-sandbox.js';
export type { ActiveFault, FaultControl, FaultKind, FaultMatch, FaultSpec } from './faults.js';
export { faultKinds } from './faults.js';
export type {
  Metered,
  OperationHandler,
  OperationRequest,
  SandboxDefinition,
  SandboxHandlers,
  SandboxLedgerEntry,
  SandboxOptions,
  SandboxOutcome,
  SandboxPaymentInput,
  SandboxResponse,
  SandboxRuntime,
  SandboxTools,
} from './sandbox.js';
export { SandboxResponseError, seededRandom, traceHeader, violationHeader } from './sandbox.js';
export type { ListenOptions, ServedSandboxes } from './serve.js';
export { serveSandboxes } from './serve.js';
