// Acceptance test: Commerce Layer's own SDK (@commercelayer/sdk, bundled client) drives the sandbox served on
// 127.0.0.1 through the refund lifecycle, and must get what it gets from the real API (per its code in
// commercelayer/commercelayer-sdk src/client.ts, error.ts, fetch.ts, util.ts and the docs).
// The error classes are exported as types only (lib/index.js exports no ApiError): CommerceLayerStatic
// carries the SDK's own guards.
import { type ApiError, CommerceLayerStatic } from '@commercelayer/sdk';
import { CommerceLayer } from '@commercelayer/sdk/bundle';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { adapterCall } from '../../../test/support/adapter-call.js';
import { commercelayer, createCommercelayerClient } from '../src/index.js';
import {
  type CommercelayerSandbox,
  type CommercelayerSandboxOptions,
  createCommercelayerSandbox,
} from '../src/testing/index.js';

/** One request as it left the client, before it was sent to the sandbox. */
interface WireRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: unknown;
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

/**
 * A sandbox on 127.0.0.1 and a fetch that sends what a client addressed to `https://sandbox.commercelayer.io/api`
 * there, recording each request. The SDK always builds `https://<organization>.<domain>/api` (its `domain`
 * option only replaces `commercelayer.io`, so it cannot name `http://127.0.0.1:<port>`); its `fetch` option,
 * which it calls with the URL and the request options, is the supported hook to send the requests elsewhere.
 */
async function serve(options?: CommercelayerSandboxOptions) {
  const sandbox = createCommercelayerSandbox(options);
  const { url, close } = await sandbox.listen();
  closers.push(close);
  const wire: WireRequest[] = [];
  const fetchVia = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const text = await request.clone().text();
    const addressed = new URL(request.url);
    wire.push({
      method: request.method,
      url: addressed,
      headers: Object.fromEntries(request.headers),
      body: text === '' ? undefined : JSON.parse(text),
    });
    expect(addressed.origin).toBe('https://sandbox.commercelayer.io');
    return fetch(
      new Request(`${url}${addressed.pathname.replace(/^\/api/, '')}${addressed.search}`, request),
    );
  };
  const sdk = (
    accessToken = sandbox.credentials.accessToken,
    more: { refreshToken?: (expired: string) => Promise<string> } = {},
  ) => CommerceLayer({ organization: 'sandbox', accessToken, fetch: fetchVia, ...more });
  return { sandbox, wire, fetchVia, sdk };
}

/** The ApiError the SDK rejects with, or a failure if it resolved or threw something else. */
async function apiError(call: Promise<unknown>): Promise<ApiError> {
  const caught = await call.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(CommerceLayerStatic.isApiError(caught)).toBe(true);
  return caught as ApiError;
}

describe('@commercelayer/sdk against the Commerce Layer sandbox on 127.0.0.1', () => {
  let context: Awaited<ReturnType<typeof serve>>;
  let sandbox: CommercelayerSandbox;
  beforeAll(async () => {
    context = await serve();
    sandbox = context.sandbox;
  });

  it('retrieves a capture (amount and refund balance, exact minor units)', async () => {
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const retrieved = await context.sdk().captures.retrieve(capture);
    expect(retrieved).toMatchObject({
      id: capture,
      type: 'captures',
      amount_cents: 1500,
      currency_code: 'EUR',
      refund_balance_cents: 1500,
      refund_amount_cents: 0,
    });
  });

  it('refunds a whole capture with `_refund`, then the trigger is refused with 422 (balance 0)', async () => {
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const cl = context.sdk();
    const refunded = await cl.captures._refund(capture, { include: ['refunds'] });
    expect(refunded).toMatchObject({ refund_amount_cents: 1500, refund_balance_cents: 0 });
    expect(refunded.refunds).toHaveLength(1);
    expect(refunded.refunds?.[0]).toMatchObject({ type: 'refunds', amount_cents: 1500, succeeded: true });
    const again = await apiError(cl.captures._refund(capture));
    expect(again.status).toBe(422);
    expect(again.first()).toMatchObject({
      code: 'VALIDATION_ERROR',
      status: '422',
      source: { pointer: '/data/attributes/_refund_amount_cents' },
    });
  });

  it('refunds part of a capture, and answers an over-refund with 422 without recording it', async () => {
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const cl = context.sdk();
    const partial = await cl.captures.update({ id: capture, _refund: true, _refund_amount_cents: 500 });
    expect(partial).toMatchObject({ refund_amount_cents: 500, refund_balance_cents: 1000 });
    const before = sandbox.refunds().length;
    const over = await apiError(
      cl.captures.update({ id: capture, _refund: true, _refund_amount_cents: 1001 }),
    );
    expect(over.status).toBe(422);
    expect(over.first()).toMatchObject({
      code: 'VALIDATION_ERROR',
      meta: { error: 'less_than_or_equal_to', value: 1001, count: 1000 },
    });
    expect(sandbox.refunds()).toHaveLength(before);
    expect((await cl.captures.retrieve(capture)).refund_balance_cents).toBe(1000);
  });

  it('retrieves refunds by id and lists them page by page (meta, hasNextPage)', async () => {
    const capture = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const cl = context.sdk();
    for (const amount of [100, 200, 300]) {
      await cl.captures.update({ id: capture, _refund: true, _refund_amount_cents: amount });
    }
    const first = await cl.captures.refunds(capture, { pageSize: 2, sort: { created_at: 'asc' } });
    expect(Array.from(first, (refund) => refund.amount_cents)).toEqual([100, 200]);
    expect(first.meta).toMatchObject({ recordCount: 3, pageCount: 2, currentPage: 1, recordsPerPage: 2 });
    expect(first.hasNextPage()).toBe(true);
    const second = await cl.captures.refunds(capture, {
      pageSize: 2,
      pageNumber: 2,
      sort: { created_at: 'asc' },
    });
    expect(Array.from(second, (refund) => refund.amount_cents)).toEqual([300]);
    expect(second.hasNextPage()).toBe(false);
    const filtered = await cl.refunds.list({ filters: { reference_capture_id_eq: capture }, pageSize: 25 });
    expect(filtered.meta.recordCount).toBe(3);
    const one = await cl.refunds.retrieve(first[0]!.id, { include: ['reference_capture'] });
    expect(one).toMatchObject({ id: first[0]!.id, amount_cents: 100, reference_capture: { id: capture } });
  });

  it('answers unknown ids with 404 RECORD_NOT_FOUND', async () => {
    const cl = context.sdk();
    for (const call of [cl.refunds.retrieve('nOtAReFuNd'), cl.captures._refund('nOtACaPtUr')]) {
      const error = await apiError(call);
      expect(error.status).toBe(404);
      expect(error.first()).toMatchObject({ code: 'RECORD_NOT_FOUND', status: '404' });
    }
  });

  it('reads the X-Ratelimit-* headers with its raw response reader, on success and on error', async () => {
    const cl = context.sdk();
    const reader = cl.addRawResponseReader({ headers: true });
    await cl.refunds.list();
    expect(reader.headers).toMatchObject({ 'x-ratelimit-limit': '100', 'x-ratelimit-interval': '60' });
    expect(Number(reader.headers?.['x-ratelimit-remaining'])).toBeLessThan(100);
    await apiError(cl.refunds.retrieve('nOtAReFuNd'));
    expect(reader.ok).toBe(false);
    expect(reader.headers?.['x-ratelimit-limit']).toBe('100');
  });

  it('answers a token it never issued with 401 INVALID_TOKEN; a refresh is not attempted for a token without exp', async () => {
    const refreshToken = vi.fn(async () => sandbox.issueAccessToken());
    const stranger = context.sdk('eyJhbGciOiJub25lIn0.e30.c2ln', { refreshToken });
    const error = await apiError(stranger.refunds.list());
    expect(error.status).toBe(401);
    expect(error.first()).toEqual({
      title: 'Invalid token',
      detail: 'The access token you provided is invalid.',
      code: 'INVALID_TOKEN',
      status: '401',
    });
    // The SDK refreshes only a JWT whose `exp` has passed (src/client.ts, util.ts isTokenExpired).
    expect(refreshToken).not.toHaveBeenCalled();
  });

  it('answers a read-only token writing with 401 UNAUTHORIZED, which the SDK does not refresh', async () => {
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const refreshToken = vi.fn(async () => sandbox.issueAccessToken());
    const reader = context.sdk(sandbox.issueAccessToken({ role: 'read_only' }), { refreshToken });
    expect((await reader.captures.retrieve(capture)).amount_cents).toBe(1500);
    const error = await apiError(reader.captures._refund(capture));
    expect(error.status).toBe(401);
    expect(error.first()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(refreshToken).not.toHaveBeenCalled();
    expect(sandbox.refunds().filter((refund) => refund.payment === capture)).toEqual([]);
  });
});

describe('@commercelayer/sdk token refresh against the sandbox', () => {
  // The SDK decides on a refresh with the local clock (`exp * 1000 - Date.now() < 0`) and the sandbox
  // expires tokens on its own; only Date is faked, so both see the same time and no timer is affected.
  // Each test moves a second past `exp`: at `exp` itself the sandbox refuses the token (RFC 7519: "on or
  // after") while the SDK still thinks it valid and would not refresh.
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 10, 22, 12) });
  });
  afterEach(() => {
    vi.setSystemTime(Date.UTC(2026, 10, 22, 12));
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('after the 2 h lifetime: 401 INVALID_TOKEN, refreshToken is called once, the call repeated with the new token', async () => {
    const { sandbox, sdk, wire } = await serve();
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const expired = sandbox.credentials.accessToken;
    let fresh = '';
    const refreshToken = vi.fn(async () => {
      fresh = sandbox.issueAccessToken();
      return fresh;
    });
    const cl = sdk(expired, { refreshToken });
    vi.setSystemTime(Date.UTC(2026, 10, 22, 14, 0, 1));
    const refunded = await cl.captures.update({ id: capture, _refund: true, _refund_amount_cents: 500 });
    expect(refunded.refund_balance_cents).toBe(1000);
    expect(refreshToken).toHaveBeenCalledTimes(1);
    expect(refreshToken).toHaveBeenCalledWith(expired);
    expect(wire.map((request) => request.headers.authorization)).toEqual([
      `Bearer ${expired}`,
      `Bearer ${fresh}`,
    ]);
    expect(cl.currentAccessToken).toBe(fresh);
    // One refund: the refused first attempt changed nothing.
    expect(sandbox.refunds()).toHaveLength(1);
    await cl.captures.retrieve(capture);
    expect(refreshToken).toHaveBeenCalledTimes(1);
  });

  it('without refreshToken, an expired token is a 401 INVALID_TOKEN ApiError', async () => {
    const { sandbox, sdk } = await serve({ tokenLifetime: 60 });
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const cl = sdk();
    expect((await cl.captures.retrieve(capture)).id).toBe(capture);
    vi.setSystemTime(Date.UTC(2026, 10, 22, 12, 1, 1));
    const error = await apiError(cl.captures.retrieve(capture));
    expect(error.status).toBe(401);
    expect(error.first()).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('a refreshToken that fails gives an SdkError of type token-refresh', async () => {
    const { sandbox, sdk } = await serve({ tokenLifetime: 60 });
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const cl = sdk(undefined, { refreshToken: async () => Promise.reject(new Error('auth down')) });
    vi.setSystemTime(Date.UTC(2026, 10, 22, 12, 1, 1));
    const caught = await cl.captures.retrieve(capture).catch((error: unknown) => error);
    expect(CommerceLayerStatic.isSdkError(caught)).toBe(true);
    expect(caught).toMatchObject({ type: 'token-refresh' });
  });
});

describe('@commercelayer/sdk and the 429 of an enforced rate limit', () => {
  it('rejects with a 429 ApiError carrying the headers, and does not retry', async () => {
    let clock = Date.UTC(2026, 10, 22);
    const { sandbox, sdk, wire } = await serve({ now: () => clock, enforceRateLimits: true });
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const cl = sdk();
    const reader = cl.addRawResponseReader({ headers: true });
    for (let i = 0; i < 25; i += 1) await cl.captures.retrieve(capture);
    const sent = wire.length;
    const error = await apiError(cl.captures.retrieve(capture));
    expect(error.status).toBe(429);
    expect(wire).toHaveLength(sent + 1);
    expect(reader.headers).toMatchObject({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '75' });
    clock += 10_000;
    expect((await cl.captures.retrieve(capture)).id).toBe(capture);
  });
});

describe('the wire request of a partial refund: official SDK, typed client, adapter', () => {
  it('is the same PATCH but for the documented, harmless differences (see README)', async () => {
    const { sandbox, sdk, wire, fetchVia } = await serve();
    const capture = sandbox.createPayment({ amount: 1500, currency: 'EUR' });
    const viaRequest = (request: Request) => fetchVia(request);

    await sdk().captures.update({ id: capture, _refund: true, _refund_amount_cents: 500 });
    const official = wire.splice(0);

    const client = createCommercelayerClient({ ...sandbox.credentials, fetch: viaRequest });
    await client.PATCH('/captures/{captureId}', {
      params: { path: { captureId: capture } },
      body: {
        data: { type: 'captures', id: capture, attributes: { _refund: true, _refund_amount_cents: 500 } },
      },
    });
    const typed = wire.splice(0);

    const adapter = commercelayer({ ...sandbox.credentials, fetch: viaRequest });
    await adapter.create(
      {
        payment: capture,
        amount: { value: 500, currency: 'EUR' },
        reason: undefined,
        reference: 'rma-1',
        metadata: undefined,
        idempotencyKey: crypto.randomUUID(),
      },
      adapterCall(viaRequest),
    );
    const adapted = wire.splice(0);

    const trigger = { _refund: true, _refund_amount_cents: 500 };
    const headers = {
      accept: 'application/vnd.api+json',
      'content-type': 'application/vnd.api+json',
      authorization: `Bearer ${sandbox.credentials.accessToken}`,
    };
    // Ours also name themselves; the SDK leaves the User-Agent to the fetch it is given.
    const ours = {
      ...headers,
      'user-agent': expect.stringMatching(/^refundkit-commercelayer\/\d+\.\d+\.\d+ \(node\//),
    };
    const path = `/api/captures/${capture}`;
    // The SDK: one PATCH, no query, and an empty `relationships` member (its normalize() always writes one).
    expect(official).toHaveLength(1);
    expect(official[0]).toMatchObject({ method: 'PATCH', headers });
    expect(official[0]!.headers).toEqual(headers);
    expect(`${official[0]!.url.pathname}${official[0]!.url.search}`).toBe(path);
    expect(official[0]!.body).toEqual({
      data: { type: 'captures', id: capture, attributes: trigger, relationships: {} },
    });
    // The typed client: the same PATCH without `relationships`.
    expect(typed).toHaveLength(1);
    expect(typed[0]!.headers).toEqual(ours);
    expect(`${typed[0]!.url.pathname}${typed[0]!.url.search}`).toBe(path);
    expect(typed[0]!.body).toEqual({ data: { type: 'captures', id: capture, attributes: trigger } });
    // The adapter: reads the capture and its refunds first, sends the trigger with its refunds and their
    // returns included (to tell its refund from the others), then tags the new refund with a second PATCH.
    expect(
      adapted.map((request) => `${request.method} ${request.url.pathname}${request.url.search}`),
    ).toEqual([
      `GET ${path}?include=refunds%2Crefunds.return`,
      `PATCH ${path}?include=refunds%2Crefunds.return`,
      expect.stringMatching(/^PATCH \/api\/refunds\/[A-Za-z0-9]{10}\?include=reference_capture%2Creturn$/),
    ]);
    expect(adapted[1]!.headers).toEqual(ours);
    expect(adapted[1]!.body).toEqual(typed[0]!.body);
    expect(adapted[2]!.body).toMatchObject({
      data: { type: 'refunds', attributes: { reference: 'rma-1', reference_origin: 'refundkit' } },
    });
    expect(sandbox.refunds().map((refund) => refund.amount)).toEqual([500, 500, 500]);
  });
});
