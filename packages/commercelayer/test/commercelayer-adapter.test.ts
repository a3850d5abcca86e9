import {
  type AdapterCall,
  type AdapterCreateInput,
  currencyExponent,
  Deadline,
  mayHaveActed,
  parseMajorUnits,
  RefundError,
  runAttempt,
} from '@refundkit/core';
import { describe, expect, it } from 'vitest';
import { adapterCall, urlBreakingIds } from '../../../test/support/adapter-call.js';
import { commercelayer, commercelayerCapabilities, createCommercelayerClient } from '../src/index.js';
import { type CommercelayerPaymentInput, createCommercelayerSandbox } from '../src/testing/index.js';

type Fetch = (request: Request) => Promise<Response>;

/**
 * The adapter over a fresh sandbox. `wrap` changes the fetch the calls go through (to tamper with
 * requests or answers); `requests` records `METHOD /path` of each.
 */
function setup(
  payment: Partial<CommercelayerPaymentInput> = {},
  wrap?: (fetch: Fetch) => Fetch,
  adapterOptions: { soleWriter?: boolean } = {},
) {
  const sandbox = createCommercelayerSandbox();
  const requests: string[] = [];
  const base: Fetch = (request) => {
    requests.push(`${request.method} ${new URL(request.url).pathname}`);
    return sandbox.fetch(request);
  };
  const fetch = wrap ? wrap(base) : base;
  const adapter = commercelayer({ ...sandbox.credentials, fetch, ...adapterOptions });
  const call = () => adapterCall(fetch);
  /** Runs `work` as one facade attempt: network failures arrive as RefundErrors, as they do through the facade. */
  const attempt = <T>(work: (call: AdapterCall) => Promise<T>) =>
    runAttempt(
      {
        provider: 'commercelayer',
        operation: 'create',
        attempt: 0,
        fetch,
        timeoutMs: 5000,
        deadline: new Deadline(10_000),
        hooks: undefined,
      },
      work,
    );
  const capture = sandbox.createPayment({ amount: 10_000, currency: 'EUR', ...payment });
  const input: AdapterCreateInput = {
    payment: capture,
    amount: undefined,
    reason: undefined,
    reference: 'rma-1',
    metadata: undefined,
    idempotencyKey: crypto.randomUUID(),
  };
  /** A client of its own, for what another integration does to the same organization meanwhile. */
  const other = createCommercelayerClient({ ...sandbox.credentials, fetch: sandbox.fetch });
  return { sandbox, adapter, call, attempt, capture, input, requests, other };
}

/** Rewrites the JSON body of the answers to one operation's requests. */
function rewrite(match: (request: Request) => boolean, change: (body: Record<string, unknown>) => unknown) {
  return (fetch: Fetch): Fetch =>
    async (request) => {
      const response = await fetch(request);
      if (!match(request)) return response;
      const body = change((await response.json()) as Record<string, unknown>);
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
}

const isRefundGet = (request: Request) =>
  request.method === 'GET' && /\/refunds\/[^/]+$/.test(new URL(request.url).pathname);

describe('commercelayer adapter', () => {
  it('creates a partial refund through the capture trigger and tags it with reference, reason and metadata', async () => {
    const { sandbox, adapter, call, capture, input, requests } = setup();
    const refund = await adapter.create(
      {
        ...input,
        amount: { value: 1505, currency: 'EUR' },
        reason: 'requested_by_customer',
        metadata: { ticket: '9' },
      },
      call(),
    );
    expect(refund).toMatchObject({
      provider: 'commercelayer',
      payment: capture,
      status: 'succeeded',
      amount: { value: 1505, currency: 'EUR' },
      reference: 'rma-1',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(refund.raw).toMatchObject({
      id: refund.id,
      type: 'refunds',
      attributes: {
        amount_cents: 1505,
        amount_float: 15.05,
        reference: 'rma-1',
        reference_origin: 'refundkit',
        metadata: { ticket: '9', refundkit_reason: 'requested_by_customer' },
      },
      relationships: { reference_capture: { data: { type: 'captures', id: capture } } },
    });
    expect(requests).toEqual([
      `GET /api/captures/${capture}`,
      `PATCH /api/captures/${capture}`,
      `PATCH /api/refunds/${refund.id}`,
    ]);
    expect(sandbox.refunds()).toEqual([
      expect.objectContaining({ id: refund.id, payment: capture, amount: 1505, reference: 'rma-1' }),
    ]);
  });

  it('refunds the remaining balance when no amount is given, without metadata', async () => {
    const { adapter, call, input } = setup({ amount: 7000 });
    await adapter.create({ ...input, amount: { value: 2000, currency: 'EUR' } }, call());
    const rest = await adapter.create({ ...input, reference: 'rma-2' }, call());
    expect(rest).toMatchObject({ amount: { value: 5000, currency: 'EUR' }, reference: 'rma-2' });
    expect(rest.raw).toMatchObject({ attributes: { metadata: {} } });
  });

  it('retrieves a refund with its capture and lists the refunds of one capture only', async () => {
    const { sandbox, adapter, call, capture, input } = setup();
    const otherCapture = sandbox.createPayment({ amount: 500, currency: 'EUR' });
    const mine = await adapter.create({ ...input, amount: { value: 10, currency: 'EUR' } }, call());
    await adapter.create({ ...input, payment: otherCapture, reference: 'other' }, call());
    const retrieved = await adapter.retrieve({ id: mine.id }, call());
    expect(retrieved).toEqual(mine);
    expect(retrieved.payment).toBe(capture);
    await expect(adapter.list({ payment: capture }, call())).resolves.toEqual([mine]);
  });

  it('lists every page of a capture with more refunds than one page holds', async () => {
    const { adapter, call, input, capture, requests } = setup({ amount: 100 });
    for (let n = 0; n < 27; n += 1) {
      await adapter.create({ ...input, amount: { value: 1, currency: 'EUR' }, reference: `r${n}` }, call());
    }
    requests.length = 0;
    const listed = await adapter.list({ payment: capture }, call());
    expect(listed.map((refund) => refund.reference)).toEqual(Array.from({ length: 27 }, (_, n) => `r${n}`));
    expect(requests).toEqual([
      `GET /api/captures/${capture}/refunds`,
      `GET /api/captures/${capture}/refunds`,
    ]);
  });

  it('maps succeeded to succeeded and a gateway decline to failed', async () => {
    const { sandbox, adapter, call, input } = setup();
    const ok = await adapter.create({ ...input, amount: { value: 100, currency: 'EUR' } }, call());
    expect(ok.status).toBe('succeeded');
    const declining = sandbox.createPayment({ amount: 300, currency: 'EUR', declineRefunds: true });
    const declined = await adapter.create({ ...input, payment: declining }, call());
    expect(declined).toMatchObject({
      status: 'failed',
      amount: { value: 300, currency: 'EUR' },
      reference: 'rma-1',
    });
    expect(declined.raw).toMatchObject({
      attributes: { succeeded: false, error_code: 'refund_declined', message: 'Refund declined' },
    });
    expect(sandbox.refunds()).toContainEqual(expect.objectContaining({ id: declined.id, status: 'failed' }));
  });

  it('maps succeeded false without any gateway answer to pending', async () => {
    const { adapter, call, input } = setup({}, (fetch) =>
      rewrite(isRefundGet, (body) => {
        const data = body.data as { attributes: Record<string, unknown> };
        Object.assign(data.attributes, {
          succeeded: false,
          message: null,
          error_code: null,
          error_detail: null,
        });
        return body;
      })(fetch),
    );
    const refund = await adapter.create({ ...input, amount: { value: 100, currency: 'EUR' } }, call());
    await expect(adapter.retrieve({ id: refund.id }, call())).resolves.toMatchObject({ status: 'pending' });
  });

  it.each([
    ['JPY', 0, 1505, 1505],
    ['KWD', 3, 1505, 1.505],
    ['EUR', 2, 999_999_999_999, 9_999_999_999.99],
  ])('keeps %s amounts exact (exponent %i)', async (currency, exponent, value, float) => {
    const { adapter, call, input } = setup({ amount: 999_999_999_999_999, currency });
    const refund = await adapter.create({ ...input, amount: { value, currency } }, call());
    expect(refund.amount).toEqual({ value, currency });
    const attributes = (refund.raw as { attributes: { amount_cents: number; amount_float: number } })
      .attributes;
    expect(attributes).toMatchObject({ amount_cents: value, amount_float: float });
    expect(currencyExponent(currency)).toBe(exponent);
    expect(parseMajorUnits(attributes.amount_float, exponent)).toBe(refund.amount.value);
  });

  it('refuses an amount in another currency than the capture, before sending anything', async () => {
    const { sandbox, adapter, call, input, requests, capture } = setup({ currency: 'JPY' });
    const error = await adapter
      .create({ ...input, amount: { value: 100, currency: 'EUR' } }, call())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'invalid_request',
      field: 'amount.currency',
      provider: 'commercelayer',
      message: 'amount.currency: the capture is in JPY',
      retryable: false,
    });
    expect(requests).toEqual([`GET /api/captures/${capture}`]);
    expect(sandbox.refunds()).toEqual([]);
  });

  it.each([
    [
      'an over-refund',
      { amount: { value: 10_001, currency: 'EUR' } },
      'insufficient_funds',
      422,
      'VALIDATION_ERROR',
    ],
    ['an unknown capture', { payment: 'NoSuchCapture' }, 'not_found', 404, 'RECORD_NOT_FOUND'],
  ])('maps %s', async (_name, change, code, status, providerCode) => {
    const { sandbox, adapter, call, input } = setup();
    const error = await adapter.create({ ...input, ...change }, call()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code, status, providerCode, provider: 'commercelayer', retryable: false });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('maps a full refund of a fully refunded capture to insufficient_funds', async () => {
    const { sandbox, adapter, call, input } = setup({ amount: 100 });
    await adapter.create(input, call());
    await expect(adapter.create({ ...input, reference: 'again' }, call())).rejects.toMatchObject({
      code: 'insufficient_funds',
      status: 422,
      providerCode: 'VALIDATION_ERROR',
      message: 'commercelayer answered 422: _refund_amount_cents - must be greater than 0',
    });
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('maps bad credentials to authentication', async () => {
    const { sandbox, call } = setup();
    const intruder = commercelayer({ organization: 'sandbox', accessToken: 'a.b.c', fetch: sandbox.fetch });
    await expect(intruder.retrieve({ id: 'XAyRWNUzyN' }, call())).rejects.toMatchObject({
      code: 'authentication',
      status: 401,
      providerCode: 'INVALID_TOKEN',
      retryable: false,
    });
  });

  it.each([
    [
      '400 (a bad query parameter)',
      400,
      'INVALID_INCLUDE',
      (request: Request) => {
        const url = new URL(request.url);
        url.searchParams.set('include', 'nope');
        return new Request(url, request);
      },
    ],
    [
      '406 (no JSON:API Accept)',
      406,
      'NOT_ACCEPTABLE',
      (request: Request) => {
        const changed = new Request(request);
        changed.headers.set('accept', 'application/json');
        return changed;
      },
    ],
    [
      '415 (no JSON:API Content-Type)',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      (request: Request) => {
        const changed = new Request(request);
        changed.headers.set('content-type', 'application/json');
        return changed;
      },
    ],
  ])('maps %s to invalid_request', async (_name, status, providerCode, tamper) => {
    const { sandbox, adapter, call, input } = setup(
      {},
      (fetch) => (request) =>
        fetch(
          request.method === 'PATCH' || isRefundGet(request) || status === 400 ? tamper(request) : request,
        ),
    );
    const error = await adapter
      .create({ ...input, amount: { value: 100, currency: 'EUR' } }, call())
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', status, providerCode, retryable: false });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('maps any other 422 to invalid_request', async () => {
    const { adapter, call } = setup(
      {},
      () => async () =>
        new Response(
          JSON.stringify({
            errors: [
              {
                title: 'is too long',
                detail: 'reference - is too long',
                code: 'VALIDATION_ERROR',
                status: '422',
                source: { pointer: '/data/attributes/reference' },
              },
            ],
          }),
          { status: 422, headers: { 'content-type': 'application/vnd.api+json' } },
        ),
    );
    await expect(adapter.retrieve({ id: 'XAyRWNUzyN' }, call())).rejects.toMatchObject({
      code: 'invalid_request',
      status: 422,
      providerCode: 'VALIDATION_ERROR',
      message: 'commercelayer answered 422: reference - is too long',
    });
  });

  it.each([
    ['http-429', 'rate_limited', 429, 'TOO_MANY_REQUESTS'],
    ['http-500', 'provider_error', 500, 'INTERNAL_SERVER_ERROR'],
    ['http-503', 'provider_error', 503, 'SERVICE_UNAVAILABLE'],
  ] as const)('maps %s to a retryable %s', async (kind, code, status, providerCode) => {
    const { sandbox, adapter, call, input } = setup();
    const refund = await adapter.create(input, call());
    sandbox.faults.inject({ kind, match: { operationId: 'retrieveRefund' } });
    const error = await adapter.retrieve({ id: refund.id }, call()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code, status, providerCode, retryable: true });
    if (kind === 'http-429') expect(error).toMatchObject({ retryAfterMs: 1000 });
  });

  describe('finding its refund when the trigger answer is lost', () => {
    it('as the sole writer, identifies the new refund by listing the capture, then tags it (drop-after-commit)', async () => {
      const { sandbox, adapter, attempt, input, capture, requests } = setup({}, undefined, {
        soleWriter: true,
      });
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      const refund = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      );
      expect(refund).toMatchObject({
        amount: { value: 400, currency: 'EUR' },
        reference: 'rma-1',
        payment: capture,
      });
      expect(requests).toEqual([
        `GET /api/captures/${capture}`,
        `PATCH /api/captures/${capture}`,
        `GET /api/captures/${capture}/refunds`,
        `PATCH /api/refunds/${refund.id}`,
      ]);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-1' })]);
    });

    it('by default, only names the refund of a lost trigger (another process may have made it), never tags it', async () => {
      const { sandbox, adapter, attempt, call, input, capture, requests } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      const [made] = sandbox.refunds();
      expect(error).toMatchObject({
        code: 'outcome_unknown',
        retryable: false,
        inDoubt: { payment: capture, reference: 'rma-1', candidates: [made!.id] },
      });
      expect((error as Error).message).toContain(made!.id);
      // A list (the facade's reconciliation) does not claim it either: found by nobody, tagged by nobody.
      const listed = await adapter.list({ payment: capture }, call());
      expect(listed).toEqual([expect.objectContaining({ id: made!.id, reference: undefined })]);
      expect(requests.filter((request) => request.startsWith('PATCH /api/refunds'))).toEqual([]);
      expect(requests.filter((request) => request.startsWith('PATCH /api/captures'))).toHaveLength(1);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: made!.id, reference: undefined })]);
    });

    it('rethrows the failure when no refund was made, and never sends that create again', async () => {
      const { sandbox, adapter, attempt, input } = setup();
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'updateCapture' } });
      const create = (idempotencyKey = input.idempotencyKey, value = 400) =>
        attempt((call) =>
          adapter.create({ ...input, idempotencyKey, amount: { value, currency: 'EUR' } }, call),
        );
      await expect(create()).rejects.toMatchObject({ code: 'provider_error', status: 500, retryable: true });
      expect(sandbox.refunds()).toEqual([]);
      // The 500 may have come from a gateway while the trigger still lands: the same create is refused.
      await expect(create()).rejects.toMatchObject({
        code: 'outcome_unknown',
        inDoubt: { idempotencyKey: input.idempotencyKey },
      });
      expect(sandbox.refunds()).toEqual([]);
      // Another create is sent; of another amount, or its refund could be the unsettled one's.
      const refund = await create('another-key', 300);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-1' })]);
    });

    it('as the sole writer, remembers a trigger it could not check, so the next list identifies and tags its refund', async () => {
      const { sandbox, adapter, attempt, call, input, requests, capture } = setup({}, undefined, {
        soleWriter: true,
      });
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'listCaptureRefunds' } });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'network', retryable: true });
      // In doubt: the facade never sends the trigger again, it lists the capture (its reconciliation).
      expect(mayHaveActed(error)).toBe(true);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: 400, reference: undefined })]);
      requests.length = 0;
      const listed = await adapter.list({ payment: capture }, call());
      const id = sandbox.refunds()[0]!.id;
      expect(listed).toEqual([expect.objectContaining({ id, reference: 'rma-1' })]);
      expect(requests).toEqual([`GET /api/captures/${capture}/refunds`, `PATCH /api/refunds/${id}`]);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id, reference: 'rma-1' })]);
      // Tagged: forgotten, so the next list only lists.
      requests.length = 0;
      await adapter.list({ payment: capture }, call());
      expect(requests).toEqual([`GET /api/captures/${capture}/refunds`]);
    });

    it('does not use what it remembered for another capture or amount', async () => {
      const { sandbox, adapter, attempt, input } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'listCaptureRefunds' } });
      await expect(
        attempt((call) => adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call)),
      ).rejects.toMatchObject({ code: 'network' });
      const second = await attempt((call) =>
        adapter.create(
          { ...input, idempotencyKey: 'another-key', amount: { value: 300, currency: 'EUR' } },
          call,
        ),
      );
      expect(second.amount.value).toBe(300);
      expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([400, 300]);
    });

    /** Another integration refunds `amount` of the capture while the trigger's answer is being lost. */
    function interfering(amount: number, adapterOptions: { soleWriter?: boolean } = {}) {
      let capture = '';
      let other: ReturnType<typeof createCommercelayerClient> | undefined;
      const context = setup(
        {},
        (fetch) => async (request) => {
          if (other && request.method === 'GET' && request.url.includes('/refunds?')) {
            const client = other;
            other = undefined;
            await client.PATCH('/captures/{captureId}', {
              params: { path: { captureId: capture } },
              body: {
                data: {
                  type: 'captures',
                  id: capture,
                  attributes: { _refund: true, _refund_amount_cents: amount },
                },
              },
            });
          }
          return fetch(request);
        },
        adapterOptions,
      );
      capture = context.capture;
      other = context.other;
      context.sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      return context;
    }

    it('answers outcome_unknown, naming the candidates, when several new refunds match (even as the sole writer)', async () => {
      const { sandbox, adapter, attempt, input } = interfering(400, { soleWriter: true });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      const ids = sandbox.refunds().map((entry) => entry.id);
      expect(ids).toHaveLength(2);
      expect(error).toMatchObject({ code: 'outcome_unknown', retryable: false, provider: 'commercelayer' });
      for (const id of ids) expect((error as Error).message).toContain(id);
      expect(sandbox.refunds().every((entry) => entry.reference === undefined)).toBe(true);
    });

    it('as the sole writer, ignores new refunds of another amount', async () => {
      const { sandbox, adapter, attempt, input } = interfering(250, { soleWriter: true });
      const refund = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      );
      expect(refund).toMatchObject({ amount: { value: 400, currency: 'EUR' }, reference: 'rma-1' });
      expect(sandbox.refunds().map((entry) => [entry.amount, entry.reference])).toEqual([
        [400, 'rma-1'],
        [250, undefined],
      ]);
    });

    it('lists the capture when the trigger answer does not include its refunds', async () => {
      const { sandbox, adapter, attempt, input, capture, requests } = setup({}, (fetch) =>
        rewrite(
          (request) => request.method === 'PATCH' && request.url.includes('/captures/'),
          ({ data }) => ({ data }),
        )(fetch),
      );
      const refund = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      );
      expect(refund.reference).toBe('rma-1');
      expect(requests).toContain(`GET /api/captures/${capture}/refunds`);
      expect(sandbox.refunds()).toHaveLength(1);
    });

    it('after an accepted trigger it cannot read back, answers in doubt and the next list tags the refund', async () => {
      const { sandbox, adapter, attempt, call, input, capture, requests } = setup({}, (fetch) =>
        rewrite(
          (request) => request.method === 'PATCH' && request.url.includes('/captures/'),
          ({ data }) => ({ data }),
        )(fetch),
      );
      sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'listCaptureRefunds' } });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      // Without a status, so in doubt: the facade looks for it by listing, and never triggers again.
      expect(error).toMatchObject({ code: 'provider_error', retryable: true, status: undefined });
      expect(mayHaveActed(error)).toBe(true);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: 400, reference: undefined })]);
      requests.length = 0;
      const listed = await adapter.list({ payment: capture }, call());
      const id = sandbox.refunds()[0]!.id;
      expect(listed).toEqual([expect.objectContaining({ id, reference: 'rma-1' })]);
      expect(requests).toEqual([`GET /api/captures/${capture}/refunds`, `PATCH /api/refunds/${id}`]);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id, reference: 'rma-1' })]);
    });

    it('runs concurrent creates on one capture one at a time, each finding its own refund', async () => {
      const { sandbox, adapter, attempt, input } = setup({ amount: 300 });
      const refunds = await Promise.all(
        ['a', 'b', 'c'].map((reference) =>
          attempt((call) =>
            adapter.create({ ...input, amount: { value: 100, currency: 'EUR' }, reference }, call),
          ),
        ),
      );
      expect(refunds.map((refund) => refund.reference)).toEqual(['a', 'b', 'c']);
      expect(new Set(refunds.map((refund) => refund.id)).size).toBe(3);
      expect(
        sandbox
          .refunds()
          .map((entry) => entry.reference)
          .sort(),
      ).toEqual(['a', 'b', 'c']);
    });
  });

  // Commerce Layer also makes refunds of a capture through its return's and its order's `_refund` triggers
  // (for users of the typed client, or the dashboard). Such a refund must never pass for the adapter's own.
  describe('refunds made through a return or the order of the same capture', () => {
    /** Runs `meanwhile` when the capture trigger is sent, before it reaches the sandbox. */
    const beforeTrigger =
      (meanwhile: () => Promise<unknown>) =>
      (fetch: Fetch): Fetch =>
      async (request) => {
        if (request.method === 'PATCH' && /\/captures\//.test(new URL(request.url).pathname))
          await meanwhile();
        return fetch(request);
      };
    const refundReturn = (other: ReturnType<typeof setup>['other'], returnId: string, cents: number) =>
      other.PATCH('/returns/{returnId}', {
        params: { path: { returnId } },
        body: {
          data: { type: 'returns', id: returnId, attributes: { _refund: true, _refund_amount_cents: cents } },
        },
      });

    it('as the sole writer, never claims a return refund of its amount when its own trigger made nothing', async () => {
      let meanwhile = async () => {};
      const { sandbox, adapter, attempt, call, input, capture, other } = setup(
        {},
        beforeTrigger(() => meanwhile()),
        { soleWriter: true },
      );
      const returnId = sandbox.createReturn({ capture, amount: 400 });
      meanwhile = async () => {
        meanwhile = async () => {};
        await refundReturn(other, returnId, 400);
      };
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'updateCapture' } });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      // The one new refund of 400 is the return's: the trigger's own failure is what the caller gets.
      expect(error).toMatchObject({ code: 'provider_error', status: 500 });
      const [returned] = sandbox.refunds();
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: 400, reference: undefined })]);
      // Reconciliation lists it as the capture's refund, untagged, and claims it for nobody.
      const listed = await adapter.list({ payment: capture }, call());
      expect(listed).toEqual([expect.objectContaining({ id: returned!.id, reference: undefined })]);
      expect(sandbox.refunds()).toEqual([
        expect.objectContaining({ id: returned!.id, reference: undefined }),
      ]);
    });

    it('tells its own refund from a return refund of the same amount made meanwhile (drop-after-commit)', async () => {
      let meanwhile = async () => {};
      const { sandbox, adapter, attempt, input, capture, other } = setup(
        {},
        beforeTrigger(() => meanwhile()),
        {
          soleWriter: true,
        },
      );
      const returnId = sandbox.createReturn({ capture, amount: 400 });
      meanwhile = async () => {
        meanwhile = async () => {};
        await refundReturn(other, returnId, 400);
      };
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateCapture' } });
      const refund = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      );
      const [returned, ours] = sandbox.refunds();
      expect(refund).toMatchObject({ id: ours!.id, reference: 'rma-1' });
      expect(sandbox.refunds()).toEqual([
        expect.objectContaining({ id: returned!.id, reference: undefined }),
        expect.objectContaining({ id: ours!.id, reference: 'rma-1' }),
      ]);
      const byReturn = await other.GET('/returns/{returnId}/reference_refund', {
        params: { path: { returnId } },
      });
      expect(byReturn.data?.data?.id).toBe(returned!.id);
    });

    it('by default, names an order refund of its amount made meanwhile only as a candidate (it cannot tell it from its own)', async () => {
      let meanwhile = async () => {};
      const { sandbox, adapter, attempt, call, input, capture, other } = setup(
        { amount: 400 },
        beforeTrigger(() => meanwhile()),
      );
      const { data: order } = await other.GET('/captures/{captureId}', {
        params: { path: { captureId: capture }, query: { include: 'order' } },
      });
      const orderId = (order!.data.relationships.order!.data as { id: string }).id;
      meanwhile = async () => {
        meanwhile = async () => {};
        await other.PATCH('/orders/{orderId}', {
          params: { path: { orderId } },
          body: { data: { type: 'orders', id: orderId, attributes: { _refund: true } } },
        });
      };
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'updateCapture' } });
      const error = await attempt((call) =>
        adapter.create({ ...input, amount: { value: 400, currency: 'EUR' } }, call),
      ).catch((caught: unknown) => caught);
      const [byOrder] = sandbox.refunds();
      expect(error).toMatchObject({ code: 'outcome_unknown', inDoubt: { candidates: [byOrder!.id] } });
      const listed = await adapter.list({ payment: capture }, call());
      expect(listed).toEqual([expect.objectContaining({ id: byOrder!.id, reference: undefined })]);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: byOrder!.id, reference: undefined })]);
    });
  });

  describe('tagging', () => {
    it('tries a lost tag once more', async () => {
      const { sandbox, adapter, call, input } = setup();
      sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'updateRefund' } });
      const refund = await adapter.create(input, call());
      expect(refund.reference).toBe('rma-1');
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: 'rma-1' })]);
    });

    it('returns the refund untagged, never an error, when tagging keeps failing', async () => {
      const { sandbox, adapter, call, input } = setup();
      sandbox.faults.inject({ kind: 'http-500', times: 2, match: { operationId: 'updateRefund' } });
      const refund = await adapter.create({ ...input, amount: { value: 700, currency: 'EUR' } }, call());
      expect(refund).toMatchObject({
        status: 'succeeded',
        amount: { value: 700, currency: 'EUR' },
        reference: undefined,
      });
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, reference: undefined })]);
    });
  });

  it('describes malformed capture ids and declares its capabilities and secrets', () => {
    const { adapter, sandbox } = setup();
    expect(adapter.provider).toBe('commercelayer');
    expect(adapter.checkPayment('kQWhMCvDPm')).toBeUndefined();
    expect(adapter.checkPayment('kQWh-MCvDPm')).toBe('must be a Commerce Layer capture id');
    expect(adapter.checkPayment('captures/kQWhMCvDPm')).toBe('must be a Commerce Layer capture id');
    expect(adapter.checkRefundId('xYZkjABcde')).toBeUndefined();
    for (const bad of [...urlBreakingIds, 'xYZk-jABcde']) {
      expect(adapter.checkRefundId(bad)).toBe('must be a Commerce Layer refund id');
    }
    expect(adapter.capabilities).toBe(commercelayerCapabilities);
    expect(commercelayerCapabilities).toEqual({
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      idempotencyKeys: false,
      reasons: ['requested_by_customer', 'fraudulent', 'duplicate', 'other'],
      metadata: { maxKeys: 50, maxKeyLength: 100, maxValueLength: 1000 },
      referenceMaxLength: 255,
      currencies: 'any',
      approvalFlow: false,
    });
    expect(adapter.secrets()).toEqual([sandbox.credentials.accessToken]);
  });
});
