import {
  type AdapterCall,
  createAttempt,
  Deadline,
  isRefundError,
  isUnsentFailure,
  type ProviderCapabilities,
  type Refund,
  type RefundAdapter,
  RefundError,
  type RefundHooks,
  scrubSecrets,
  sleep,
} from '@refundkit/core';
import {
  checkAmount,
  checkId,
  checkIdempotencyKey,
  checkMetadata,
  checkPayment,
  checkReason,
  checkReference,
  resolveProvider,
} from './validate.js';

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

const referenceAlphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `rk_` and 20 base-62 characters of `bytes`: unique enough to find one refund among a payment's refunds. */
function referenceFrom(bytes: Uint8Array): string {
  let reference = 'rk_';
  for (const byte of bytes.subarray(0, 20)) reference += referenceAlphabet[byte % referenceAlphabet.length];
  return reference;
}

/** The reference a caller's idempotency key stands for: from its SHA-256, so a repeated call sends the same. */
async function referenceFor(idempotencyKey: string): Promise<string> {
  return referenceFrom(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(idempotencyKey))),
  );
}

/** A failure the provider answered (5xx, 408, 429): it finished handling the request. */
const providerAnswered = (error: RefundError) => error.status !== undefined;

export function createRefunds<Providers extends Record<string, RefundAdapter>>(
  options: RefundsOptions<Providers>,
): Refunds<Extract<keyof Providers, string>> {
  const providers = options.providers as Record<string, RefundAdapter>;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadlineMs = options.deadlineMs ?? 120_000;
  const maxRetries = options.maxRetries ?? 2;
  const baseDelayMs = options.retryDelayMs ?? 500;
  const maxDelayMs = options.maxRetryDelayMs ?? 8_000;
  const { hooks } = options;

  function backoff(attempt: number, failure: RefundError): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    const jittered = exponential / 2 + Math.random() * (exponential / 2);
    return Math.min(maxDelayMs, Math.max(jittered, failure.retryAfterMs ?? 0));
  }

  /** Errors leave with credentials scrubbed from their message and never with request headers. */
  function clean(error: unknown, adapter: RefundAdapter): unknown {
    if (isRefundError(error) && adapter.secrets.some((secret) => secret && error.message.includes(secret))) {
      return new RefundError({
        ...error,
        message: scrubSecrets(error.message, adapter.secrets),
        cause: undefined,
      });
    }
    return error;
  }

  /** Runs one attempt of an adapter call; what it throws is classified (see `Attempt.classify`). */
  async function attempt<T>(
    adapter: RefundAdapter,
    operation: string,
    number: number,
    deadline: Deadline,
    signal: AbortSignal | undefined,
    run: (call: AdapterCall) => Promise<T>,
  ): Promise<T> {
    const call = createAttempt({
      provider: adapter.provider,
      operation,
      attempt: number,
      fetch: adapter.fetch,
      timeoutMs,
      deadline,
      signal,
      hooks,
    });
    try {
      return await run(call);
    } catch (error) {
      throw call.classify(error);
    } finally {
      call.release();
    }
  }

  /** The deadline passed while waiting: a timeout, unless the caller aborted first. */
  function stopped(error: unknown, provider: string, deadline: Deadline): unknown {
    if (isRefundError(error) || !deadline.aborted) return error;
    return new RefundError({
      code: 'timeout',
      provider,
      retryable: false,
      message: `${provider}: the deadline passed`,
      cause: error,
    });
  }

  /** Runs a read with retries on every retryable failure: reads cannot refund anything. */
  async function read<T>(
    adapter: RefundAdapter,
    operation: string,
    options: CallOptions | undefined,
    run: (call: AdapterCall) => Promise<T>,
  ) {
    options?.signal?.throwIfAborted();
    const deadline = new Deadline(deadlineMs);
    const waitSignal = () => deadline.signal(options?.signal); // only waits between attempts need a timer
    try {
      for (let number = 0; ; number += 1) {
        try {
          return await attempt(adapter, operation, number, deadline, options?.signal, run);
        } catch (error) {
          if (!isRefundError(error) || !error.retryable || number >= maxRetries || deadline.aborted) {
            throw clean(error, adapter);
          }
          const delayMs = backoff(number, error);
          hooks?.onRetry?.({ provider: adapter.provider, operation, attempt: number, delayMs, error });
          await sleep(delayMs, waitSignal());
        }
      }
    } catch (error) {
      throw stopped(error, adapter.provider, deadline);
    }
  }

  async function create(rawInput: CreateRefundInput, callOptions: CallOptions = {}): Promise<Refund> {
    const adapter = resolveProvider(providers, rawInput);
    const { provider, capabilities } = adapter;
    const callerKey = checkIdempotencyKey(callOptions.idempotencyKey);
    const input = {
      payment: checkPayment(adapter, rawInput.payment),
      amount: checkAmount(adapter, rawInput.amount),
      reason: checkReason(capabilities, rawInput.reason, provider),
      // A repeated call with the same key must send the same body, so its reference derives from the key.
      reference:
        checkReference(capabilities, rawInput.reference, provider) ??
        (callerKey
          ? await referenceFor(callerKey)
          : referenceFrom(crypto.getRandomValues(new Uint8Array(20)))),
      metadata: checkMetadata(capabilities, rawInput.metadata, provider),
      idempotencyKey: callerKey ?? crypto.randomUUID(),
    };
    callOptions.signal?.throwIfAborted();
    const deadline = new Deadline(deadlineMs);
    const waitSignal = () => deadline.signal(callOptions?.signal); // only waits between attempts need a timer
    // True while a request that may have made a refund is unaccounted for.
    let inDoubt = false;

    /** Looks for the refund this create may have made, by its merchant reference. */
    async function reconcile(failure: RefundError): Promise<Refund | undefined> {
      try {
        const found = await read(adapter, 'reconcile', callOptions, (call) =>
          adapter.list({ payment: input.payment }, call),
        );
        return found.find((refund) => refund.reference === input.reference);
      } catch (error) {
        throw unknownOutcome(
          failure,
          `and listing the payment's refunds to check failed too (${(error as Error).message})`,
        );
      }
    }

    function unknownOutcome(failure: RefundError, detail: string): RefundError {
      return new RefundError({
        code: 'outcome_unknown',
        provider,
        status: failure.status,
        providerCode: failure.providerCode,
        requestId: failure.requestId,
        retryable: false,
        raw: failure.raw,
        cause: failure,
        message:
          `The refund of payment ${input.payment} with reference ${input.reference} may or may not have been made: ` +
          `${failure.message}, ${detail}. List the payment's refunds and look for that reference before trying again` +
          (capabilities.idempotencyKeys
            ? `, or retry with idempotencyKey ${input.idempotencyKey} and the same input.`
            : '.'),
      });
    }

    try {
      return await createWithRetries();
    } catch (error) {
      if (isRefundError(error) || !inDoubt) throw stopped(error, provider, deadline);
      // Aborted (by the caller or the deadline) while a request may have made a refund.
      throw unknownOutcome(
        new RefundError({ code: 'network', provider, message: 'the call was stopped', cause: error }),
        'and refundkit stopped before it could find out',
      );
    }

    async function createWithRetries(): Promise<Refund> {
      for (let number = 0; ; number += 1) {
        try {
          inDoubt = true;
          return await attempt(adapter, 'create', number, deadline, callOptions.signal, (call) =>
            adapter.create(input, call),
          );
        } catch (failure) {
          if (!isRefundError(failure)) throw failure;
          inDoubt = failure.retryable && !isUnsentFailure(failure) && failure.status !== 429;
          if (!failure.retryable) throw clean(failure, adapter);
          const exhausted =
            number >= maxRetries || deadline.aborted || (failure.retryAfterMs ?? 0) > maxDelayMs;
          const delayMs = backoff(number, failure);
          // Sending again cannot duplicate: the provider deduplicates by key, never saw the request, or refused it.
          if (capabilities.idempotencyKeys || isUnsentFailure(failure) || failure.status === 429) {
            if (exhausted) {
              const ambiguous = !isUnsentFailure(failure) && failure.status !== 429;
              const found = ambiguous ? await reconcile(failure) : undefined;
              if (found) return found;
              if (ambiguous && !providerAnswered(failure)) {
                throw unknownOutcome(
                  failure,
                  'no refund with that reference was found and retries are exhausted',
                );
              }
              throw clean(failure, adapter);
            }
            hooks?.onRetry?.({ provider, operation: 'create', attempt: number, delayMs, error: failure });
            await sleep(delayMs, waitSignal());
            continue;
          }
          // The request may have made a refund. Wait first, so one still in flight can land, then look for it.
          await sleep(exhausted ? Math.min(delayMs, 1000) : delayMs, waitSignal());
          const found = await reconcile(failure);
          if (found) return found;
          if (providerAnswered(failure)) inDoubt = false;
          if (exhausted) {
            if (providerAnswered(failure)) throw clean(failure, adapter);
            throw unknownOutcome(
              failure,
              'no refund with that reference was found and retries are exhausted',
            );
          }
          hooks?.onRetry?.({ provider, operation: 'create', attempt: number, delayMs: 0, error: failure });
        }
      }
    }
  }

  return {
    async create(input, callOptions) {
      try {
        return await create(input, callOptions);
      } catch (error) {
        if (isRefundError(error))
          hooks?.onError?.({
            provider: error.provider ?? String(input?.provider),
            operation: 'create',
            attempt: 0,
            error,
          });
        throw error;
      }
    },
    async retrieve(input, callOptions) {
      const adapter = resolveProvider(providers, input);
      const id = checkId(input.id, adapter.provider);
      return read(adapter, 'retrieve', callOptions, (call) =>
        adapter.retrieve({ id, payment: input.payment }, call),
      );
    },
    async list(input, callOptions) {
      const adapter = resolveProvider(providers, input);
      const payment = checkPayment(adapter, input.payment);
      return read(adapter, 'list', callOptions, (call) => adapter.list({ payment }, call));
    },
    capabilities(provider) {
      return resolveProvider(providers, { provider }).capabilities;
    },
  };
}
