import { inspect } from 'node:util';
import { createGeinsClient } from '@refundkit/geins';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { describe, expect, it } from 'vitest';
import { createRefunds, geins, RefundError, type RefundEvent, type RefundsOptions } from '../src/index.js';

type Options = Omit<RefundsOptions<Record<string, never>>, 'providers'>;

function setup(amount = 50_000, options: Options = {}, adapterOptions = {}) {
  const sandbox = createGeinsSandbox();
  const events: RefundEvent[] = [];
  const record = (event: RefundEvent) => events.push(event);
  const refunds = createRefunds({
    providers: { geins: geins({ ...sandbox.credentials, fetch: sandbox.fetch, ...adapterOptions }) },
    retryDelayMs: 1,
    hooks: { onRequest: record, onResponse: record, onRetry: record, onError: record },
    ...options,
  });
  const payment = sandbox.createPayment({ amount, currency: 'SEK' });
  const sek = (value: number) => ({ value, currency: 'SEK' });
  const create = (value = 1000, reference?: string) =>
    refunds.create({ provider: 'geins', payment, amount: sek(value), ...(reference ? { reference } : {}) });
  /** Requests the facade sent, as `operation METHOD path`. */
  const requests = () =>
    events
      .filter((event) => event.method && event.status === undefined)
      .map((event) => `${event.operation} ${event.method} ${new URL(event.url!).pathname}`);
  const ledger = () => sandbox.refunds().filter((entry) => entry.payment === payment);
  return { sandbox, refunds, payment, events, sek, create, requests, ledger };
}

describe('refundkit over the Geins sandbox', () => {
  it('refunds an order in full and returns the common model', async () => {
    const { refunds, payment, sandbox, sek } = setup(54_800);
    const refund = await refunds.create({
      provider: 'geins',
      payment,
      amount: sek(54_800),
      reason: 'requested_by_customer',
      reference: 'RMA-1042',
    });
    expect(refund).toMatchObject({
      provider: 'geins',
      payment,
      status: 'pending',
      amount: sek(54_800),
      reference: 'RMA-1042',
    });
    expect(refund.raw).toMatchObject({ RefundId: refund.id, Description: 'requested_by_customer' });
    expect(sandbox.refunds()).toMatchObject([{ id: refund.id, amount: 54_800, reference: 'RMA-1042' }]);
    await expect(refunds.retrieve({ provider: 'geins', id: refund.id, payment })).resolves.toEqual(refund);
    await expect(refunds.list({ provider: 'geins', payment })).resolves.toEqual([refund]);
  });

  it('takes partial refunds until they add up to the total, then refuses with insufficient_funds', async () => {
    const { refunds, payment, create, ledger } = setup(10_000);
    const parts = [await create(3333), await create(3333), await create(3334)];
    expect(parts.every((refund) => refund.reference?.match(/^rk_[0-9a-f]{32}$/))).toBe(true);
    const listed = await refunds.list({ provider: 'geins', payment });
    expect(listed.reduce((sum, refund) => sum + refund.amount.value, 0)).toBe(10_000);
    const error = await create(1).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'insufficient_funds',
      provider: 'geins',
      status: 400,
      providerCode: 'Bad request.',
      retryable: false,
    });
    expect(ledger()).toHaveLength(3);
  });

  it('rejects an over-refund with insufficient_funds', async () => {
    const { create, ledger } = setup(1000);
    await expect(create(1001)).rejects.toMatchObject({ code: 'insufficient_funds', status: 400 });
    expect(ledger()).toEqual([]);
  });

  it('reports an unknown order as not_found and a malformed one before sending anything', async () => {
    const { refunds, requests, sek } = setup();
    await expect(
      refunds.create({ provider: 'geins', payment: '999999999', amount: sek(100) }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404, providerCode: 'Not found.', retryable: false });
    const sent = requests().length;
    for (const payment of ['order-1042', '2147483648', '0']) {
      await expect(refunds.create({ provider: 'geins', payment, amount: sek(100) })).rejects.toMatchObject({
        code: 'invalid_request',
        field: 'payment',
        message: 'payment: must be a Geins order id (a positive whole number)',
      });
    }
    expect(requests()).toHaveLength(sent);
  });

  it('refuses a currency outside ISO 4217 and an amount it cannot send exactly, before sending', async () => {
    const { refunds, payment, requests } = setup();
    await expect(
      refunds.create({ provider: 'geins', payment, amount: { value: 100, currency: 'sek' } }),
    ).rejects.toMatchObject({ code: 'invalid_request', field: 'amount.currency' });
    await expect(
      refunds.create({
        provider: 'geins',
        payment,
        amount: { value: Number.MAX_SAFE_INTEGER, currency: 'SEK' },
      }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'amount.value',
      message: 'amount.value: is too large to send exactly',
    });
    expect(requests()).toEqual([]);
  });

  it('asks for an amount, refuses metadata, and needs the order id to retrieve', async () => {
    const { refunds, payment, sek, requests } = setup();
    await expect(refunds.create({ provider: 'geins', payment })).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'amount',
    });
    await expect(
      refunds.create({ provider: 'geins', payment, amount: sek(100), metadata: { ticket: '1' } }),
    ).rejects.toMatchObject({ code: 'invalid_request', field: 'metadata' });
    await expect(
      refunds.retrieve({ provider: 'geins', id: '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90' }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'payment',
      message: 'payment: Geins needs the order id to retrieve a refund',
    });
    expect(requests()).toEqual([]);
  });

  it('maps bad credentials to authentication', async () => {
    const sandbox = createGeinsSandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'SEK' });
    const refunds = createRefunds({
      providers: { geins: geins({ ...sandbox.credentials, password: 'wrong', fetch: sandbox.fetch }) },
      retryDelayMs: 1,
    });
    await expect(
      refunds.create({ provider: 'geins', payment, amount: { value: 100, currency: 'SEK' } }),
    ).rejects.toMatchObject({ code: 'authentication', status: 401, providerCode: 'Unauthorized' });
    await expect(refunds.list({ provider: 'geins', payment })).rejects.toMatchObject({
      code: 'authentication',
    });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('goes through the approval flow: requires_approval, approved (pending), processed (succeeded)', async () => {
    const { refunds, payment, sandbox } = setup(5000, {}, { requireApproval: true });
    const refund = await refunds.create({
      provider: 'geins',
      payment,
      amount: { value: 5000, currency: 'SEK' },
    });
    expect(refund.status).toBe('requires_approval');
    const client = createGeinsClient({ ...sandbox.credentials, fetch: sandbox.fetch });
    const path = { path: { orderId: Number(payment), refundId: refund.id } };
    await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: path,
      body: { Approved: true },
    });
    await expect(refunds.retrieve({ provider: 'geins', id: refund.id, payment })).resolves.toMatchObject({
      status: 'pending',
    });
    await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', { params: path, body: {} });
    await expect(refunds.retrieve({ provider: 'geins', id: refund.id, payment })).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  describe('faults on createRefund', () => {
    it.each(['http-500', 'http-503'] as const)(
      '%s: never sent again; looks for the refund maxRetries + 1 times, then outcome_unknown',
      async (kind) => {
        const { sandbox, create, requests, ledger } = setup();
        sandbox.faults.inject({ kind, match: { operationId: 'createRefund' } });
        const error = await create(700, 'RMA-5xx').catch((caught: unknown) => caught);
        // A 5xx may come from a gateway while Geins still commits: without an idempotency key, no resend.
        expect(error).toMatchObject({
          code: 'outcome_unknown',
          provider: 'geins',
          status: Number(kind.slice(5)),
          retryable: false,
          inDoubt: { reference: 'RMA-5xx', amount: { value: 700, currency: 'SEK' }, candidates: [] },
        });
        expect(ledger()).toEqual([]);
        expect(requests().filter((request) => request.startsWith('reconcile'))).toHaveLength(3);
        expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
      },
    );

    it('gateway-error 502 while Geins commits: found by its reference, sent once', async () => {
      const { sandbox, create, requests, ledger } = setup();
      sandbox.faults.inject({ kind: 'gateway-error', match: { operationId: 'createRefund' } });
      const refund = await create(700, 'RMA-502');
      expect(refund).toMatchObject({ reference: 'RMA-502', amount: { value: 700, currency: 'SEK' } });
      expect(ledger()).toEqual([expect.objectContaining({ id: refund.id, amount: 700 })]);
      expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
    });

    it('http-429 with Retry-After: 0 is sent again at once, without reconciling', async () => {
      const { sandbox, create, requests, ledger } = setup();
      sandbox.faults.inject({ kind: 'http-429', retryAfter: 0, match: { operationId: 'createRefund' } });
      const refund = await create(800);
      expect(ledger()).toEqual([expect.objectContaining({ id: refund.id, amount: 800 })]);
      expect(requests().filter((request) => request.startsWith('reconcile'))).toEqual([]);
    });

    it('http-429 with Retry-After: 1 waits a second before sending again', async () => {
      const { sandbox, create, events, ledger } = setup();
      sandbox.faults.inject({ kind: 'http-429', retryAfter: 1, match: { operationId: 'createRefund' } });
      const started = performance.now();
      const refund = await create(900);
      expect(performance.now() - started).toBeGreaterThanOrEqual(990);
      expect(events.find((event) => event.delayMs !== undefined)).toMatchObject({
        delayMs: 1000,
        error: { code: 'rate_limited', status: 429 },
      });
      expect(ledger()).toEqual([expect.objectContaining({ id: refund.id })]);
    });

    it('reset before the request is processed: maxRetries + 1 looks, then outcome_unknown, never sent again', async () => {
      const { sandbox, create, ledger, requests } = setup();
      sandbox.faults.inject({ kind: 'reset', match: { operationId: 'createRefund' } });
      await expect(create(600)).rejects.toMatchObject({ code: 'outcome_unknown', provider: 'geins' });
      expect(ledger()).toEqual([]);
      expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
      expect(requests().filter((request) => request.startsWith('reconcile'))).toHaveLength(3);
    });

    it.each([
      ['reset', {}],
      ['timeout', { timeoutMs: 200 }],
    ] as const)(
      'drop-after-commit (%s): finds the refund by reference instead of sending it twice',
      async (drop, options) => {
        const { sandbox, create, ledger, requests } = setup(50_000, options);
        sandbox.faults.inject({ kind: 'drop-after-commit', drop, match: { operationId: 'createRefund' } });
        const refund = await create(400, 'RMA-lost');
        expect(refund).toMatchObject({ reference: 'RMA-lost', amount: { value: 400, currency: 'SEK' } });
        expect(ledger()).toEqual([
          expect.objectContaining({ id: refund.id, amount: 400, reference: 'RMA-lost' }),
        ]);
        expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
      },
    );

    it('a failed read-back after the refund was made is reconciled, not reported as a failure', async () => {
      const { sandbox, create, ledger, requests, events } = setup();
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'retrieveRefund' } });
      const refund = await create(500, 'RMA-readback');
      expect(refund).toMatchObject({ reference: 'RMA-readback', status: 'pending' });
      expect(ledger()).toEqual([expect.objectContaining({ id: refund.id, amount: 500 })]);
      expect(events.find((event) => event.operation === 'create' && event.status === 500)).toBeDefined();
      expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
      expect(requests().filter((request) => request.startsWith('reconcile'))).toHaveLength(1);
    });

    it('outcome_unknown when the reconciliation list fails too; the refund is still findable', async () => {
      const { sandbox, refunds, payment, create, ledger } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
      sandbox.faults.inject({ kind: 'http-500', times: Infinity, match: { operationId: 'listRefunds' } });
      const error = await create(300, 'RMA-unknown').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({ code: 'outcome_unknown', retryable: false });
      expect((error as RefundError).message).toContain('RMA-unknown');
      // It was made once, and nothing was sent again.
      expect(ledger()).toEqual([expect.objectContaining({ amount: 300, reference: 'RMA-unknown' })]);
      sandbox.faults.clear();
      await expect(refunds.list({ provider: 'geins', payment })).resolves.toMatchObject([
        { reference: 'RMA-unknown' },
      ]);
    });

    it('a 503 on every attempt is sent once and ends in outcome_unknown, with nothing recorded', async () => {
      const { sandbox, create, ledger, requests } = setup();
      sandbox.faults.inject({ kind: 'http-503', times: Infinity, match: { operationId: 'createRefund' } });
      await expect(create(200)).rejects.toMatchObject({
        code: 'outcome_unknown',
        status: 503,
        retryable: false,
      });
      expect(ledger()).toEqual([]);
      expect(requests().filter((request) => request.startsWith('create POST'))).toHaveLength(1);
    });

    it('a reset on every attempt ends in outcome_unknown (no answer ever came), with nothing recorded', async () => {
      const { sandbox, create, ledger } = setup();
      sandbox.faults.inject({ kind: 'reset', times: Infinity, match: { operationId: 'createRefund' } });
      await expect(create(200)).rejects.toMatchObject({ code: 'outcome_unknown' });
      expect(ledger()).toEqual([]);
    });
  });

  it('never lets a credential out through hooks or errors', async () => {
    const { sandbox, refunds, payment, events, create } = setup(10_000, { timeoutMs: 200 });
    const { apiKey, username, password } = sandbox.credentials;
    const secrets = [apiKey, username, password, btoa(`${username}:${password}`)];
    const errors: unknown[] = [];
    const attempt = (run: () => Promise<unknown>) =>
      run().catch((error: unknown) => {
        errors.push(error);
      });

    await attempt(() => create(20_000));
    await attempt(() =>
      refunds.create({ provider: 'geins', payment: '999999999', amount: { value: 1, currency: 'SEK' } }),
    );
    sandbox.faults.inject({ kind: 'http-429', retryAfter: 0, match: { operationId: 'createRefund' } });
    sandbox.faults.inject({
      kind: 'drop-after-commit',
      drop: 'timeout',
      match: { operationId: 'createRefund' },
    });
    await attempt(() => create(100));
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
    sandbox.faults.inject({ kind: 'reset', times: Infinity, match: { operationId: 'listRefunds' } });
    await attempt(() => create(100));
    sandbox.faults.clear();
    for (const wrong of [{ apiKey: 'wrong' }, { password: 'wrong' }]) {
      const intruder = createRefunds({
        providers: { geins: geins({ ...sandbox.credentials, ...wrong, fetch: sandbox.fetch }) },
        hooks: {
          onRequest: (event) => events.push(event),
          onResponse: (event) => events.push(event),
          onError: (event) => events.push(event),
        },
      });
      await attempt(() =>
        intruder.create({ provider: 'geins', payment, amount: { value: 1, currency: 'SEK' } }),
      );
      await attempt(() => intruder.list({ provider: 'geins', payment }));
    }
    await attempt(() =>
      refunds.retrieve({ provider: 'geins', id: '00000000-0000-4000-8000-000000000000', payment }),
    );

    expect(errors.map((error) => (error as RefundError).code)).toEqual([
      'insufficient_funds',
      'not_found',
      'outcome_unknown',
      'authentication',
      'authentication',
      'authentication',
      'authentication',
      'not_found',
    ]);
    expect(events.some((event) => event.headers?.authorization === '[redacted]')).toBe(true);
    expect(events.some((event) => event.headers?.['x-apikey'] === '[redacted]')).toBe(true);
    const texts = [
      ...events.map((event) => JSON.stringify(event)),
      ...events.map((event) => inspect(event, { depth: 10 })),
      ...errors.flatMap((error) => [
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        (error as Error).message,
      ]),
    ];
    for (const text of texts) for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
