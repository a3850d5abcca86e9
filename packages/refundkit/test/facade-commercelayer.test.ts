import { inspect } from 'node:util';
import { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  commercelayer,
  createRefunds,
  RefundError,
  type RefundEvent,
  type RefundsOptions,
} from '../src/index.js';

type Fetch = (request: Request) => Promise<Response>;

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

function setup(
  options: Partial<RefundsOptions<never>> & { amount?: number; currency?: string; soleWriter?: boolean } = {},
) {
  const { amount = 10_000, currency = 'EUR', soleWriter, ...facade } = options;
  const sandbox = createCommercelayerSandbox();
  const events: RefundEvent[] = [];
  const requests: string[] = [];
  const fetch: Fetch = (request) => {
    requests.push(`${request.method} ${new URL(request.url).pathname.replace(/^\/api/, '')}`);
    return sandbox.fetch(request);
  };
  const adapter = commercelayer({ ...sandbox.credentials, fetch, ...(soleWriter ? { soleWriter } : {}) });
  const refunds = createRefunds({
    providers: { commercelayer: adapter },
    retryDelayMs: 1,
    ...facade,
    hooks: {
      onRequest: (event) => events.push(event),
      onRetry: (event) => events.push(event),
    },
  });
  const payment = sandbox.createPayment({ amount, currency });
  return { sandbox, refunds, payment, events, requests, adapter };
}

describe('refundkit over the Commerce Layer sandbox', () => {
  it('refunds the whole capture and returns the common model', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 1500 });
    const refund = await refunds.create({
      provider: 'commercelayer',
      payment,
      reason: 'requested_by_customer',
      reference: 'rma-1042',
      metadata: { ticket: '77' },
    });
    expect(refund).toMatchObject({
      provider: 'commercelayer',
      payment,
      status: 'succeeded',
      amount: { value: 1500, currency: 'EUR' },
      reference: 'rma-1042',
    });
    expect(refund.raw).toMatchObject({
      type: 'refunds',
      id: refund.id,
      attributes: { metadata: { ticket: '77', refundkit_reason: 'requested_by_customer' } },
    });
    expect(sandbox.refunds()).toEqual([
      expect.objectContaining({ id: refund.id, amount: 1500, reference: 'rma-1042' }),
    ]);
    await expect(refunds.retrieve({ provider: 'commercelayer', id: refund.id })).resolves.toEqual(refund);
    await expect(refunds.list({ provider: 'commercelayer', payment })).resolves.toEqual([refund]);
  });

  it('makes partial refunds summing to the total, with generated references, then refuses more', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 1000, currency: 'JPY' });
    const made = [];
    for (const value of [100, 250, 650]) {
      made.push(
        await refunds.create({ provider: 'commercelayer', payment, amount: { value, currency: 'JPY' } }),
      );
    }
    expect(made.map((refund) => refund.amount)).toEqual([
      { value: 100, currency: 'JPY' },
      { value: 250, currency: 'JPY' },
      { value: 650, currency: 'JPY' },
    ]);
    for (const refund of made) expect(refund.reference).toMatch(/^rk_[0-9a-f]{32}$/);
    await expect(refunds.create({ provider: 'commercelayer', payment })).rejects.toMatchObject({
      code: 'insufficient_funds',
      status: 422,
    });
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([100, 250, 650]);
    const listed = await refunds.list({ provider: 'commercelayer', payment });
    expect(listed.map((refund) => refund.reference)).toEqual(made.map((refund) => refund.reference));
  });

  it('rejects an over-refund with insufficient_funds', async () => {
    const { refunds, payment, sandbox } = setup({ amount: 100 });
    const error = await refunds
      .create({ provider: 'commercelayer', payment, amount: { value: 101, currency: 'EUR' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'insufficient_funds',
      provider: 'commercelayer',
      status: 422,
      providerCode: 'VALIDATION_ERROR',
      retryable: false,
    });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('rejects an amount in another currency than the capture', async () => {
    const { refunds, payment, sandbox } = setup({ currency: 'EUR' });
    await expect(
      refunds.create({ provider: 'commercelayer', payment, amount: { value: 100, currency: 'USD' } }),
    ).rejects.toMatchObject({ code: 'invalid_request', field: 'amount.currency', retryable: false });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('maps an unknown capture to not_found and a malformed one to invalid_request', async () => {
    const { refunds, requests } = setup();
    await expect(refunds.create({ provider: 'commercelayer', payment: 'NoSuchCapt' })).rejects.toMatchObject({
      code: 'not_found',
      status: 404,
      providerCode: 'RECORD_NOT_FOUND',
    });
    await expect(refunds.create({ provider: 'commercelayer', payment: 'no/such' })).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'payment',
      message: 'payment: must be a Commerce Layer capture id',
    });
    expect(requests).toEqual(['GET /captures/NoSuchCapt']);
  });

  it('maps bad credentials to authentication', async () => {
    const sandbox = createCommercelayerSandbox();
    const payment = sandbox.createPayment({ amount: 100, currency: 'EUR' });
    const refunds = createRefunds({
      providers: {
        commercelayer: commercelayer({
          organization: 'sandbox',
          accessToken: 'eyJ.wrong.token',
          fetch: sandbox.fetch,
        }),
      },
      retryDelayMs: 1,
    });
    await expect(refunds.create({ provider: 'commercelayer', payment })).rejects.toMatchObject({
      code: 'authentication',
      status: 401,
      providerCode: 'INVALID_TOKEN',
      retryable: false,
    });
    expect(sandbox.refunds()).toEqual([]);
  });

  describe('faults on the _refund trigger (updateCapture)', () => {
    const create = (refunds: ReturnType<typeof setup>['refunds'], payment: string) =>
      refunds.create({
        provider: 'commercelayer',
        payment,
        amount: { value: 300, currency: 'EUR' },
        reference: 'rma-7',
      });

    /** A facade whose trigger is made but whose answer never settles (a fetch that ignores the abort). */
    function neverSettles(soleWriter: boolean) {
      // undici can lose a copied Request's abort after a GC (nodejs/undici#4068): the trigger is made, and the
      // promise of its answer never settles. The attempt still ends at its timeout.
      const sandbox = createCommercelayerSandbox();
      const requests: string[] = [];
      const fetch: Fetch = (request) => {
        requests.push(`${request.method} ${new URL(request.url).pathname.replace(/^\/api/, '')}`);
        if (request.method !== 'PATCH' || !request.url.includes('/captures/')) return sandbox.fetch(request);
        void sandbox.fetch(new Request(request, { signal: null }));
        return new Promise<Response>(() => {});
      };
      const refunds = createRefunds({
        providers: { commercelayer: commercelayer({ ...sandbox.credentials, fetch, soleWriter }) },
        retryDelayMs: 1,
        timeoutMs: 300,
      });
      const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
      return { sandbox, requests, refunds, payment };
    }

    it('a trigger whose answer never settles, as the sole writer: found by reconciliation', async () => {
      const { sandbox, requests, refunds, payment } = neverSettles(true);
      const refund = await create(refunds, payment);
      expect(refund).toMatchObject({ amount: { value: 300, currency: 'EUR' }, reference: 'rma-7' });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-7' })]);
      expect(requests.filter((request) => request.startsWith('PATCH /captures'))).toHaveLength(1);
    });

    it('a trigger whose answer never settles, by default: outcome_unknown, and its advice never triggers again', async () => {
      const { sandbox, requests, refunds, payment } = neverSettles(false);
      // The new refund could be another process's: it is not claimed.
      const error = await create(refunds, payment).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'outcome_unknown', inDoubt: { payment, reference: 'rma-7' } });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: 300, reference: undefined })]);
      const again = await refunds
        .create(
          { provider: 'commercelayer', payment, amount: { value: 300, currency: 'EUR' }, reference: 'rma-7' },
          { idempotencyKey: (error as RefundError).inDoubt!.idempotencyKey },
        )
        .catch((caught: unknown) => caught);
      expect(again).toMatchObject({ code: 'outcome_unknown' });
      expect(requests.filter((request) => request.startsWith('PATCH /captures'))).toHaveLength(1);
      expect(sandbox.refunds()).toHaveLength(1);
    });

    it('a trigger whose answer never settles, by default: outcome_unknown names the refund among inDoubt.candidates', async () => {
      // commercelayer's `soleWriter` option: "such a refund could be another process's, so it is only named
      // in outcome_unknown's inDoubt.candidates".
      const { sandbox, refunds, payment } = neverSettles(false);
      const error = await create(refunds, payment).catch((caught: unknown) => caught);
      const [made] = sandbox.refunds();
      expect(error).toMatchObject({ code: 'outcome_unknown', inDoubt: { candidates: [made!.id] } });
    });

    it.each(['http-500', 'http-503'] as const)(
      '%s: never triggered again; looks maxRetries + 1 times, then outcome_unknown, no refund',
      async (kind) => {
        const { refunds, payment, sandbox, events, requests } = setup();
        sandbox.faults.inject({ kind, match: { operationId: 'updateCapture' } });
        const error = await create(refunds, payment).catch((caught: unknown) => caught);
        // A 5xx may come from a gateway while Commerce Layer still refunds: the trigger has no key, no resend.
        expect(error).toMatchObject({
          code: 'outcome_unknown',
          provider: 'commercelayer',
          status: Number(kind.slice(5)),
          retryable: false,
          inDoubt: { payment, reference: 'rma-7', amount: { value: 300, currency: 'EUR' }, candidates: [] },
        });
        expect(sandbox.refunds()).toEqual([]);
        expect(requests.filter((request) => request === `PATCH /captures/${payment}`)).toHaveLength(1);
        expect(events.filter((event) => event.operation === 'reconcile' && event.method)).toHaveLength(3);
        expect(events.some((event) => event.delayMs !== undefined && event.operation === 'create')).toBe(
          false,
        );
      },
    );

    it.each([
      ['gateway-error 502 while the trigger still refunds', { kind: 'gateway-error' }],
      ['drop-after-commit (reset)', { kind: 'drop-after-commit' }],
    ] as const)(
      '%s, as the sole writer: identified, tagged and returned, one trigger',
      async (_name, fault) => {
        const { refunds, payment, sandbox, requests } = setup({ soleWriter: true });
        sandbox.faults.inject({ ...fault, match: { operationId: 'updateCapture' } });
        const refund = await create(refunds, payment);
        expect(refund).toMatchObject({
          amount: { value: 300, currency: 'EUR' },
          reference: 'rma-7',
          payment,
        });
        expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-7' })]);
        expect(requests.filter((request) => request === `PATCH /captures/${payment}`)).toHaveLength(1);
      },
    );

    it.each([
      ['gateway-error 502 while the trigger still refunds', { kind: 'gateway-error' }],
      ['drop-after-commit (reset)', { kind: 'drop-after-commit' }],
    ] as const)(
      '%s, by default: outcome_unknown naming the new refund, one trigger, untagged',
      async (_name, fault) => {
        const { refunds, payment, sandbox, requests } = setup();
        sandbox.faults.inject({ ...fault, match: { operationId: 'updateCapture' } });
        const error = await create(refunds, payment).catch((caught: unknown) => caught);
        const [made] = sandbox.refunds();
        expect(error).toMatchObject({
          code: 'outcome_unknown',
          retryable: false,
          inDoubt: {
            payment,
            reference: 'rma-7',
            amount: { value: 300, currency: 'EUR' },
            candidates: [made!.id],
          },
        });
        expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: made!.id, reference: undefined })]);
        expect(requests.filter((request) => request === `PATCH /captures/${payment}`)).toHaveLength(1);
      },
    );

    it.each([0, 1])('http-429 with Retry-After %i s: sends again after the wait', async (retryAfter) => {
      const { refunds, payment, sandbox, events } = setup();
      sandbox.faults.inject({ kind: 'http-429', retryAfter, match: { operationId: 'updateCapture' } });
      const started = performance.now();
      const refund = await create(refunds, payment);
      expect(performance.now() - started).toBeGreaterThanOrEqual(retryAfter * 1000 - 50);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-7' })]);
      const retry = events.find((event) => event.delayMs !== undefined);
      expect(retry?.error).toMatchObject({ code: 'rate_limited', status: 429 });
      // A 429 was refused, not handled: no reconciliation before sending again.
      expect(events.filter((event) => event.operation === 'reconcile')).toEqual([]);
    });

    it('reset before processing: finds nothing and stops with outcome_unknown, never sending it again', async () => {
      const { refunds, payment, sandbox, requests } = setup();
      sandbox.faults.inject({ kind: 'reset', match: { operationId: 'updateCapture' } });
      const error = await create(refunds, payment).catch((caught: unknown) => caught);
      // A reset does not say whether the trigger is still being handled: sending it again could refund twice.
      expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'commercelayer', retryable: false });
      expect((error as Error).message).toContain('rma-7');
      expect(requests.filter((request) => request === `PATCH /captures/${payment}`)).toHaveLength(1);
      expect(sandbox.refunds()).toEqual([]);
    });

    it('drop-after-commit (timeout), as the sole writer: one refund, returned with its reference', async () => {
      // Long enough that only the dropped answer times out, even on a loaded machine: the requests are counted.
      const { refunds, payment, sandbox, requests } = setup({ timeoutMs: 1000, soleWriter: true });
      sandbox.faults.inject({
        kind: 'drop-after-commit',
        drop: 'timeout',
        match: { operationId: 'updateCapture' },
      });
      const refund = await create(refunds, payment);
      expect(refund).toMatchObject({ amount: { value: 300, currency: 'EUR' }, reference: 'rma-7' });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-7' })]);
      // The attempt has ended, so the adapter's own re-list is not sent; the facade's reconciliation lists
      // the capture, where the adapter finds the remembered trigger's refund and tags it. No second trigger.
      expect(requests).toEqual([
        `GET /captures/${payment}`,
        `PATCH /captures/${payment}`,
        `GET /captures/${payment}/refunds`,
        `PATCH /refunds/${refund.id}`,
      ]);
      expect(requests.filter((request) => request.startsWith('PATCH /captures'))).toHaveLength(1);
    });

    it('drop-after-commit (timeout) over HTTP, as the sole writer: reconciliation finds and tags the refund', async () => {
      const served = createCommercelayerSandbox();
      const { url, close } = await served.listen();
      closers.push(close);
      // A real fetch: an attempt's timeout aborts every later request of that attempt, as in production.
      const requests: string[] = [];
      const adapter = commercelayer({
        ...served.credentials,
        soleWriter: true,
        baseUrl: url,
        fetch: (request) => {
          requests.push(`${request.method} ${new URL(request.url).pathname}`);
          return fetch(request);
        },
      });
      const facade = createRefunds({
        providers: { commercelayer: adapter },
        retryDelayMs: 1,
        // Long enough that only the dropped answer times out, even on a loaded machine: the requests are counted.
        timeoutMs: 1000,
      });
      const payment = served.createPayment({ amount: 1000, currency: 'EUR' });
      served.faults.inject({
        kind: 'drop-after-commit',
        drop: 'timeout',
        match: { operationId: 'updateCapture' },
      });
      const refund = await facade.create({
        provider: 'commercelayer',
        payment,
        amount: { value: 300, currency: 'EUR' },
        reference: 'rma-7',
      });
      expect(refund).toMatchObject({ amount: { value: 300, currency: 'EUR' }, reference: 'rma-7' });
      expect(served.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-7' })]);
      // The attempt's own list is not sent (its signal fired); the facade's reconciliation lists the capture,
      // where the adapter recognises the remembered trigger's refund and tags it: no second trigger.
      expect(requests).toEqual([
        `GET /api/captures/${payment}`,
        `PATCH /api/captures/${payment}`,
        `GET /api/captures/${payment}/refunds`,
        `PATCH /api/refunds/${refund.id}`,
      ]);
    });

    it('a lost answer and a failing reconciliation list: outcome_unknown, one refund at most', async () => {
      const { refunds, payment, sandbox } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      sandbox.faults.inject({
        kind: 'http-503',
        times: Infinity,
        match: { operationId: 'listCaptureRefunds' },
      });
      const error = await create(refunds, payment).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({ code: 'outcome_unknown', provider: 'commercelayer', retryable: false });
      expect((error as Error).message).toContain('rma-7');
      expect(sandbox.refunds()).toHaveLength(1);
    });
  });

  it('drop-after-commit on the tag (updateRefund): tags again and returns the one refund', async () => {
    const { refunds, payment, sandbox } = setup();
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateRefund' } });
    const refund = await refunds.create({ provider: 'commercelayer', payment, reference: 'rma-9' });
    expect(refund).toMatchObject({ amount: { value: 10_000, currency: 'EUR' }, reference: 'rma-9' });
    expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-9' })]);
  });

  it('never lets a credential reach hooks or errors', async () => {
    const sandbox = createCommercelayerSandbox();
    const events: RefundEvent[] = [];
    const collect = (event: RefundEvent) => events.push(event);
    const hooks = { onRequest: collect, onResponse: collect, onRetry: collect, onError: collect };
    const intruderToken = 'eyJhbGciOiJIUzUxMiJ9.eyJ3cm9uZyI6dHJ1ZX0.c2VjcmV0';
    const refunds = createRefunds({
      providers: {
        commercelayer: commercelayer({ ...sandbox.credentials, fetch: sandbox.fetch }),
        intruder: commercelayer({
          organization: 'sandbox',
          accessToken: intruderToken,
          fetch: sandbox.fetch,
        }),
      },
      retryDelayMs: 1,
      maxRetries: 1,
      hooks,
    });
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const errors: unknown[] = [];
    const attempt = (run: () => Promise<unknown>) => run().catch((error: unknown) => errors.push(error));
    await attempt(() =>
      refunds.create({ provider: 'commercelayer', payment, amount: { value: 100, currency: 'EUR' } }),
    );
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
    sandbox.faults.inject({
      kind: 'http-500',
      times: Infinity,
      match: { operationId: 'listCaptureRefunds' },
    });
    await attempt(() =>
      refunds.create({ provider: 'commercelayer', payment, amount: { value: 100, currency: 'EUR' } }),
    );
    sandbox.faults.clear();
    sandbox.faults.inject({
      kind: 'http-429',
      times: Infinity,
      retryAfter: 0,
      match: { operationId: 'retrieveCapture' },
    });
    await attempt(() => refunds.create({ provider: 'commercelayer', payment }));
    sandbox.faults.clear();
    await attempt(() =>
      refunds.create({ provider: 'commercelayer', payment, amount: { value: 99_999, currency: 'EUR' } }),
    );
    await attempt(() => refunds.create({ provider: 'intruder', payment }));
    await attempt(() => refunds.retrieve({ provider: 'intruder', id: 'XAyRWNUzyN' }));
    await attempt(() => refunds.list({ provider: 'commercelayer', payment: 'NoSuchCapt' }));

    expect(errors.map((error) => (error as RefundError).code)).toEqual([
      'outcome_unknown',
      'rate_limited',
      'insufficient_funds',
      'authentication',
      'authentication',
      'not_found',
    ]);
    expect(events.some((event) => event.headers?.authorization === '[redacted]')).toBe(true);
    // The organization slug is the API's host name, public by design; the access tokens are the secrets.
    const secrets = [sandbox.credentials.accessToken, intruderToken];
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
