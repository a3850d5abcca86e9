// The provider-neutral half of every refundkit sandbox: routing and validation against the provider's
// spec, credentials, fault injection, a control API under /_sandbox/, deterministic ids and clock, and
// serving over real HTTP. Each provider's ./testing entry supplies the behaviour.
import { abortRejection } from '../abort.js';
import { sleep } from '../sleep.js';
import { createFaults, type FaultControl, type FaultSpec } from './faults.js';
import { type MatchedOperation, OpenApiValidator } from './openapi-validator.js';

export interface SandboxOptions {
  /** Seed for generated ids, so snapshots are stable. Default: random. */
  seed?: number;
  /** Fixed clock: every timestamp the sandbox writes is this instant. Default: the real clock. */
  now?: Date | number | (() => Date | number);
  /**
   * Largest request body accepted, in bytes; a larger one gets the provider's 413 before it is read whole
   * (`Content-Length` first, then while reading). Default 1 MiB: nginx's default `client_max_body_size`,
   * far above any refund request (a few KB) and small enough that concurrent misuse stays cheap.
   */
  maxBodyBytes?: number;
}

/** 1 MiB: see `SandboxOptions.maxBodyBytes`. */
const defaultMaxBodyBytes = 1024 * 1024;

/** One refund the sandbox recorded, provider-neutral, for assertions. */
export interface SandboxLedgerEntry {
  /** The provider's refund id. */
  id: string;
  /** The provider-native id of what was refunded (capture, transaction, payment or order). */
  payment: string;
  /** Refunded amount in integer minor units. */
  amount: number;
  currency: string;
  /** The provider's own status word for it. */
  status: string;
  /** The merchant reference the refund carries, if any. */
  reference?: string | undefined;
  /** Creation time, ISO 8601. */
  createdAt: string;
  /** The `x-refundkit-sandbox-trace` header of the request that made it, when it had one. */
  trace?: string;
}

export interface SandboxPaymentInput {
  /** Amount captured, in integer minor units. */
  amount: number;
  /** ISO 4217 currency code. */
  currency: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; omit for none. */
  body?: unknown;
  /**
   * The body is a sparse subset of the documented schema (e.g. a JSON:API sparse fieldset the caller
   * asked for): its status and headers are validated, its body is not.
   */
  sparse?: boolean;
}

export interface OperationRequest {
  operationId: string;
  /** The API's base URL as the caller sees it (origin, mount prefix and base path), for links. */
  baseUrl: string;
  pathParams: Record<string, string>;
  query: URLSearchParams;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: bodies were validated against the spec before handlers run
  body: any;
}

export type OperationHandler = (request: OperationRequest) => SandboxResponse;

/**
 * A sandbox's handlers, one per operation of its generated `operations` and no other: written as
 * `handlers: { … } satisfies SandboxHandlers<operations>`, removing or renaming an operation in a spec
 * fails the typecheck until the sandbox follows.
 */
export type SandboxHandlers<Operations> = { [OperationId in keyof Operations]: OperationHandler };

export interface SandboxDefinition {
  provider: string;
  spec: object;
  /** Media type of JSON responses. */
  mediaType: string;
  handlers: Record<string, OperationHandler>;
  /** Whether the request's credentials allow this operation. */
  authenticate(headers: Headers, operation: { operationId: string; method: string }): boolean;
  /** The provider's answer to missing, wrong, expired or insufficient credentials. */
  unauthorized(operationId: string, headers: Headers): SandboxResponse;
  /**
   * Rate limiting, for providers that model it: counts the request (before credentials are checked, as a
   * limit per client is), for every path under the API (`operationId` is undefined where none matched);
   * `headers` go on every answer to it, `refused` (a 429) answers it instead.
   */
  meter?(request: { operationId: string | undefined; method: string; path: string }): Metered;
  /** The provider's answer to a request that breaks the spec. */
  invalidRequest(violations: string[], operationId: string): SandboxResponse;
  /** The provider's answer to a path or method it does not serve. */
  notFound(): SandboxResponse;
  /**
   * The provider's error for a request refused before it reaches an operation: 405 for a method no HTTP
   * API serves (`TRACE`, `TRACK`, `CONNECT`), 413 for a body over `maxBodyBytes`.
   */
  refused(status: 405 | 413, message: string): SandboxResponse;
  /** The body the provider sends with an injected 5xx or 429. */
  faultBody(status: number): unknown;
  createPayment(input: SandboxPaymentInput & Record<string, unknown>): string;
  refunds(): SandboxLedgerEntry[];
  credentials: Record<string, string>;
}

/** What `meter` decided for one request. */
export interface Metered {
  headers: Record<string, string>;
  refused?: SandboxResponse;
}

/** Thrown (in process) or answered as 500 (over HTTP) when the sandbox itself breaks the provider's spec. */
export class SandboxResponseError extends Error {
  override readonly name = 'SandboxResponseError';
  constructor(
    readonly operationId: string,
    readonly violations: string[],
  ) {
    super(`Sandbox bug: the ${operationId} response breaks the spec: ${violations.join('; ')}`);
  }
}

/** Header naming the spec violation that made the sandbox reject a request. */
export const violationHeader = 'x-refundkit-sandbox-violation';

/**
 * Request header whose value the sandbox records on the refunds that request makes (`trace` in the ledger),
 * so a test can tell which of many concurrent calls made which refund.
 */
export const traceHeader = 'x-refundkit-sandbox-trace';

/** How a request ended: a response, a dropped connection, or no answer at all. */
export type SandboxOutcome = { type: 'response'; response: Response } | { type: 'reset' } | { type: 'hang' };

/** A sandbox's clock and deterministic ids, from its `seed` and `now` options. */
export interface SandboxTools {
  /** The current sandbox time. */
  now(): Date;
  /** `length` characters of `alphabet` (default: letters and digits). */
  randomId(length: number, alphabet?: string): string;
  /** A version-4-shaped UUID. */
  randomUuid(): string;
}

export function createSandboxTools(options: SandboxOptions = {}): SandboxTools {
  const random = seededRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  return {
    now() {
      const value = typeof options.now === 'function' ? options.now() : (options.now ?? Date.now());
      return new Date(value);
    },
    randomId(length, alphabet = alphanumeric) {
      let id = '';
      for (let i = 0; i < length; i += 1) id += alphabet[Math.floor(random() * alphabet.length)];
      return id;
    },
    randomUuid() {
      const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
      hex[12] = '4';
      hex[16] = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
  };
}

export interface SandboxRuntime {
  /** A fetch-compatible function serving the sandbox in process (any host; the path decides). */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  faults: FaultControl;
  /** Handles one request whose path starts at the API base (after any mount prefix). */
  handle(request: Request, path: string): Promise<SandboxOutcome>;
  /** The API base path from the spec's server URL, e.g. `/api`. */
  basePath: string;
  /** Largest request body it accepts, in bytes (`SandboxOptions.maxBodyBytes`). */
  maxBodyBytes: number;
  /** The provider's answer to a request refused before it reaches an operation (see `SandboxDefinition.refused`). */
  refuse(status: 405 | 413, message: string): Response;
  /** The ledger, each refund with the trace of the request that made it. */
  refunds(): SandboxLedgerEntry[];
  /**
   * Resolves once every request received so far has been processed, late ones (`slow`, `gateway-error`
   * with `ms`) included; rejects if processing one of them broke the spec.
   */
  settled(): Promise<void>;
}

const alphanumeric = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** Longest a `drop-after-commit` timeout keeps a request hanging when the caller never gives up. */
const maxHangMs = 30_000;

/** mulberry32: small, fast and good enough for ids (and test plans) that only need to be deterministic. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function jsonResponse(mediaType: string, response: SandboxResponse): Response {
  const headers = new Headers(response.headers);
  if (response.body !== undefined && !headers.has('content-type')) headers.set('content-type', mediaType);
  return new Response(response.body === undefined ? null : JSON.stringify(response.body), {
    status: response.status,
    headers,
  });
}

/** The message of every 413: what the limit is and how to change it. */
export function bodyTooLarge(limit: number): string {
  return `The request body is larger than the sandbox accepts (${limit} bytes; the maxBodyBytes option sets it)`;
}

/**
 * The body as text, or `undefined` once it passes `limit` bytes: a declared `Content-Length` over it is
 * refused unread, and a streamed body is read no further than the limit.
 */
async function readText(request: Request, limit: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > limit) return undefined;
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): { body: unknown; malformed: boolean } {
  if (text === '') return { body: undefined, malformed: false };
  try {
    return { body: JSON.parse(text), malformed: false };
  } catch {
    return { body: text, malformed: true };
  }
}

const controlRoutes = [
  'GET /_sandbox',
  'POST /_sandbox/payments',
  'GET /_sandbox/refunds',
  'GET /_sandbox/faults',
  'POST /_sandbox/faults',
  'DELETE /_sandbox/faults',
];

/** A control route's JSON object body, or an error saying what the route expects instead. */
function controlBody(route: string, text: string, example: string): Record<string, unknown> {
  const expects = `${route} expects a JSON object body like ${example}`;
  if (text.trim() === '') throw new TypeError(`${expects}; the body is empty`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError(`${expects}; the body is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${expects}; got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `POST /_sandbox/payments`: the fields every provider needs, checked before its own `createPayment` checks. */
function paymentInput(text: string): SandboxPaymentInput & Record<string, unknown> {
  const input = controlBody('POST /_sandbox/payments', text, '{"amount": 1000, "currency": "EUR"}');
  if (typeof input.amount !== 'number') {
    throw new TypeError(
      `POST /_sandbox/payments: "amount" must be a number (integer minor units), got ${JSON.stringify(input.amount) ?? 'nothing'}`,
    );
  }
  if (typeof input.currency !== 'string') {
    throw new TypeError(
      `POST /_sandbox/payments: "currency" must be an ISO 4217 code, got ${JSON.stringify(input.currency) ?? 'nothing'}`,
    );
  }
  return input as SandboxPaymentInput & Record<string, unknown>;
}

/** What a gateway in front of the provider answers when the provider is slow or down. */
function gatewayPage(status: number): Response {
  const title = `${status} ${status === 504 ? 'Gateway Time-out' : status === 503 ? 'Service Temporarily Unavailable' : 'Bad Gateway'}`;
  return new Response(`<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`, {
    status,
    headers: { 'content-type': 'text/html' },
  });
}

/** A network error shaped like undici's, so clients see what a real dropped connection looks like. */
function connectionResetError(): TypeError {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  });
}

export function createSandboxRuntime(
  definition: SandboxDefinition,
  options: Pick<SandboxOptions, 'maxBodyBytes'> = {},
): SandboxRuntime {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  if (!(Number.isSafeInteger(maxBodyBytes) && maxBodyBytes > 0)) {
    throw new TypeError(
      `"maxBodyBytes" must be a positive whole number of bytes, got ${String(maxBodyBytes)}`,
    );
  }
  const validator = new OpenApiValidator(definition.spec);
  const faults = createFaults();
  const traces = new Map<string, string>();
  // Requests being handled, so `settled()` can wait for late commits; and what broke while nobody waited.
  const inFlight = new Set<Promise<unknown>>();
  const lateFailures: unknown[] = [];
  function track<T>(work: Promise<T>): Promise<T> {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }
  const respond = (response: SandboxResponse): SandboxOutcome => ({
    type: 'response',
    response: jsonResponse(definition.mediaType, response),
  });

  async function control(request: Request, path: string, text: string): Promise<SandboxOutcome> {
    const json = (status: number, body?: unknown) =>
      respond({ status, body, headers: { 'content-type': 'application/json' } });
    const route = `${request.method} ${path.replace(/\/+$/, '')}`;
    try {
      switch (route) {
        case 'GET /_sandbox':
          return json(200, { provider: definition.provider, credentials: definition.credentials });
        case 'POST /_sandbox/payments':
          return json(201, { id: definition.createPayment(paymentInput(text)) });
        case 'GET /_sandbox/refunds':
          return json(200, { refunds: definition.refunds() });
        case 'GET /_sandbox/faults':
          return json(200, { faults: faults.pending() });
        case 'POST /_sandbox/faults':
          faults.inject(controlBody(route, text, '{"kind": "http-500", "times": 1}') as unknown as FaultSpec);
          return json(201, { faults: faults.pending() });
        case 'DELETE /_sandbox/faults':
          faults.clear();
          return json(204);
        default:
          return json(404, {
            error: `No sandbox control route "${route}" (the routes: ${controlRoutes.join(', ')})`,
          });
      }
    } catch (error) {
      return json(400, { error: (error as Error).message });
    }
  }

  function handle(request: Request, path: string): Promise<SandboxOutcome> {
    return track(handleTracked(request, path));
  }

  const refuse = (status: 405 | 413, message: string) =>
    jsonResponse(definition.mediaType, definition.refused(status, message));

  async function handleTracked(request: Request, path: string): Promise<SandboxOutcome> {
    // Read once, here: late processing (`slow`, `gateway-error` with `ms`) uses it after the caller left.
    const text = await readText(request, maxBodyBytes);
    if (text === undefined) return { type: 'response', response: refuse(413, bodyTooLarge(maxBodyBytes)) };
    if (path === '/_sandbox' || path.startsWith('/_sandbox/')) return control(request, path, text);
    const base = validator.basePath;
    if (!path.startsWith(base)) return respond(definition.notFound());
    const apiPath = path.slice(base.length) || '/';
    const matched = validator.match(request.method, apiPath);
    // Metered before matching: a provider's limit headers come on its 404s too.
    const metered = definition.meter?.({
      operationId: matched?.operationId,
      method: request.method,
      path: apiPath,
    });
    if (!matched) {
      const notFound = definition.notFound();
      return respond({ ...notFound, headers: { ...metered?.headers, ...notFound.headers } });
    }
    const pathname = new URL(request.url).pathname;
    const baseUrl = `${new URL(request.url).origin}${pathname.slice(0, pathname.length - apiPath.length)}`;
    // A refused request reaches neither the faults nor the handlers.
    if (metered?.refused) return process(request, text, matched, baseUrl, metered);
    const fault = faults.take({ operationId: matched.operationId, method: request.method, path: apiPath });
    if (fault) {
      switch (fault.kind) {
        case 'reset':
          return { type: 'reset' };
        case 'http-500':
        case 'http-503':
          return respond({
            status: Number(fault.kind.slice(5)),
            headers: metered?.headers,
            body: definition.faultBody(Number(fault.kind.slice(5))),
          });
        case 'http-429':
          return respond({
            status: 429,
            headers: { ...metered?.headers, 'retry-after': String(fault.retryAfter ?? 1) },
            body: definition.faultBody(429),
          });
        case 'delay':
          await sleep(fault.ms ?? 100, request.signal);
          break;
        default:
          break;
      }
    }

    switch (fault?.kind) {
      case 'drop-after-commit':
        await process(request, text, matched, baseUrl, metered);
        return { type: fault.drop === 'timeout' ? 'hang' : 'reset' };
      case 'slow': {
        // Processed late even when the caller has given up; answered only if it is still there.
        await sleep(fault.ms ?? 100);
        try {
          const outcome = await process(request, text, matched, baseUrl, metered);
          return request.signal.aborted ? { type: 'hang' } : outcome;
        } catch (error) {
          // Nobody is waiting for this answer: `settled()` reports it.
          if (!request.signal.aborted) throw error;
          lateFailures.push(error);
          return { type: 'hang' };
        }
      }
      case 'gateway-error': {
        const status = fault.status ?? 502;
        if (!fault.ms) await process(request, text, matched, baseUrl, metered);
        else {
          track(
            sleep(fault.ms)
              .then(() => process(request, text, matched, baseUrl, metered))
              .catch((error: unknown) => void lateFailures.push(error)),
          );
        }
        return { type: 'response', response: gatewayPage(status) };
      }
      case 'garbage-200':
        if (fault.commit !== false) await process(request, text, matched, baseUrl, metered);
        return {
          type: 'response',
          response: new Response('<html><body>OK</body></html>', {
            status: 200,
            headers: { 'content-type': definition.mediaType },
          }),
        };
      default:
        return process(request, text, matched, baseUrl, metered);
    }
  }

  async function process(
    request: Request,
    text: string,
    matched: MatchedOperation,
    baseUrl: string,
    metered: Metered | undefined,
  ): Promise<SandboxOutcome> {
    const url = new URL(request.url);
    const answer = (response: SandboxResponse) => {
      const outgoing = jsonResponse(definition.mediaType, {
        ...response,
        headers: { ...metered?.headers, ...response.headers },
      });
      const violations = validator
        .validateResponse(matched, {
          status: response.status,
          headers: outgoing.headers,
          body: response.body,
        })
        .filter(
          (violation) => !(response.sparse && violation.startsWith(`response ${response.status} body`)),
        );
      if (violations.length > 0) throw new SandboxResponseError(matched.operationId, violations);
      return { type: 'response', response: outgoing } as const;
    };
    if (metered?.refused) return answer(metered.refused);
    if (
      !definition.authenticate(request.headers, { operationId: matched.operationId, method: request.method })
    )
      return answer(definition.unauthorized(matched.operationId, request.headers));
    const { body, malformed } = parseBody(text);
    const violations = malformed
      ? ['request body is not valid JSON']
      : validator.validateRequest(matched, {
          query: url.searchParams,
          headers: request.headers,
          body,
          contentType: request.headers.get('content-type'),
        });
    if (violations.length > 0) {
      const rejection = definition.invalidRequest(violations, matched.operationId);
      return answer({ ...rejection, headers: { ...rejection.headers, [violationHeader]: violations[0]! } });
    }
    const handler = definition.handlers[matched.operationId];
    if (!handler)
      throw new Error(`The ${definition.provider} sandbox has no handler for ${matched.operationId}`);
    const trace = request.headers.get(traceHeader);
    // Handlers are synchronous, so the refunds that appear across the call are this request's.
    const before = trace === null ? undefined : new Set(definition.refunds().map((refund) => refund.id));
    const response = handler({
      operationId: matched.operationId,
      baseUrl,
      pathParams: matched.pathParams,
      query: url.searchParams,
      headers: request.headers,
      body,
    });
    if (before) {
      for (const refund of definition.refunds()) if (!before.has(refund.id)) traces.set(refund.id, trace!);
    }
    return answer(response);
  }

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    // Like a real fetch: a request whose signal has fired is never sent.
    request.signal.throwIfAborted();
    // Like a real fetch, it rejects when its signal fires, whatever the server is still doing.
    const aborted = abortRejection(request.signal);
    const outcome = await Promise.race([
      handle(request, new URL(request.url).pathname),
      aborted.promise,
    ]).finally(aborted.release);
    if (outcome.type === 'response') return outcome.response;
    if (outcome.type === 'hang') {
      // The response is lost: wait for the caller to give up (bounded), then fail as a dropped connection.
      await sleep(maxHangMs, request.signal);
    }
    throw connectionResetError();
  };

  return {
    fetch,
    faults: { inject: faults.inject, clear: faults.clear, pending: faults.pending },
    handle,
    basePath: validator.basePath,
    maxBodyBytes,
    refuse,
    refunds: () =>
      definition.refunds().map((refund) => {
        const trace = traces.get(refund.id);
        return trace === undefined ? refund : { ...refund, trace };
      }),
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (lateFailures.length > 0) throw lateFailures.splice(0)[0];
    },
  };
}
