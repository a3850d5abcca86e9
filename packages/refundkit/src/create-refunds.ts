import {
  type AdapterCall,
  Deadline,
  isRefundError,
  isUnsentFailure,
  type ProviderCapabilities,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundHooks,
  runAttempt,
  sleep,
  withoutSecrets,
} from '@refundkit/core';
import { checkCreateInput, checkId, checkIdempotencyKey, checkPayment, resolveProvider } from './validate.js';

export interface RefundsOptions<Providers extends Record<string, RefundAdapter>> {
  /** The providers to refund through, by the name callers use: `{ smartpay: smartpay({ secretKey }) }`. */
  providers: Providers;
  /** Per-attempt timeout in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Overall deadline of one operation, retries and waits included, in milliseconds. Default 120 000. */
  deadlineMs?: number;
  /** Retries after the first attempt (only where they cannot refund twice). Default 2. */
  maxRetries?: number;
  /** First backoff delay in milliseconds, doubled per retry, with jitter. Default 500. */
  retryDelayMs?: number;
  /** Longest backoff or `Retry-After` wait in milliseconds. Default 8 000. */
  maxRetryDelayMs?: number;
  /** Observability hooks; headers are redacted and bodies never included. */
  hooks?: RefundHooks;
}

export interface CreateRefundInput<Provider extends string = string> {
  provider: Provider;
  /** The provider-native id of what is refunded (capture, transaction, payment or order). */
  payment: string;
  /** Integer minor units and ISO 4217 currency; omit to refund the full remainder. */
  amount?: { value: number; currency: string };
  reason?: string;
  /** Your reference, stored with the refund; generated when omitted. Reconciliation looks for it. */
  reference?: string;
  metadata?: Record<string, string>;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** For providers with idempotency keys: reuse one to make a repeated call safe. Generated when omitted. */
  idempotencyKey?: string;
}

export interface Refunds<Provider extends string> {
  create(input: CreateRefundInput<Provider>, options?: CallOptions): Promise<Refund>;
  retrieve(
    input: { provider: Provider; id: string; payment?: string },
    options?: CallOptions,
  ): Promise<Refund>;
  list(input: { provider: Provider; payment: string }, options?: CallOptions): Promise<Refund[]>;
  capabilities(provider: Provider): ProviderCapabilities;
}

/**
 * The merchant reference a create without one gets: `rk_` and 32 hex digits, enough to find one refund
 * among a payment's refunds. A generated idempotency key (a random UUID, 122 random bits) gives its own
 * digits; a caller's key gives its SHA-256, so a repeated call with that key sends the same reference.
 */
async function referenceFor(idempotencyKey: string, generated: boolean): Promise<string> {
  if (generated) return `rk_${idempotencyKey.replaceAll('-', '')}`;
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey)),
  );
  return `rk_${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

export function createRefunds<Providers extends Record<string, RefundAdapter>>(
  options: RefundsOptions<Providers>,
): Refunds<Extract<keyof Providers, string>> {
  const providers = options.providers as Record<string, RefundAdapter>;
  const {
    hooks,
    timeoutMs = 30_000,
    deadlineMs = 120_000,
    maxRetries = 2,
    retryDelayMs = 500,
    maxRetryDelayMs = 8_000,
  } = options;

  function backoff(attempt: number, failure: RefundError): number {
    // Exponential, with jitter over its upper half.
    const exponential = Math.min(maxRetryDelayMs, retryDelayMs * 2 ** attempt);
    const jittered = (exponential * (1 + Math.random())) / 2;
    return Math.min(maxRetryDelayMs, Math.max(jittered, failure.retryAfterMs ?? 0));
  }

  /**
   * One call through `adapter`: one deadline for everything it does, attempts with their own timeouts, the
   * waits between them, and the errors it ends with.
   */
  function begin(
    adapter: RefundAdapter,
    operation: string,
    signal: AbortSignal | undefined,
    deadline?: Deadline,
  ) {
    signal?.throwIfAborted();
    const { provider } = adapter;
    const within = deadline ?? new Deadline(deadlineMs);
    return {
      deadline: within,
      /** Runs attempt `number` (see `runAttempt`). */
      attempt: <T>(number: number, work: (call: AdapterCall) => Promise<T>): Promise<T> =>
        runAttempt(
          {
            provider,
            operation,
            attempt: number,
            fetch: adapter.fetch,
            timeoutMs,
            deadline: within,
            signal,
            hooks,
          },
          work,
        ),
      /** Reports the retry after attempt `number`, then waits `delayMs`. */
      retry(number: number, delayMs: number, error: RefundError) {
        hooks?.onRetry?.({
          provider,
          operation,
          attempt: number,
          delayMs,
          error: withoutSecrets(error, adapter.secrets),
        });
        return this.wait(delayMs);
      },
      /** A wait between attempts: rejects at the deadline or when the caller aborts. */
      wait: (delayMs: number) => sleep(delayMs, within.signal(signal)),
      /**
       * The error the call ends with: a RefundError without credentials (see `withoutSecrets`); a wait stopped
       * by the deadline is a timeout; the caller's abort as is.
       */
      end(error: unknown): unknown {
        if (isRefundError(error)) return withoutSecrets(error, adapter.secrets);
        if (!within.aborted) return error;
        return new RefundError({
          code: 'timeout',
          provider,
          retryable: false,
          message: `${provider}: the deadline passed`,
          cause: error,
        });
      },
    };
  }

  /** Runs a read with retries on every retryable failure: reads cannot refund anything. */
  async function read<T>(
    adapter: RefundAdapter,
    operation: string,
    signal: AbortSignal | undefined,
    run: (call: AdapterCall) => Promise<T>,
    deadline?: Deadline,
  ): Promise<T> {
    const call = begin(adapter, operation, signal, deadline);
    try {
      for (let number = 0; ; number += 1) {
        try {
          return await call.attempt(number, run);
        } catch (error) {
          if (!isRefundError(error) || !error.retryable || number >= maxRetries || call.deadline.aborted) {
            throw error;
          }
          await call.retry(number, backoff(number, error), error);
        }
      }
    } catch (error) {
      throw call.end(error);
    }
  }

  async function create(rawInput: CreateRefundInput, callOptions: CallOptions = {}): Promise<Refund> {
    const adapter = resolveProvider(providers, rawInput);
    const { provider, capabilities } = adapter;
    const callerKey = checkIdempotencyKey(callOptions.idempotencyKey);
    const checked = checkCreateInput(adapter, rawInput);
    const idempotencyKey = callerKey ?? crypto.randomUUID();
    const input = {
      ...checked,
      reference: checked.reference ?? (await referenceFor(idempotencyKey, !callerKey)),
      idempotencyKey,
    };
    const { signal } = callOptions;
    const call = begin(adapter, 'create', signal);
    // True while a request that may have made a refund is unaccounted for.
    let inDoubt = false;

    /** Looks for the refund this create may have made, by its merchant reference, within its deadline. */
    async function reconcile(failure: RefundError): Promise<Refund | undefined> {
      try {
        const found = await read(
          adapter,
          'reconcile',
          signal,
          (attempt) => adapter.list({ payment: input.payment }, attempt),
          call.deadline,
        );
        return found.find((refund) => refund.reference === input.reference);
      } catch (error) {
        throw unknownOutcome(
          failure,
          `and listing the payment's refunds failed too (${(error as Error).message})`,
        );
      }
    }

    function unknownOutcome(failure: RefundError, detail: string): RefundError {
      return new RefundError({
        ...failure,
        code: 'outcome_unknown',
        retryable: false,
        cause: failure,
        message:
          `A refund of payment ${input.payment} with reference ${input.reference} may have been made: ` +
          `${failure.message}, ${detail}. Look for that reference among the payment's refunds before trying again` +
          (capabilities.idempotencyKeys
            ? `, or retry with idempotencyKey ${input.idempotencyKey} and the same input.`
            : '.'),
      });
    }

    async function createWithRetries(): Promise<Refund> {
      for (let number = 0; ; number += 1) {
        try {
          inDoubt = true;
          return await call.attempt(number, (attempt) => adapter.create(input, attempt));
        } catch (failure) {
          if (!isRefundError(failure)) throw failure;
          // Whether the request may have made a refund: it may have reached the provider, which did not refuse it.
          const ambiguous = !isUnsentFailure(failure) && failure.status !== 429;
          inDoubt = failure.retryable && ambiguous;
          if (!failure.retryable) throw failure;
          const exhausted =
            number >= maxRetries || call.deadline.aborted || (failure.retryAfterMs ?? 0) > maxRetryDelayMs;
          const delayMs = backoff(number, failure);
          // Sending again cannot duplicate: the provider deduplicates by key, never saw the request, or refused it.
          const resendable = capabilities.idempotencyKeys || !ambiguous;
          if (resendable && !exhausted) {
            await call.retry(number, delayMs, failure);
            continue;
          }
          if (ambiguous) {
            // Look for the refund it may have made; without a key, wait first so one still in flight can land.
            if (!resendable) await call.wait(exhausted ? Math.min(delayMs, 1000) : delayMs);
            const found = await reconcile(failure);
            if (found) return found;
            // A provider that answered is done with the request: it made no refund. One that did not may
            // still be making it: without a key, sending again could refund twice.
            if (failure.status !== undefined) inDoubt = false;
            else if (exhausted || !resendable) {
              throw unknownOutcome(failure, 'and none with that reference is listed yet');
            }
          }
          if (exhausted) throw failure;
          // Waited above already.
          await call.retry(number, 0, failure);
        }
      }
    }

    try {
      return await createWithRetries();
    } catch (error) {
      if (isRefundError(error) || !inDoubt) throw call.end(error);
      // Aborted (by the caller or the deadline) while a request may have made a refund.
      throw call.end(
        unknownOutcome(
          new RefundError({ code: 'network', provider, message: 'the call was stopped', cause: error }),
          'so refundkit could not find out',
        ),
      );
    }
  }

  /** Runs a public operation, reporting the RefundError it fails with to `onError`. */
  async function reported<T>(operation: string, input: { provider?: unknown }, run: () => Promise<T>) {
    try {
      return await run();
    } catch (error) {
      if (isRefundError(error)) {
        hooks?.onError?.({
          provider: error.provider ?? String(input?.provider),
          operation,
          attempt: 0,
          error,
        });
      }
      throw error;
    }
  }

  return {
    create: (input, callOptions) => reported('create', input, () => create(input, callOptions)),
    retrieve: (input, callOptions) =>
      reported('retrieve', input, () => {
        const adapter = resolveProvider(providers, input);
        const id = checkId(adapter, 'id', input.id);
        return read(adapter, 'retrieve', callOptions?.signal, (call) =>
          adapter.retrieve({ id, payment: input.payment }, call),
        );
      }),
    list: (input, callOptions) =>
      reported('list', input, () => {
        const adapter = resolveProvider(providers, input);
        const payment = checkPayment(adapter, input.payment);
        return read(adapter, 'list', callOptions?.signal, (call) => adapter.list({ payment }, call));
      }),
    capabilities(provider) {
      return resolveProvider(providers, { provider }).capabilities;
    },
  };
}
