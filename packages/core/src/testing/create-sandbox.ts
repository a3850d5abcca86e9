import type { FaultControl } from './faults.js';
import {
  createSandboxRuntime,
  createSandboxTools,
  type SandboxDefinition,
  type SandboxLedgerEntry,
  type SandboxOptions,
  type SandboxPaymentInput,
  type SandboxRuntime,
  type SandboxTools,
} from './sandbox.js';
import { type ListenOptions, serveSandboxes } from './serve.js';

export interface ListeningSandbox {
  /** Base URL to give the provider client as `baseUrl`. */
  url: string;
  close(): Promise<void>;
}

/** A stateful, spec-validated simulator of one provider's refund API. */
export interface Sandbox<Credentials extends Record<string, string>, PaymentInput = SandboxPaymentInput> {
  readonly provider: string;
  /** `fetch`-compatible: pass it to the provider client as `fetch` for in-process tests without sockets. */
  readonly fetch: SandboxRuntime['fetch'];
  /** Credentials the sandbox accepts; anything else gets the provider's 401. */
  readonly credentials: Readonly<Credentials>;
  /** Fault injection: `sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } })`. */
  readonly faults: FaultControl;
  /** Seeds something refundable (amount in minor units) and returns its provider-native id. */
  createPayment(input: PaymentInput): string;
  /** The refunds recorded so far, oldest first. */
  refunds(): SandboxLedgerEntry[];
  /** Resolves once every request received so far has been processed, late commits included. */
  settled(): Promise<void>;
  /** Serves the sandbox over HTTP on 127.0.0.1. */
  listen(options?: ListenOptions): Promise<ListeningSandbox>;
  /** The runtime, for mounting several sandboxes on one server. */
  readonly runtime: SandboxRuntime;
}

export function createSandbox<
  Credentials extends Record<string, string>,
  PaymentInput extends SandboxPaymentInput,
>(
  options: SandboxOptions | undefined,
  define: (
    tools: SandboxTools,
  ) => SandboxDefinition & { credentials: Credentials; createPayment(input: PaymentInput): string },
): Sandbox<Credentials, PaymentInput> {
  const definition = define(createSandboxTools(options));
  const runtime = createSandboxRuntime(definition as SandboxDefinition, options);
  const sandbox: Sandbox<Credentials, PaymentInput> = {
    provider: definition.provider,
    fetch: runtime.fetch,
    credentials: Object.freeze({ ...definition.credentials }),
    faults: runtime.faults,
    createPayment: (input) => definition.createPayment(input),
    refunds: runtime.refunds,
    settled: runtime.settled,
    runtime,
    async listen(listenOptions) {
      const served = await serveSandboxes({ '': runtime }, listenOptions);
      return { url: `${served.origin}${runtime.basePath}`, close: served.close };
    },
  };
  return sandbox;
}

export type { SandboxLedgerEntry, SandboxOptions, SandboxPaymentInput, SandboxTools };
