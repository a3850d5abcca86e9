import { inspect } from 'node:util';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import { describe, expect, it } from 'vitest';
import { createRefunds, type RefundEvent, type RefundsOptions, smartpay } from '../src/index.js';

type Options = Omit<RefundsOptions<Record<string, never>>, 'providers'>;
type Fetch = (request: Request) => Promise<Response>;

function setup(options: Options = {}, wrap?: (fetch: Fetch) => Fetch) {
  const sandbox = createSmartpaySandbox();
  const events: RefundEvent[] = [];
  const requests: string[] = [];
  const base = wrap ? wrap(sandbox.fetch) : sandbox.fetch;
  const fetch: Fetch = async (input) => {
    requests.push(`${input.method} ${new URL(input.url).pathname}`);
    return base(input);
  };
  const refunds = createRefunds({
    providers: { smartpay: smartpay({ ...sandbox.credentials, fetch }) },
    retryDelayMs: 1,
    hooks: { onRetry: (event) => events.push(event), onError: (event) => events.push(event) },
    ...options,
  });
  const payment = sandbox.createPayment({ amount: 10_000, currency: 'JPY' });
  const create = (callOptions?: { signal?: AbortSignal; idempotencyKey?: string }) =>
    refunds.create({ provider: 'smartpay', payment, amount: { value: 100, currency: 'JPY' } }, callOptions);
  return { sandbox, refunds, payment, events, requests, create };
}

describe('facade retries, timeouts and aborts', () => {
  it('retries reads on 503 and reports each retry', async () => {
    const { sandbox, refunds, payment, events } = setup();
    sandbox.faults.inject({ kind: 'http-503', times: 2, match: { operationId: 'listRefunds' } });
    await expect(refunds.list({ provider: 'smartpay', payment })).resolves.toEqual([]);
    expect(events.map((event) => [event.operation, event.error?.status])).toEqual([
      ['list', 503],
      ['list', 503],
    ]);
  });

  it('reports the error every operation ends with to onError', async () => {
    const { sandbox, refunds, payment, events } = setup({ maxRetries: 1 });
    sandbox.faults.inject({ kind: 'http-503', times: 2, match: { operationId: 'listRefunds' } });
    await expect(refunds.list({ provider: 'smartpay', payment })).rejects.toMatchObject({ status: 503 });
    await expect(refunds.retrieve({ provider: 'smartpay', id: '' })).rejects.toMatchObject({ field: 'id' });
    // @ts-expect-error: the types already refuse a provider that is not configured
    await expect(refunds.create({ provider: 'nope', payment })).rejects.toMatchObject({ field: 'provider' });
    expect(events.map((event) => [event.operation, event.provider, event.error?.code])).toEqual([
      ['list', 'smartpay', 'provider_error'],
      ['list', 'smartpay', 'provider_error'],
      ['retrieve', 'smartpay', 'invalid_request'],
      ['create', 'nope', 'invalid_request'],
    ]);
  });

  it('keeps a credential the provider echoes out of retry events, errors and their bodies', async () => {
    const sandbox = createSmartpaySandbox();
    const { secretKey } = sandbox.credentials;
    const events: RefundEvent[] = [];
    const echo = () =>
      new Response(
        JSON.stringify({ statusCode: 503, errorCode: 'unavailable', message: `no ${secretKey}` }),
        {
          status: 503,
          headers: { 'content-type': 'application/json' },
        },
      );
    const refunds = createRefunds({
      providers: { smartpay: smartpay({ ...sandbox.credentials, fetch: async () => echo() }) },
      retryDelayMs: 1,
      maxRetries: 1,
      hooks: { onRetry: (event) => events.push(event), onError: (event) => events.push(event) },
    });
    const payment = sandbox.createPayment({ amount: 100, currency: 'JPY' });
    const error = await refunds.list({ provider: 'smartpay', payment }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'provider_error', status: 503, raw: { message: 'no [redacted]' } });
    expect(events).toHaveLength(2);
    const reported = [JSON.stringify(error), inspect(error, { depth: 10 }), inspect(events, { depth: 10 })];
    for (const text of reported) expect(text).not.toContain(secretKey);
  });

  it('sends the same body on every attempt, whatever the caller does with its objects meanwhile', async () => {
    const amount = { value: 100, currency: 'JPY' };
    const metadata: Record<string, string> = { ticket: '7' };
    const bodies: string[] = [];
    const { sandbox, refunds, payment } = setup({}, (fetch) => async (request) => {
      bodies.push(await request.clone().text());
      amount.value = 999;
      metadata.ticket = 'changed';
      return fetch(request);
    });
    sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'createRefund' } });
    await refunds.create({ provider: 'smartpay', payment, amount, metadata });
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
    expect(JSON.parse(bodies[0] ?? '')).toMatchObject({ amount: 100, metadata: { ticket: '7' } });
  });

  it('does not retry what cannot succeed (401)', async () => {
    const sandbox = createSmartpaySandbox();
    let calls = 0;
    const refunds = createRefunds({
      providers: {
        smartpay: smartpay({
          secretKey: 'sk_test_wrongKey1',
          fetch: (request) => {
            calls += 1;
            return sandbox.fetch(request);
          },
        }),
      },
    });
    const payment = sandbox.createPayment({ amount: 100, currency: 'JPY' });
    await expect(refunds.create({ provider: 'smartpay', payment })).rejects.toMatchObject({
      code: 'authentication',
      status: 401,
      retryable: false,
    });
    expect(calls).toBe(1);
  });

  it('honours Retry-After', async () => {
    const { sandbox, create } = setup();
    sandbox.faults.inject({ kind: 'http-429', retryAfter: 1, match: { operationId: 'createRefund' } });
    const started = performance.now();
    await create();
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('gives up at once when Retry-After is beyond the longest wait, with the wait in the error', async () => {
    const { sandbox, create, requests } = setup({ maxRetryDelayMs: 200 });
    sandbox.faults.inject({ kind: 'http-429', retryAfter: 5, match: { operationId: 'createRefund' } });
    await expect(create()).rejects.toMatchObject({ code: 'rate_limited', status: 429, retryAfterMs: 5000 });
    expect(requests).toEqual(['POST /v1/refunds']);
  });

  it('times out a slow attempt and retries it with the same idempotency key', async () => {
    const { sandbox, create, events } = setup({ timeoutMs: 80 });
    sandbox.faults.inject({ kind: 'delay', ms: 1000, match: { operationId: 'createRefund' } });
    const refund = await create();
    expect(events[0]?.error).toMatchObject({ code: 'timeout' });
    expect(sandbox.refunds().map((entry) => entry.id)).toEqual([refund.id]);
  });

  it('ends each attempt at its timeout even when the fetch ignores the signal', async () => {
    // undici's fetch can lose the abort of a Request it copies once a GC ran (nodejs/undici#4068); a
    // fetch that never settles stands for it, and for any custom fetch that ignores the signal.
    const { sandbox, create, requests, events } = setup(
      { timeoutMs: 50, maxRetries: 1 },
      () => () => new Promise<Response>(() => {}),
    );
    const started = performance.now();
    const error = await create({ idempotencyKey: 'key-9' }).catch((caught: unknown) => caught);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'smartpay' });
    expect((error as Error).message).toContain('call create again with idempotencyKey "key-9"');
    expect(error).toMatchObject({ inDoubt: { idempotencyKey: 'key-9' } });
    // Two creates with the same key, then the reconciliation's list, tried twice: each attempt timed out.
    expect(requests).toEqual(['POST /v1/refunds', 'POST /v1/refunds', 'GET /v1/refunds', 'GET /v1/refunds']);
    expect(events.filter((event) => event.error?.code === 'timeout')).toHaveLength(2);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('retries a connection that was refused without reconciling', async () => {
    let refused = false;
    const { sandbox, create, requests } = setup({}, (fetch) => async (request: Request) => {
      if (!refused) {
        refused = true;
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      }
      return fetch(request);
    });
    await create();
    expect(requests).toEqual(['POST /v1/refunds', 'POST /v1/refunds']);
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('after exhausting resends on 5xx, looks once more and ends in outcome_unknown, never the plain 500', async () => {
    const { sandbox, create, requests } = setup({ maxRetries: 1 });
    sandbox.faults.inject({ kind: 'http-500', times: 2, match: { operationId: 'createRefund' } });
    const error = await create({ idempotencyKey: 'key-5' }).catch((caught: unknown) => caught);
    // A 500 may have come from a gateway while Smartpay committed: in doubt, not "not made".
    expect(error).toMatchObject({
      code: 'outcome_unknown',
      status: 500,
      retryable: false,
      inDoubt: { idempotencyKey: 'key-5', candidates: [] },
    });
    expect(requests).toEqual(['POST /v1/refunds', 'POST /v1/refunds', 'GET /v1/refunds']);
    expect(sandbox.refunds()).toEqual([]);
    // Following the advice sends it again under the same key, which Smartpay deduplicates.
    const refund = await create({ idempotencyKey: 'key-5' });
    expect(requests.filter((request) => request.startsWith('POST'))).toHaveLength(3);
    expect(sandbox.refunds().map((entry) => entry.id)).toEqual([refund.id]);
  });

  it('returns outcome_unknown when the response is lost and reconciliation fails too', async () => {
    const { sandbox, create } = setup({ maxRetries: 0 });
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
    sandbox.faults.inject({ kind: 'http-503', times: 5, match: { operationId: 'listRefunds' } });
    const error = await create({ idempotencyKey: 'key-7' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'smartpay', retryable: false });
    expect((error as Error).message).toContain('call create again with idempotencyKey "key-7"');
    expect(error).toMatchObject({ inDoubt: { idempotencyKey: 'key-7' } });
    expect(sandbox.refunds()).toHaveLength(1);
    // Following the advice is safe: the same key replays the refund that was made.
    sandbox.faults.clear();
    const refund = await create({ idempotencyKey: 'key-7' });
    expect(sandbox.refunds().map((entry) => entry.id)).toEqual([refund.id]);
  });

  it('stops when the caller aborts, saying the refund may have been made', async () => {
    const { sandbox, create } = setup();
    sandbox.faults.inject({ kind: 'delay', ms: 1000, match: { operationId: 'createRefund' } });
    const error = await create({ signal: AbortSignal.timeout(50) }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'outcome_unknown' });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('sends nothing when the signal is already aborted', async () => {
    const { create, requests } = setup();
    await expect(create({ signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect(requests).toEqual([]);
  });

  it('stops retrying at the overall deadline', async () => {
    const { sandbox, refunds, payment } = setup({ deadlineMs: 150, retryDelayMs: 100, maxRetries: 5 });
    sandbox.faults.inject({ kind: 'http-503', times: 10, match: { operationId: 'listRefunds' } });
    const started = performance.now();
    await expect(refunds.list({ provider: 'smartpay', payment })).rejects.toBeDefined();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
