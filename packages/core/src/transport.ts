// One attempt of one provider call: a per-attempt timeout joined with the caller's signal and the overall
// deadline, hook events with credentials redacted, and fetch failures turned into RefundErrors that say
// whether the request can have reached the provider.
import { nodeRequest } from './node-request.js';
import type { AdapterCall } from './refund.js';
import { RefundError } from './refund-error.js';

type Fetch = (request: Request) => Promise<Response>;

/**
 * Sends one request: as the WHATWG `Request` a caller-supplied `fetch` was promised; else with `node:http(s)`
 * on Node (see node-request.ts) or the global `fetch(url, init)` elsewhere.
 */
function send(url: string, init: RequestInit, fetch: Fetch | undefined): Promise<Response> {
  if (fetch) return fetch(new Request(url, init));
  return nodeRequest(url, init) ?? globalThis.fetch(url, init);
}

/** The overall deadline of one operation as a point in time: no timer unless a wait needs one. */
export class Deadline {
  readonly at: number;
  constructor(ms: number) {
    this.at = performance.now() + ms;
  }
  get aborted(): boolean {
    return performance.now() >= this.at;
  }
  remaining(): number {
    return Math.max(0, this.at - performance.now());
  }
  /** A signal for a wait between attempts: aborts at the deadline or with the caller's signal. */
  signal(caller?: AbortSignal): AbortSignal {
    const deadline = AbortSignal.timeout(Math.ceil(this.remaining()));
    return caller ? AbortSignal.any([deadline, caller]) : deadline;
  }
}

/** An observable step of a refund operation. Headers are redacted; bodies are never included. */
export interface RefundEvent {
  provider: string;
  /** `create`, `retrieve`, `list` or `reconcile`. */
  operation: string;
  /** 0 for the first attempt. */
  attempt: number;
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  status?: number;
  durationMs?: number;
  /** For `onRetry`: the wait before the next attempt. */
  delayMs?: number;
  error?: RefundError;
}

export interface RefundHooks {
  onRequest?(event: RefundEvent): void;
  onResponse?(event: RefundEvent): void;
  onRetry?(event: RefundEvent): void;
  onError?(event: RefundEvent): void;
}

const sensitiveHeaders = new Set([
  'authorization',
  'proxy-authorization',
  'x-apikey',
  'x-api-key',
  'api-key',
  'cookie',
  'set-cookie',
  'token',
]);

function redactHeaders(headers: RequestInit['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    result[name] = sensitiveHeaders.has(name) ? '[redacted]' : value;
  });
  return result;
}

/** Replaces every occurrence of each secret in `text`. */
function scrubSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.replaceAll(secret, '[redacted]');
  return result;
}

/**
 * `error` without any of `secrets` in its message or its provider body (a provider may echo a credential),
 * and then without its cause, which may hold the request. The same error when it has none.
 */
export function withoutSecrets(error: RefundError, secrets: readonly string[]): RefundError {
  const message = scrubSecrets(error.message, secrets);
  // The body is scrubbed as JSON text, so the secrets as they are written inside a JSON string.
  const raw = JSON.stringify(error.raw);
  const inJson = secrets.map((secret) => JSON.stringify(secret).slice(1, -1));
  const clean = raw && scrubSecrets(raw, inJson);
  return message === error.message && clean === raw
    ? error
    : new RefundError({ ...error, message, raw: clean && JSON.parse(clean), cause: undefined });
}

// Connection failures that happen before any byte of the request is written: nothing reached the provider.
const unsentCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENETUNREACH',
]);
// A registered symbol, not a WeakSet: the facade's bundle has its own copy of this module, and failures
// marked by an adapter from a separately installed @refundkit/<provider> must still be recognised.
const unsentMark = Symbol.for('refundkit.unsent');

/**
 * Marks a failure as one that happened before the refund-making request was sent (e.g. a preparatory read
 * failed), so the facade may repeat the call without reconciling.
 */
export function markUnsent(error: RefundError): RefundError {
  Object.defineProperty(error, unsentMark, { value: true });
  return error;
}

/** True when the failed request certainly never reached the provider, so repeating it cannot duplicate anything. */
export function isUnsentFailure(error: unknown): boolean {
  return error instanceof RefundError && (error as { [unsentMark]?: true })[unsentMark] === true;
}

function causeCode(error: unknown): string | undefined {
  let current = error as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 5; depth += 1) {
    if (typeof current.code === 'string') return current.code;
    current = current.cause as typeof current;
  }
  return undefined;
}

export interface AttemptOptions {
  provider: string;
  operation: string;
  attempt: number;
  /** The adapter's configured `fetch`; when undefined, `node:http(s)` on Node, else the global `fetch`. */
  fetch: Fetch | undefined;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs: number;
  /** The overall deadline of the operation. */
  deadline: Deadline;
  /** The caller's signal: its abort is passed through untouched. */
  signal?: AbortSignal | undefined;
  hooks: RefundHooks | undefined;
}

/**
 * Runs `work` as one attempt: it gets the attempt's `fetch` and `signal` (a timeout joined with the caller's
 * signal and the deadline), and ends when the work settles or that signal aborts, whichever is first. What
 * it throws is classified: a RefundError for what a timeout, a deadline or the network did (e.g. reading a
 * body timed out after `fetch` resolved); the caller's abort and any other error as they are.
 */
export async function runAttempt<T>(
  options: AttemptOptions,
  work: (call: AdapterCall) => Promise<T>,
): Promise<T> {
  // One controller and one timer per attempt: AbortSignal.timeout + AbortSignal.any cost ~50 µs a call.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new DOMException('The attempt timed out', 'TimeoutError'));
    },
    Math.min(options.timeoutMs, options.deadline.remaining()),
  );
  (timer as { unref?: () => void }).unref?.();
  const caller = options.signal;
  const onAbort = () => controller.abort(caller?.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  const { provider, operation, attempt, hooks } = options;
  function classify(error: unknown): unknown {
    if (error instanceof RefundError) return error;
    // Which signal fired decides, not the error's name: the caller's own abort is theirs to handle.
    if (timedOut || options.deadline.aborted) {
      return new RefundError({
        code: 'timeout',
        provider,
        retryable: true,
        message: options.deadline.aborted
          ? `${provider} did not answer before the deadline`
          : `${provider} did not answer within ${options.timeoutMs} ms`,
        cause: error,
      });
    }
    if (caller?.aborted) return error;
    const code = causeCode(error);
    // undici rejects with TypeError "fetch failed" (and "terminated" when a body is cut off); anything else
    // is not a network failure and must surface as it is, not be retried as one.
    const networkFailure =
      code !== undefined ||
      (error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated'));
    if (!networkFailure) return error;
    const failure = new RefundError({
      code: 'network',
      provider,
      retryable: true,
      message: `Could not reach ${provider}${code ? ` (${code})` : ''}`,
      cause: error,
    });
    return code && unsentCodes.has(code) ? markUnsent(failure) : failure;
  }
  const fetch = async (url: string, init: RequestInit) => {
    // Nothing is sent for an attempt that has ended, by whatever is still running in it.
    signal.throwIfAborted();
    const started = performance.now();
    const event = { provider, operation, attempt, method: init.method, url };
    hooks?.onRequest?.({ ...event, headers: redactHeaders(init.headers) });
    let response: Response;
    try {
      response = await send(url, init, options.fetch);
    } catch (error) {
      throw classify(error);
    }
    hooks?.onResponse?.({ ...event, status: response.status, durationMs: performance.now() - started });
    return response;
  };
  try {
    return await Promise.race([
      work({ fetch, signal }),
      // The abort ends the attempt even when what it awaits ignores it. undici's `fetch` does, for a Request
      // it copied, once a GC has collected the copy's controller (nodejs/undici#4068).
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    ]);
  } catch (error) {
    throw classify(error);
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', onAbort);
  }
}
