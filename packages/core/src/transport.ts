// One attempt of one provider call: a per-attempt timeout joined with the caller's signal and the overall
// deadline, hook events with credentials redacted, and fetch failures turned into RefundErrors that say
// whether the request can have reached the provider.
import { whenAborted } from './abort.js';
import { nodeRequest, refusedBeforeSending } from './node-request.js';
import type { AdapterCall } from './refund.js';
import { RefundError, type RefundErrorOptions } from './refund-error.js';
import { sleep } from './sleep.js';

type Fetch = (request: Request) => Promise<Response>;

/**
 * Sends one request: as the WHATWG `Request` a caller-supplied `fetch` was promised; else with `node:http(s)`
 * on Node (see node-request.ts) or the global `fetch(url, init)` elsewhere.
 */
function send(url: string, init: RequestInit, fetch: Fetch | undefined): Promise<Response> {
  // Redirects are answers, not followed: a create redirected after the provider took it must be in doubt,
  // not a failure of the redirect's target taken for one of the request (node:http never follows them).
  const once: RequestInit = { ...init, redirect: 'manual' };
  if (fetch) return fetch(new Request(url, once));
  return nodeRequest(url, init) ?? globalThis.fetch(url, once);
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
  /**
   * A wait between attempts: resolves after `ms`, or rejects with the caller's abort reason, or with a
   * `TimeoutError` once the deadline has passed, whichever is first. Its timer keeps the process alive;
   * it adds at most one listener to the caller's signal however many waits share it, and leaves none.
   */
  async wait(ms: number, caller?: AbortSignal): Promise<void> {
    if (ms < this.remaining()) return sleep(ms, caller);
    // Until the deadline has passed by `performance.now()`, which a timer may fire a little before.
    while (!this.aborted) await sleep(Math.ceil(this.remaining()), caller);
    caller?.throwIfAborted();
    throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
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

const redacted = '[redacted]';

/** base64 of `bytes`, with platform APIs only (no `Buffer`), so it runs on edge runtimes too. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/**
 * Every form in which a provider may echo one of `secrets`, longest first: as sent; the base64 and base64url
 * of it; the part of the base64 of anything that contains it (a Basic token, an echoed `Authorization`
 * value) that encodes only its bytes, at each of the three alignments; and each of those JSON-escaped
 * (also as `\u` escapes and with `\/`) and percent-encoded.
 */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret === '') continue;
    const bytes = new TextEncoder().encode(secret);
    const encoded = [base64(bytes)];
    for (let offset = 0; offset < 3; offset += 1) {
      const whole = Math.floor((bytes.length - offset) / 3) * 3;
      encoded.push(base64(bytes.subarray(offset, offset + whole)));
    }
    const variants = [secret];
    for (const form of encoded) {
      // At least 8 characters (6 bytes): a shorter run of base64 would match unrelated text.
      if (form.replace(/=+$/, '').length < 8) continue;
      for (const padded of new Set([form, form.replace(/=+$/, '')])) {
        variants.push(padded, padded.replaceAll('+', '-').replaceAll('/', '_'));
      }
    }
    for (const variant of variants) {
      const json = JSON.stringify(variant).slice(1, -1);
      forms.add(variant);
      forms.add(json);
      forms.add(json.replaceAll('/', '\\/'));
      forms.add(
        json.replace(/[^\x20-\x7e]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`),
      );
      try {
        forms.add(encodeURIComponent(variant));
      } catch {
        // A lone surrogate cannot be percent-encoded (nor sent in a header).
      }
    }
  }
  // Longest first, so that a form containing another is replaced whole.
  return [...forms].sort((a, b) => b.length - a.length);
}

// The pattern of the forms of recent sets of secrets: working them out costs ~100 µs, a match ~1 µs.
const patterns = new Map<string, RegExp | null>();

/** One pattern matching every form of every secret (longest first), or `null` when there are none. */
function patternOf(secrets: readonly string[]): RegExp | null {
  const key = secrets.join('\u0000');
  let pattern = patterns.get(key);
  if (pattern === undefined) {
    const forms = secretForms(secrets);
    pattern = forms.length
      ? new RegExp(forms.map((form) => form.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')).join('|'), 'g')
      : null;
    if (patterns.size >= 16) patterns.delete(patterns.keys().next().value as string);
    patterns.set(key, pattern);
  }
  return pattern;
}

/** `text` with every match of `pattern` replaced. */
function scrub(text: string, pattern: RegExp): string {
  return text.replace(pattern, redacted);
}

/** A field (a provider body…) with every string in it, keys too, scrubbed; the same value when nothing was. */
function scrubBody(value: unknown, pattern: RegExp, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, pattern);
  if (typeof value !== 'object' || value === null) return value;
  // Deeper than any provider body: not worth the risk.
  if (depth > 64) return redacted;
  let changed = false;
  const scrubbed = (item: unknown) => {
    const clean = scrubBody(item, pattern, depth + 1);
    if (clean !== item) changed = true;
    return clean;
  };
  const result = Array.isArray(value)
    ? value.map(scrubbed)
    : Object.fromEntries(Object.entries(value).map(([key, item]) => [scrubbed(key), scrubbed(item)]));
  return changed ? result : value;
}

const plainPrototypes = new Set<unknown>([Object.prototype, Array.prototype, Function.prototype, null]);
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Whether anything `util.inspect(value, { showHidden: true, depth: Infinity })` shows may match `pattern`:
 * every own data property (enumerable or not, the `cause` and `stack` of errors included), keys, and the
 * entries of maps and sets, recursively. Objects whose contents live in internal slots (a `Request`,
 * `Headers`), objects that inspect themselves and graphs too large to search count as holding one.
 */
function holdsSecret(value: unknown, pattern: RegExp, seen = new Set<object>()): boolean {
  // `search` ignores and keeps the global pattern's `lastIndex`.
  if (typeof value === 'string') return value.search(pattern) >= 0;
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  if (seen.has(value)) return false;
  seen.add(value);
  if (seen.size > 1000 || inspectCustom in value) return true;
  if (value instanceof Map || value instanceof Set) {
    for (const entry of value.entries()) if (holdsSecret(entry, pattern, seen)) return true;
  } else if (value instanceof Error) {
    // `message` may be inherited (DOMException) and `stack` an accessor: read them as inspect does.
    const { message, stack } = value;
    if (holdsSecret(message, pattern, seen) || holdsSecret(stack, pattern, seen)) return true;
  } else if (!plainPrototypes.has(Object.getPrototypeOf(value))) {
    return true;
  }
  for (const key of Reflect.ownKeys(value)) {
    if (holdsSecret(typeof key === 'symbol' ? key.description : key, pattern, seen)) return true;
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (descriptor && 'value' in descriptor && holdsSecret(descriptor.value, pattern, seen)) return true;
  }
  return false;
}

/**
 * `error` without any of `secrets` (a provider may echo a credential), in any form a provider may echo it
 * in (see `secretForms`), in any of the fields an answer can fill: its message, provider code, request id,
 * field, and every string of its provider body and of any other field it lists. Without its cause when
 * something was scrubbed (the cause may repeat it) or when anything in the cause chain holds a secret
 * (`util.inspect` shows causes). The original stack is kept, scrubbed, as is an unsent mark. The same
 * error when there is nothing to scrub.
 */
export function withoutSecrets(error: RefundError, secrets: readonly string[]): RefundError {
  const pattern = patternOf(secrets);
  if (!pattern) return error;
  const json = error.toJSON() as unknown as Record<string, unknown>;
  let changed = false;
  for (const [key, value] of Object.entries(json)) {
    // Its name, code and provider are refundkit's own, never taken from an answer.
    if (key === 'name' || key === 'code' || key === 'provider') continue;
    const clean = scrubBody(value, pattern);
    if (clean !== value) {
      json[key] = clean;
      changed = true;
    }
  }
  const { cause } = error;
  if (!changed && (cause === undefined || !holdsSecret(cause, pattern))) return error;
  const clean = new RefundError({ ...(json as unknown as RefundErrorOptions), cause: undefined });
  Object.defineProperty(clean, 'stack', {
    value: typeof error.stack === 'string' ? scrub(error.stack, pattern) : clean.stack,
    writable: true,
    configurable: true,
  });
  return isUnsentFailure(error) ? markUnsent(clean) : clean;
}

// Failures that happen before any byte of the request is written: nothing reached the provider. (A base URL
// that is not http(s) is refused when the client is made; redirects are not followed, see `send`.)
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

/**
 * Whether a failed request that could make a refund may have made it. Certainly not when nothing reached
 * the provider (an unsent failure, a check before sending) or the provider refused it unprocessed (a 4xx
 * other than 408; 429 among them). It may have after anything else: no answer (a timeout, a reset), a 5xx
 * (a gateway in front of the provider can answer while the provider still commits), a 408, a 2xx that could
 * not be read, or an error that is not a RefundError.
 */
export function mayHaveActed(error: unknown): boolean {
  if (!(error instanceof RefundError)) return true;
  if (isUnsentFailure(error)) return false;
  const { status } = error;
  if (status === undefined) return error.code !== 'invalid_request';
  return !(status >= 400 && status < 500 && status !== 408);
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
  /**
   * The adapter's `secrets`, scrubbed from the URLs of hook events: a URL carries ids and page tokens from
   * earlier answers, which a provider may have echoed a credential into.
   */
  secrets?: (() => readonly string[]) | undefined;
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
  // Not unref'd: a refund in flight keeps the process alive, even when the `fetch` holds no handle. The
  // attempt clears it when it ends.
  const caller = options.signal;
  const onAbort = () => controller.abort(caller?.reason);
  // One listener on the caller's signal for all the attempts and waits that share it.
  let stopListening: (() => void) | undefined;
  if (caller?.aborted) onAbort();
  else if (caller) stopListening = whenAborted(caller, onAbort);
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
  const shown = (url: string) => {
    const pattern = options.secrets && patternOf(options.secrets());
    return pattern ? scrub(url, pattern) : url;
  };
  const fetch = async (url: string, init: RequestInit) => {
    // Nothing is sent for an attempt that has ended, by whatever is still running in it.
    signal.throwIfAborted();
    // Nor to a URL no HTTP stack can send to (base URLs are checked earlier; this is an adapter's own).
    if (!/^https?:\/\//i.test(url)) {
      throw markUnsent(
        new RefundError({
          code: 'invalid_request',
          provider,
          message: `${provider}: only http(s) URLs can be sent to`,
        }),
      );
    }
    const started = performance.now();
    const event = { provider, operation, attempt, method: init.method, url: hooks ? shown(url) : url };
    hooks?.onRequest?.({ ...event, headers: redactHeaders(init.headers) });
    let response: Response;
    try {
      response = await send(url, init, options.fetch);
    } catch (error) {
      const failure = classify(error);
      // node:http refused the request before writing a byte (a header value Node refuses): nothing reached
      // the provider, and sending again cannot help. Anything else from sending (an answer that cannot be
      // read, a global fetch's TypeError, which in browsers is also a network failure) stays in doubt.
      if (failure === error && refusedBeforeSending(error) && !caller?.aborted) {
        throw markUnsent(
          new RefundError({
            code: 'invalid_request',
            provider,
            message: `${provider}: the request could not be sent (${(error as Error)?.message})`,
            cause: error,
          }),
        );
      }
      throw failure;
    }
    hooks?.onResponse?.({ ...event, status: response.status, durationMs: performance.now() - started });
    return response;
  };
  try {
    return await Promise.race([
      work({ fetch, signal }),
      // The abort ends the attempt even when what it awaits ignores it. undici's `fetch` does, for a Request
      // it copied, once a GC has collected the copy's controller (nodejs/undici#4068). A plain listener, not
      // `abortRejection`: this signal is the attempt's own, and goes with it (the registry costs ~5 µs).
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    ]);
  } catch (error) {
    throw classify(error);
  } finally {
    clearTimeout(timer);
    stopListening?.();
  }
}
