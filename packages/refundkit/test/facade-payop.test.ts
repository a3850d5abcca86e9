import { inspect } from 'node:util';
import type { FaultSpec } from '@refundkit/core/testing';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { describe, expect, it } from 'vitest';
import { docRefundIds, docTransactionIds } from '../../payop/test/fixtures/payop-api-doc.js';
import { createRefunds, payop, RefundError, type RefundEvent } from '../src/index.js';

type Fetch = (request: Request) => Promise<Response>;

const unknownTransaction = 'd839c714-7743-47cf-8f9d-73592597c6e1';

function setup(
  options: {
    amount?: number;
    currency?: string;
    timeoutMs?: number;
    fetch?: (sandboxFetch: Fetch) => Fetch;
  } = {},
) {
  const sandbox = createPayopSandbox();
  const events: RefundEvent[] = [];
  const record = (event: RefundEvent) => events.push(event);
  const fetch = options.fetch ? options.fetch(sandbox.fetch) : sandbox.fetch;
  const refunds = createRefunds({
    providers: { payop: payop({ ...sandbox.credentials, fetch }) },
    retryDelayMs: 1,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    hooks: { onRequest: record, onResponse: record, onRetry: record, onError: record },
  });
  const payment = sandbox.createPayment({
    amount: options.amount ?? 10_000,
    currency: options.currency ?? 'USD',
  });
  /** Requests sent for one operation (`POST` creates, `GET` lists). */
  const sent = (method: 'POST' | 'GET') =>
    events.filter((event) => event.headers && event.method === method).length;
  return { sandbox, refunds, payment, events, sent };
}

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('expected a RefundError'),
    (error: unknown) => error,
  );

describe('refundkit over the PayOp sandbox', () => {
  it('refunds the full amount when it is omitted, with a generated reference', async () => {
    const { refunds, payment, sandbox } = setup();
    const refund = await refunds.create({ provider: 'payop', payment });
    expect(refund).toMatchObject({
      provider: 'payop',
      payment,
      status: 'pending',
      amount: { value: 10_000, currency: 'USD' },
      reference: expect.stringMatching(/^rk_[0-9a-f]{32}$/),
    });
    expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 10_000 })]);
    await expect(refunds.retrieve({ provider: 'payop', id: refund.id })).resolves.toEqual(refund);
    await expect(refunds.list({ provider: 'payop', payment })).resolves.toEqual([refund]);
  });

  it('makes partial refunds that sum to the total, then refuses more', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 10_000 });
    const made = [];
    for (const value of [2500, 2495, 5005]) {
      made.push(await refunds.create({ provider: 'payop', payment, amount: { value, currency: 'USD' } }));
    }
    expect(made.map((refund) => refund.amount.value)).toEqual([2500, 2495, 5005]);
    expect(sandbox.refunds().reduce((sum, entry) => sum + entry.amount, 0)).toBe(10_000);
    for (const amount of [{ value: 1, currency: 'USD' }, undefined]) {
      const error = await caught(
        refunds.create({ provider: 'payop', payment, ...(amount ? { amount } : {}) }),
      );
      expect(error).toMatchObject({ code: 'insufficient_funds', status: 422, retryable: false });
    }
    const listed = await refunds.list({ provider: 'payop', payment });
    expect(listed.map((refund) => refund.id).sort()).toEqual(made.map((refund) => refund.id).sort());
  });

  it('rejects an over-refund with insufficient_funds', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 100 });
    const error = await caught(
      refunds.create({ provider: 'payop', payment, amount: { value: 101, currency: 'USD' } }),
    );
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'insufficient_funds',
      provider: 'payop',
      status: 422,
      providerCode: 'Refund amount is bigger than transaction amount',
      retryable: false,
    });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('keeps exact amounts in a 3-decimal currency', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 20_000, currency: 'KWD' });
    const refund = await refunds.create({
      provider: 'payop',
      payment,
      amount: { value: 10_005, currency: 'KWD' },
    });
    expect(refund.amount).toEqual({ value: 10_005, currency: 'KWD' });
    expect(refund.raw).toMatchObject({ amount: 10.005 });
    const rest = await refunds.create({ provider: 'payop', payment });
    expect(rest.amount).toEqual({ value: 9995, currency: 'KWD' });
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([10_005, 9995]);
  });

  it('refuses a currency outside ISO 4217 and an amount it cannot send exactly, before sending', async () => {
    const { refunds, payment, events } = setup();
    const fake = await caught(
      refunds.create({ provider: 'payop', payment, amount: { value: 100, currency: 'XYZ' } }),
    );
    expect(fake).toMatchObject({
      code: 'invalid_request',
      field: 'amount.currency',
      message: 'amount.currency: must be an active ISO 4217 code in upper case, e.g. "EUR"',
    });
    // 90071992547409.91 USD has more significant digits than a JSON number keeps: refused, not rounded.
    const huge = await caught(
      refunds.create({
        provider: 'payop',
        payment,
        amount: { value: Number.MAX_SAFE_INTEGER, currency: 'USD' },
      }),
    );
    expect(huge).toMatchObject({
      code: 'invalid_request',
      field: 'amount.value',
      provider: 'payop',
      message: 'amount.value: is too large to send exactly',
    });
    // PayOp documents no lower bound; a refund of zero or less moves no money or moves it the wrong way
    // (specs/payop.yaml, RefundCreate.amount), so it is refused before sending.
    for (const value of [0, -1]) {
      await expect(
        refunds.create({ provider: 'payop', payment, amount: { value, currency: 'USD' } }),
      ).rejects.toMatchObject({ code: 'invalid_request', field: 'amount.value' });
    }
    expect(events.filter((event) => event.headers)).toEqual([]);
  });

  it('keeps the reference, reason and metadata, and reports settlement', async () => {
    const { refunds, payment, sandbox } = setup();
    const refund = await refunds.create({
      provider: 'payop',
      payment,
      amount: { value: 1500, currency: 'USD' },
      reason: 'fraudulent',
      reference: 'rma-1042',
      metadata: { order: '59' },
    });
    expect(refund).toMatchObject({ reference: 'rma-1042', status: 'pending' });
    expect(refund.raw).toMatchObject({
      metadata: { order: '59', refundkit_reference: 'rma-1042', refundkit_reason: 'fraudulent' },
    });
    sandbox.settle(refund.id, 2);
    await expect(refunds.retrieve({ provider: 'payop', id: refund.id })).resolves.toMatchObject({
      status: 'succeeded',
    });
  });

  it('maps an unknown transaction to not_found and a malformed one to invalid_request', async () => {
    const { refunds, sandbox, sent } = setup();
    const unknown = await caught(refunds.create({ provider: 'payop', payment: unknownTransaction }));
    expect(unknown).toMatchObject({
      code: 'not_found',
      status: 422,
      providerCode: 'Transaction not found',
      retryable: false,
    });
    const malformed = await caught(refunds.create({ provider: 'payop', payment: 'txn_123' }));
    expect(malformed).toMatchObject({
      code: 'invalid_request',
      field: 'payment',
      message:
        'payment: must be a PayOp transaction identifier (letters and digits in hyphen-separated groups, like d839c714-7743-47cf-8f9d-73592597c6e1)',
    });
    expect(sent('POST')).toBe(1);
    const missing = await caught(refunds.retrieve({ provider: 'payop', id: unknownTransaction }));
    expect(missing).toMatchObject({ code: 'not_found', provider: 'payop', retryable: false });
    expect(sandbox.refunds()).toEqual([]);
  });

  it("sends every refund id PayOp's docs show (UUID or not) and refuses what would break the URL", async () => {
    const { refunds, sent } = setup();
    for (const [index, { id }] of docRefundIds.entries()) {
      // Sent, and not found in this sandbox: the check let it through.
      await expect(refunds.retrieve({ provider: 'payop', id })).rejects.toMatchObject({ code: 'not_found' });
      expect(sent('GET')).toBe(index + 1);
    }
    for (const { id } of docTransactionIds) {
      await expect(refunds.list({ provider: 'payop', payment: id })).resolves.toEqual([]);
    }
    for (const id of ['', ' ', '8888888-7725/../x', 'a?b', 'a#b', '..', 'a%2Fb', 'a\nb', 'a b']) {
      await expect(refunds.retrieve({ provider: 'payop', id })).rejects.toMatchObject({
        code: 'invalid_request',
        field: 'id',
      });
      await expect(refunds.list({ provider: 'payop', payment: id })).rejects.toMatchObject({
        code: 'invalid_request',
        field: 'payment',
      });
    }
    expect(sent('GET')).toBe(docRefundIds.length + docTransactionIds.length);
  });

  it('creates, retrieves and lists when PayOp answers refunds as trimmed as its current examples', async () => {
    // The refund objects of today's 4.Refund/refund.md: no type, userIdentifier, createdAt, updatedAt or
    // error, and a source transaction with only its identifier.
    const trim = (refund: Record<string, unknown>) => {
      const { type, userIdentifier, createdAt, updatedAt, error, sourceTransaction, ...kept } = refund;
      return {
        ...kept,
        sourceTransaction: { identifier: (sourceTransaction as { identifier: string }).identifier },
      };
    };
    const { refunds, payment, sandbox } = setup({
      fetch: (sandboxFetch) => async (request) => {
        const response = await sandboxFetch(request);
        if (request.method !== 'GET') return response;
        const body = (await response.json()) as { data: Record<string, unknown>[]; status: number };
        return Response.json({ ...body, data: body.data.map(trim) }, { status: response.status });
      },
    });
    const refund = await refunds.create({
      provider: 'payop',
      payment,
      amount: { value: 1505, currency: 'USD' },
      reference: 'rma-trimmed',
    });
    expect(refund).toEqual({
      provider: 'payop',
      id: sandbox.refunds()[0]?.id,
      payment,
      status: 'pending',
      amount: { value: 1505, currency: 'USD' },
      reference: 'rma-trimmed',
      createdAt: undefined,
      raw: expect.not.objectContaining({ createdAt: expect.anything() }),
    });
    sandbox.settle(refund.id, 2);
    await expect(refunds.retrieve({ provider: 'payop', id: refund.id })).resolves.toMatchObject({
      status: 'succeeded',
      createdAt: undefined,
    });
    await expect(refunds.list({ provider: 'payop', payment })).resolves.toEqual([
      expect.objectContaining({ id: refund.id, reference: 'rma-trimmed', status: 'succeeded' }),
    ]);
  });

  it('maps bad credentials to authentication', async () => {
    const sandbox = createPayopSandbox();
    const payment = sandbox.createPayment({ amount: 100, currency: 'USD' });
    const refunds = createRefunds({
      providers: { payop: payop({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', fetch: sandbox.fetch }) },
      retryDelayMs: 1,
    });
    // One at a time: a promise left waiting for its turn would reject unobserved.
    for (const operation of [
      () => refunds.create({ provider: 'payop', payment }),
      () => refunds.list({ provider: 'payop', payment }),
      () => refunds.retrieve({ provider: 'payop', id: unknownTransaction }),
    ]) {
      expect(await caught(operation())).toMatchObject({
        code: 'authentication',
        status: 401,
        retryable: false,
      });
    }
    expect(sandbox.refunds()).toEqual([]);
  });

  describe('faults on createRefund: one refund per logical create', () => {
    const onCreate = { operationId: 'createRefund' };
    const input = (payment: string) =>
      ({ provider: 'payop', payment, amount: { value: 1500, currency: 'USD' }, reference: 'rma-7' }) as const;

    it.each<[string, FaultSpec, number]>([
      // [name, fault, POSTs sent]: refused unprocessed, or found by its reference; never sent twice in doubt.
      [
        'http-429 (Retry-After 0): refused, sent again',
        { kind: 'http-429', retryAfter: 0, match: onCreate },
        2,
      ],
      ['drop-after-commit (reset): found', { kind: 'drop-after-commit', drop: 'reset', match: onCreate }, 1],
      ['gateway-error 502 after the commit: found', { kind: 'gateway-error', match: onCreate }, 1],
      ['garbage-200 after the commit: found', { kind: 'garbage-200', match: onCreate }, 1],
    ])('%s', async (_name, fault, posts) => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject(fault);
      const refund = await refunds.create(input(payment));
      expect(refund).toMatchObject({ reference: 'rma-7', amount: { value: 1500, currency: 'USD' } });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 1500 })]);
      expect(sent('POST')).toBe(posts);
    });

    it.each<[string, FaultSpec]>([
      ['http-500', { kind: 'http-500', match: onCreate }],
      ['http-503', { kind: 'http-503', match: onCreate }],
      ['two 500s in a row', { kind: 'http-500', times: 2, match: onCreate }],
    ])('%s is never sent again: looks maxRetries + 1 times, then outcome_unknown', async (_name, fault) => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject(fault);
      const error = await caught(refunds.create(input(payment), { idempotencyKey: 'key-500' }));
      // A 5xx may come from a gateway while PayOp still commits: without an idempotency key, no resend.
      expect(error).toMatchObject({
        code: 'outcome_unknown',
        provider: 'payop',
        status: fault.kind === 'http-503' ? 503 : 500,
        retryable: false,
        inDoubt: {
          payment,
          reference: 'rma-7',
          amount: { value: 1500, currency: 'USD' },
          idempotencyKey: 'key-500',
          candidates: [],
        },
      });
      expect((error as Error).message).toContain('idempotencyKey "key-500"');
      expect(sent('POST')).toBe(1);
      expect(sent('GET')).toBe(3);
      expect(sandbox.refunds()).toEqual([]);
      // Following the advice only looks again: nothing was made, and PayOp is never sent it twice.
      sandbox.faults.clear();
      const again = await caught(refunds.create(input(payment), { idempotencyKey: 'key-500' }));
      expect(again).toMatchObject({ code: 'outcome_unknown', inDoubt: { idempotencyKey: 'key-500' } });
      expect(sent('POST')).toBe(1);
      expect(sandbox.refunds()).toEqual([]);
    });

    it('a reset before processing is outcome_unknown after maxRetries + 1 looks, never sent again', async () => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject({ kind: 'reset', match: onCreate });
      const error = await caught(refunds.create(input(payment)));
      // No answer came, so the create may still be running at PayOp: no idempotency key makes a resend safe.
      expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'payop', retryable: false });
      expect((error as Error).message).toContain('rma-7');
      expect(sent('POST')).toBe(1);
      expect(sent('GET')).toBe(3);
      expect(sandbox.refunds()).toEqual([]);
    });

    it('http-429 with Retry-After 1 s waits, then sends again', async () => {
      const { refunds, payment, sandbox, events, sent } = setup();
      sandbox.faults.inject({ kind: 'http-429', retryAfter: 1, match: onCreate });
      const started = performance.now();
      const refund = await refunds.create({
        provider: 'payop',
        payment,
        amount: { value: 700, currency: 'USD' },
      });
      expect(performance.now() - started).toBeGreaterThanOrEqual(950);
      expect(events.find((event) => event.delayMs !== undefined)).toMatchObject({
        delayMs: 1000,
        error: { code: 'rate_limited', status: 429 },
      });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 700 })]);
      // A 429 was refused, not processed: sent again without listing first.
      expect(sent('POST')).toBe(2);
    });

    it('drop-after-commit (timeout) is found by its reference', async () => {
      const { refunds, payment, sandbox, sent } = setup({ timeoutMs: 200 });
      sandbox.faults.inject({ kind: 'drop-after-commit', drop: 'timeout', match: onCreate });
      const refund = await refunds.create({
        provider: 'payop',
        payment,
        amount: { value: 900, currency: 'USD' },
        reference: 'rma-8',
      });
      expect(refund).toMatchObject({ reference: 'rma-8', status: 'pending' });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 900 })]);
      expect(sent('POST')).toBe(1);
    });

    it('a 500 on every attempt is sent once: outcome_unknown with its status, no refund', async () => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject({ kind: 'http-500', times: Number.POSITIVE_INFINITY, match: onCreate });
      const error = await caught(refunds.create({ provider: 'payop', payment }));
      expect(error).toMatchObject({ code: 'outcome_unknown', status: 500, retryable: false });
      expect(sandbox.refunds()).toEqual([]);
      expect(sent('POST')).toBe(1);
    });

    it('a reset on every attempt ends with outcome_unknown and no refund', async () => {
      const { refunds, payment, sandbox } = setup();
      sandbox.faults.inject({ kind: 'reset', times: Number.POSITIVE_INFINITY, match: onCreate });
      const error = await caught(refunds.create({ provider: 'payop', payment, reference: 'rma-9' }));
      expect(error).toMatchObject({ code: 'outcome_unknown', retryable: false });
      expect((error as Error).message).toContain('rma-9');
      expect(sandbox.refunds()).toEqual([]);
    });
  });

  describe('faults on the reconciliation list', () => {
    it('a lost create whose reconciliation fails too is outcome_unknown, and the refund is findable', async () => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
      sandbox.faults.inject({
        kind: 'http-500',
        times: Number.POSITIVE_INFINITY,
        match: { operationId: 'listRefunds' },
      });
      const error = await caught(
        refunds.create({
          provider: 'payop',
          payment,
          amount: { value: 1200, currency: 'USD' },
          reference: 'rma-10',
        }),
      );
      expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'payop', retryable: false });
      expect((error as Error).message).toContain('rma-10');
      expect(sent('POST')).toBe(1);
      expect(sandbox.refunds()).toHaveLength(1);
      sandbox.faults.clear();
      const listed = await refunds.list({ provider: 'payop', payment });
      expect(listed).toEqual([
        expect.objectContaining({ reference: 'rma-10', id: sandbox.refunds()[0]?.id }),
      ]);
    });

    it('a read-back that fails once after the create is reconciled, not repeated', async () => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'listRefunds' } });
      const refund = await refunds.create({
        provider: 'payop',
        payment,
        amount: { value: 400, currency: 'USD' },
      });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 400 })]);
      expect(sent('POST')).toBe(1);
    });

    it('a read-back that keeps failing after the create is outcome_unknown, never a second refund', async () => {
      const { refunds, payment, sandbox, sent } = setup();
      sandbox.faults.inject({
        kind: 'reset',
        times: Number.POSITIVE_INFINITY,
        match: { operationId: 'listRefunds' },
      });
      const error = await caught(
        refunds.create({ provider: 'payop', payment, amount: { value: 400, currency: 'USD' } }),
      );
      expect(error).toMatchObject({ code: 'outcome_unknown' });
      expect(sandbox.refunds()).toHaveLength(1);
      expect(sent('POST')).toBe(1);
    });

    it('a caller abort during the read-back is outcome_unknown, never a second refund', async () => {
      const controller = new AbortController();
      const { refunds, payment, sandbox, sent } = setup({
        fetch: (sandboxFetch) => async (request) => {
          if (request.method === 'GET') {
            // The caller gives up while the read-back is in flight; fetch rejects as it would for real.
            controller.abort();
            request.signal.throwIfAborted();
          }
          return sandboxFetch(request);
        },
      });
      const error = await caught(
        refunds.create(
          { provider: 'payop', payment, amount: { value: 500, currency: 'USD' }, reference: 'rma-11' },
          { signal: controller.signal },
        ),
      );
      expect(error).toMatchObject({ code: 'outcome_unknown', retryable: false });
      expect((error as Error).message).toContain('rma-11');
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: 500 })]);
      expect(sent('POST')).toBe(1);
    });

    it('a 200 without the identifier header is reconciled by reference', async () => {
      let stripped = false;
      const { refunds, payment, sandbox, sent } = setup({
        fetch: (sandboxFetch) => async (request) => {
          const response = await sandboxFetch(request);
          if (request.method !== 'POST' || stripped) return response;
          stripped = true;
          return new Response(await response.text(), { status: 200 });
        },
      });
      const refund = await refunds.create({
        provider: 'payop',
        payment,
        amount: { value: 600, currency: 'USD' },
      });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 600 })]);
      expect(sent('POST')).toBe(1);
    });
  });

  it('never reports the token in hook events or errors', async () => {
    const { refunds, payment, sandbox, events } = setup({ amount: 1000 });
    const errors: unknown[] = [];
    const attempt = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));
    await refunds.create({ provider: 'payop', payment, amount: { value: 100, currency: 'USD' } });
    sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'createRefund' } });
    sandbox.faults.inject({ kind: 'reset', match: { operationId: 'createRefund' } });
    await attempt(refunds.create({ provider: 'payop', payment, amount: { value: 100, currency: 'USD' } }));
    // In doubt after the 500, PayOp is never sent the create again: the reset is still armed.
    expect(sandbox.faults.pending()).toEqual([expect.objectContaining({ kind: 'reset' })]);
    sandbox.faults.clear();
    await attempt(refunds.create({ provider: 'payop', payment, amount: { value: 10_000, currency: 'USD' } }));
    await attempt(refunds.create({ provider: 'payop', payment: unknownTransaction }));
    await attempt(refunds.retrieve({ provider: 'payop', id: unknownTransaction }));
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
    sandbox.faults.inject({ kind: 'http-503', times: 3, match: { operationId: 'listRefunds' } });
    await attempt(refunds.create({ provider: 'payop', payment }));
    const intruderToken = 'eyJhbGciOiJIUzI1NiJ9.e30.aW50cnVkZXI';
    const intruder = createRefunds({
      providers: { payop: payop({ token: intruderToken, fetch: sandbox.fetch }) },
      hooks: { onRequest: (e) => events.push(e), onError: (e) => events.push(e) },
    });
    await attempt(intruder.create({ provider: 'payop', payment }));

    expect(errors.map((error) => (error as RefundError).code)).toEqual([
      'outcome_unknown',
      'insufficient_funds',
      'not_found',
      'not_found',
      'outcome_unknown',
      'authentication',
    ]);
    expect(events.some((event) => event.headers?.authorization === '[redacted]')).toBe(true);
    const reported = [
      JSON.stringify(events),
      inspect(events, { depth: 10 }),
      ...errors.flatMap((error) => [
        JSON.stringify(error),
        inspect(error, { depth: 10 }),
        (error as Error).message,
      ]),
    ].join('\n');
    for (const secret of [sandbox.credentials.token, intruderToken]) {
      expect(reported).not.toContain(secret);
      // The JWT's signature alone would do harm too.
      expect(reported).not.toContain(secret.split('.')[2]);
    }
  });
});
