import { type AdapterCall, RefundError } from '@refundkit/core';
import { describe, expect, it } from 'vitest';
import { adapterCall, urlBreakingIds } from '../../../test/support/adapter-call.js';
import { payop, payopCapabilities } from '../src/index.js';
import { createPayopSandbox } from '../src/testing/index.js';
import { docRefundIds, docResponses, docTransactionIds } from './fixtures/payop-api-doc.js';

type Fetch = (request: Request) => Promise<Response>;

const unknownTransaction = 'd839c714-7743-47cf-8f9d-73592597c6e1';

function setup(amount = 10_000, currency = 'USD') {
  const sandbox = createPayopSandbox();
  const adapter = payop({ ...sandbox.credentials, fetch: sandbox.fetch });
  const payment = sandbox.createPayment({ amount, currency });
  /** The create bodies the adapter sent. */
  const sent: unknown[] = [];
  const recording: Fetch = async (request) => {
    if (request.method === 'POST') sent.push(await request.clone().json());
    return sandbox.fetch(request);
  };
  const call = (fetch: Fetch = recording): AdapterCall => adapterCall(fetch);
  const input = { payment, reason: undefined, metadata: undefined, idempotencyKey: crypto.randomUUID() };
  return { sandbox, adapter, call, payment, input, sent };
}

/** A fetch that answers `operation` requests (`POST` creates, `GET` lists) with `answer` instead. */
function answering(
  fetch: Fetch,
  method: 'POST' | 'GET',
  answer: (real: Response) => Promise<Response>,
): Fetch {
  return async (request) => {
    const response = await fetch(request);
    return request.method === method ? answer(response) : response;
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('payop adapter', () => {
  it('creates a partial refund (refundType 2) with the reference and reason in metadata', async () => {
    const { sandbox, adapter, call, payment, input, sent } = setup();
    const refund = await adapter.create(
      {
        ...input,
        amount: { value: 1505, currency: 'USD' },
        reason: 'requested_by_customer',
        reference: 'rma-1',
        metadata: { ticket: '9' },
      },
      call(),
    );
    expect(sent).toEqual([
      {
        transactionIdentifier: payment,
        refundType: 2,
        amount: 15.05,
        metadata: { ticket: '9', refundkit_reference: 'rma-1', refundkit_reason: 'requested_by_customer' },
      },
    ]);
    const [entry] = sandbox.refunds();
    expect(refund).toEqual({
      provider: 'payop',
      id: entry?.id,
      payment,
      status: 'pending',
      amount: { value: 1505, currency: 'USD' },
      reference: 'rma-1',
      createdAt: entry?.createdAt,
      raw: expect.objectContaining({ identifier: entry?.id, status: 1, type: 2, amount: 15.05 }),
    });
    expect(entry).toMatchObject({ amount: 1505, status: 'new' });
  });

  it('refunds the remainder with refundType 1 and no amount', async () => {
    const { adapter, call, input, sent } = setup(10_000);
    await adapter.create({ ...input, amount: { value: 2500, currency: 'USD' }, reference: 'a' }, call());
    const rest = await adapter.create({ ...input, amount: undefined, reference: 'b' }, call());
    expect(sent[1]).toEqual({
      transactionIdentifier: input.payment,
      refundType: 1,
      metadata: { refundkit_reference: 'b' },
    });
    expect(rest).toMatchObject({
      amount: { value: 7500, currency: 'USD' },
      reference: 'b',
      status: 'pending',
    });
    expect(rest.raw).toMatchObject({ type: 1 });
  });

  it.each([
    ['USD', 10_000_000, 7, 0.07],
    ['USD', 10_000_000, 1_000_005, 10_000.05],
    ['KWD', 1_234_567, 1005, 1.005],
    ['KWD', 1_234_567, 1_234_567, 1234.567],
    ['JPY', 50_000, 1505, 1505],
    ['BHD', 9_999, 1, 0.001],
  ])(
    'sends and reads %s amounts exactly (%i available, %i refunded → %d)',
    async (currency, available, value, decimal) => {
      const { sandbox, adapter, call, input, sent } = setup(available, currency);
      const refund = await adapter.create({ ...input, amount: { value, currency }, reference: 'r' }, call());
      expect(sent).toEqual([expect.objectContaining({ refundType: 2, amount: decimal })]);
      expect(sandbox.refunds()).toEqual([expect.objectContaining({ amount: value, currency })]);
      expect(refund.amount).toEqual({ value, currency });
      expect(refund.raw).toMatchObject({ amount: decimal, currency });
    },
  );

  it('reads back a full refund of a 3-decimal currency exactly', async () => {
    const { adapter, call, input } = setup(1_234_567, 'KWD');
    const refund = await adapter.create({ ...input, amount: undefined, reference: 'r' }, call());
    expect(refund.amount).toEqual({ value: 1_234_567, currency: 'KWD' });
  });

  it('retrieves one refund and lists only the refunds of one transaction', async () => {
    const { sandbox, adapter, call, payment, input } = setup();
    const other = sandbox.createPayment({ amount: 500, currency: 'EUR' });
    const first = await adapter.create(
      { ...input, amount: { value: 100, currency: 'USD' }, reference: 'a' },
      call(),
    );
    await adapter.create({ ...input, payment: other, amount: undefined, reference: 'b' }, call());
    const second = await adapter.create(
      { ...input, amount: { value: 200, currency: 'USD' }, reference: 'c' },
      call(),
    );
    await expect(adapter.retrieve({ id: first.id }, call())).resolves.toEqual(first);
    const listed = await adapter.list({ payment }, call());
    expect(listed.map((refund) => refund.id).sort()).toEqual([first.id, second.id].sort());
    expect(listed).toContainEqual(first);
    expect(listed).toContainEqual(second);
    await expect(adapter.list({ payment: unknownTransaction }, call())).resolves.toEqual([]);
  });

  it('answers not_found (without a status) for an unknown refund id', async () => {
    const { adapter, call } = setup();
    const error = await adapter
      .retrieve({ id: unknownTransaction }, call())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'not_found',
      provider: 'payop',
      status: undefined,
      retryable: false,
    });
  });

  it.each([
    ['new (1)', undefined, 'pending'],
    ['accepted (2)', 2, 'succeeded'],
    ['rejected (3)', 3, 'failed'],
  ] as const)('maps status %s', async (_name, settlement, status) => {
    const { sandbox, adapter, call, payment, input } = setup();
    const refund = await adapter.create(
      { ...input, amount: { value: 1, currency: 'USD' }, reference: 'r' },
      call(),
    );
    if (settlement) sandbox.settle(refund.id, settlement);
    await expect(adapter.retrieve({ id: refund.id }, call())).resolves.toMatchObject({ status });
    await expect(adapter.list({ payment }, call())).resolves.toEqual([expect.objectContaining({ status })]);
  });

  it('maps status 4 (the other "rejected") to failed', async () => {
    const { sandbox, adapter, call, input } = setup();
    const refund = await adapter.create(
      { ...input, amount: { value: 1, currency: 'USD' }, reference: 'r' },
      call(),
    );
    sandbox.settle(refund.id, 3);
    const asFour = answering(sandbox.fetch, 'GET', async (real) => {
      const body = (await real.json()) as { data: { status: number }[] };
      for (const item of body.data) item.status = 4;
      return json(200, body);
    });
    await expect(adapter.retrieve({ id: refund.id }, call(asFour))).resolves.toMatchObject({
      status: 'failed',
    });
  });

  it.each([
    [
      'an over-refund',
      { amount: { value: 10_001, currency: 'USD' } },
      'insufficient_funds',
      'Refund amount is bigger than transaction amount',
    ],
    ['an unknown transaction', { payment: unknownTransaction }, 'not_found', 'Transaction not found'],
    // PayOp's validation body is a field → messages map: providerCode is the first field.
    ['a blank transaction id', { payment: '' }, 'invalid_request', 'transactionIdentifier'],
    // A KWD amount (3 decimals) on a USD transaction: PayOp takes the amount in the transaction's currency.
    [
      'too many decimals for the currency',
      { amount: { value: 1005, currency: 'KWD' } },
      'invalid_request',
      'amount',
    ],
  ])('maps %s (422)', async (_name, change, code, providerCode) => {
    const { sandbox, adapter, call, input } = setup();
    const error = await adapter
      .create({ ...input, amount: undefined, reference: 'x', ...change }, call())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code, status: 422, providerCode, provider: 'payop', retryable: false });
    expect(sandbox.refunds()).toEqual([]);
  });

  it.each([
    ['another 422 message', 422, { message: 'Method must be enabled to use it' }, 'invalid_request', false],
    ['a 403', 403, { message: 'Access denied.' }, 'authentication', false],
    ['a generic 404', 404, { message: 'Not found' }, 'not_found', false],
    [
      'a 500 with a list of messages',
      500,
      { message: [{ message: 'Something went wrong, try again or contact support.' }] },
      'provider_error',
      true,
    ],
  ])('maps %s', async (_name, status, body, code, retryable) => {
    const { adapter, call, input } = setup();
    const stub: Fetch = async () => json(status, body);
    const error = await adapter
      .create({ ...input, amount: { value: 1, currency: 'USD' }, reference: 'x' }, call(stub))
      .catch((caught: unknown) => caught);
    const message = typeof body.message === 'string' ? body.message : body.message[0]?.message;
    expect(error).toMatchObject({ code, status, providerCode: message, provider: 'payop', retryable });
    expect((error as Error).message).toContain(message);
  });

  it('maps bad credentials (401) to authentication on every operation', async () => {
    const { sandbox, call, payment, input } = setup();
    const intruder = payop({ token: 'eyJhbGciOiJIUzI1NiJ9.e30.wrong', fetch: sandbox.fetch });
    const expected = {
      code: 'authentication',
      status: 401,
      providerCode: 'Full authentication is required to access this resource.',
      retryable: false,
    };
    const create = intruder.create({ ...input, amount: undefined, reference: 'x' }, call(sandbox.fetch));
    await expect(create).rejects.toMatchObject(expected);
    await expect(intruder.list({ payment }, call(sandbox.fetch))).rejects.toMatchObject(expected);
    await expect(intruder.retrieve({ id: payment }, call(sandbox.fetch))).rejects.toMatchObject(expected);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('maps a 500 to a retryable provider_error and a 429 to rate_limited', async () => {
    const { sandbox, adapter, call, payment, input } = setup();
    sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'createRefund' } });
    await expect(
      adapter.create({ ...input, amount: undefined, reference: 'x' }, call()),
    ).rejects.toMatchObject({
      code: 'provider_error',
      status: 500,
      providerCode: 'Something went wrong, try again or contact support.',
      retryable: true,
    });
    sandbox.faults.inject({ kind: 'http-429', retryAfter: 2, match: { operationId: 'listRefunds' } });
    await expect(adapter.list({ payment }, call())).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
      providerCode: 'Too many requests from ip',
      retryable: true,
      retryAfterMs: 2000,
    });
  });

  it('rejects the reserved metadata keys and unknown currencies before sending anything', async () => {
    const { sandbox, adapter, call, input } = setup();
    await expect(
      adapter.create({ ...input, amount: { value: 1505, currency: 'usd' }, reference: 'x' }, call()),
    ).rejects.toMatchObject({ code: 'invalid_request', field: 'amount.currency', retryable: false });
    for (const key of ['refundkit_reference', 'refundkit_reason']) {
      await expect(
        adapter.create({ ...input, amount: undefined, reference: 'x', metadata: { [key]: 'y' } }, call()),
      ).rejects.toMatchObject({ code: 'invalid_request', field: `metadata.${key}`, retryable: false });
    }
    expect(sandbox.refunds()).toEqual([]);
  });

  describe('once PayOp made the refund, every failure is retryable and has no status', () => {
    const madeButUnknown = { code: 'provider_error', provider: 'payop', status: undefined, retryable: true };

    it.each([
      ['the read-back answers 500', 'http-500'],
      ['the read-back connection resets', 'reset'],
    ] as const)('when %s', async (_name, kind) => {
      const { sandbox, adapter, call, input } = setup();
      sandbox.faults.inject({ kind, match: { operationId: 'listRefunds' } });
      const error = await adapter
        .create({ ...input, amount: { value: 300, currency: 'USD' }, reference: 'x' }, call())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject(madeButUnknown);
      const [entry] = sandbox.refunds();
      expect((error as Error).message).toContain(entry?.id);
    });

    it('when the read-back does not list the new refund', async () => {
      const { sandbox, adapter, call, input } = setup();
      const empty = answering(sandbox.fetch, 'GET', async () => json(200, { data: [], status: 1 }));
      await expect(
        adapter.create({ ...input, amount: undefined, reference: 'x' }, call(empty)),
      ).rejects.toMatchObject(madeButUnknown);
      expect(sandbox.refunds()).toHaveLength(1);
    });

    it('when the read-back body is not JSON', async () => {
      const { sandbox, adapter, call, input } = setup();
      const garbled = answering(sandbox.fetch, 'GET', async () => new Response('<html>', { status: 200 }));
      await expect(
        adapter.create({ ...input, amount: undefined, reference: 'x' }, call(garbled)),
      ).rejects.toMatchObject(madeButUnknown);
    });

    it('when the 200 has no identifier header', async () => {
      const { sandbox, adapter, call, input } = setup();
      const headless = answering(sandbox.fetch, 'POST', async (real) => json(200, await real.json()));
      await expect(
        adapter.create({ ...input, amount: undefined, reference: 'x' }, call(headless)),
      ).rejects.toMatchObject(madeButUnknown);
      expect(sandbox.refunds()).toHaveLength(1);
    });

    it('when the 200 body is not JSON (it is never read)', async () => {
      const { sandbox, adapter, call, input } = setup();
      const garbled = answering(
        sandbox.fetch,
        'POST',
        async (real) =>
          new Response('not json', { status: 200, headers: { identifier: real.headers.get('identifier')! } }),
      );
      await expect(
        adapter.create({ ...input, amount: undefined, reference: 'x' }, call(garbled)),
      ).resolves.toMatchObject({ status: 'pending', reference: 'x' });
    });

    it('when the caller aborts during the read-back (the facade then reports an unknown outcome)', async () => {
      const { sandbox, adapter, input } = setup();
      const controller = new AbortController();
      const fetch: Fetch = async (request) => {
        if (request.method === 'GET') {
          controller.abort();
          throw new DOMException('This operation was aborted', 'AbortError');
        }
        return sandbox.fetch(request);
      };
      await expect(
        adapter.create(
          { ...input, amount: undefined, reference: 'x' },
          adapterCall(fetch, controller.signal),
        ),
      ).rejects.toMatchObject(madeButUnknown);
      expect(sandbox.refunds()).toHaveLength(1);
    });
  });

  it('answers an unreadable list body with a retryable provider_error', async () => {
    const { sandbox, adapter, call, payment } = setup();
    const garbled = answering(sandbox.fetch, 'GET', async () => new Response('<html>', { status: 200 }));
    await expect(adapter.list({ payment }, call(garbled))).rejects.toMatchObject({
      code: 'provider_error',
      retryable: true,
    });
  });

  describe("reads PayOp's documented refund objects, optional fields absent", () => {
    const docBody = (name: string) => docResponses.find((example) => example.name === name)!.body;
    const answeringGet = (body: unknown): AdapterCall =>
      adapterCall(async (request) => {
        expect(request.method).toBe('GET');
        return json(200, body);
      });

    it("today's get-refund example: no type, userIdentifier, createdAt, updatedAt, error or state", async () => {
      const { adapter } = setup();
      const body = docBody('refund.md get refund details');
      const id = '8888888-7725-56d5-b75d-1d54382d1e46';
      await expect(adapter.retrieve({ id }, answeringGet(body))).resolves.toEqual({
        provider: 'payop',
        id,
        payment: '999999-9d55-5fcc-aa56-35cc093e434e',
        status: 'succeeded',
        amount: { value: 1000, currency: 'USD' },
        reference: undefined,
        createdAt: undefined,
        raw: (body as { data: unknown[] }).data[0],
      });
    });

    it("today's list example: a source transaction with only its identifier", async () => {
      const { adapter } = setup();
      const body = docBody('refund.md get refunds list');
      const payment = 'd839c714-7743-47cf-8f9d-73592597c6e1';
      await expect(adapter.list({ payment }, answeringGet(body))).resolves.toEqual([
        expect.objectContaining({
          id: '38c92c25-33fd-4979-ac50-f73d7dbbf660',
          payment,
          status: 'pending',
          amount: { value: 1000, currency: 'USD' },
          createdAt: undefined,
        }),
      ]);
    });

    it.each([
      ['getRefund.md 200', '8888888-7725-56d5-b75d-1d54382d1e46', '2022-02-09T10:35:01.000Z', 'succeeded'],
      [
        'getRefundsList.md 200',
        '38c92c25-33fd-4979-ac50-f73d7dbbf660',
        '2019-09-10T08:53:58.000Z',
        'pending',
      ],
    ])('the 2022 %s example, with its creation time', async (name, id, createdAt, status) => {
      const { adapter } = setup();
      await expect(adapter.retrieve({ id }, answeringGet(docBody(name)))).resolves.toMatchObject({
        id,
        status,
        createdAt,
        amount: { value: 1000, currency: 'USD' },
      });
    });

    it("answers PayOp's generic 404 with not_found", async () => {
      const { adapter } = setup();
      const notFound = docResponses.find((example) => example.name === 'responses.md 404 (listRefunds)')!;
      const call = adapterCall(async () => json(404, notFound.body));
      await expect(adapter.retrieve({ id: '1111' }, call)).rejects.toMatchObject({
        code: 'not_found',
        status: 404,
        providerCode: 'Invoice not found',
        retryable: false,
      });
    });
  });

  it.each(docRefundIds.map(({ id, source, where }) => [id, `${source.path} ${where}`]))(
    'accepts the documented refund id %s (%s)',
    (id) => {
      expect(setup().adapter.checkRefundId(id)).toBeUndefined();
    },
  );

  it.each(docTransactionIds.map(({ id, source, where }) => [id, `${source.path} ${where}`]))(
    'accepts the documented transaction id %s (%s)',
    (id) => {
      expect(setup().adapter.checkPayment(id)).toBeUndefined();
    },
  );

  it('describes malformed payment ids and declares its capabilities and secrets', () => {
    const { sandbox, adapter } = setup();
    expect(adapter.checkPayment('D839C714-7743-47CF-8F9D-73592597C6E1')).toBeUndefined();
    const shape = 'letters and digits in hyphen-separated groups, like d839c714-7743-47cf-8f9d-73592597c6e1';
    // What would change the URL or query an id is sent in, and hyphens that separate nothing.
    for (const bad of [
      ...urlBreakingIds,
      '-d839c714',
      'd839c714-',
      'd839c714--7743',
      'txn_123',
      'a.b',
      'a&b=c',
    ]) {
      expect(adapter.checkPayment(bad)).toBe(`must be a PayOp transaction identifier (${shape})`);
      expect(adapter.checkRefundId(bad)).toBe(`must be a PayOp refund identifier (${shape})`);
    }
    expect(adapter.provider).toBe('payop');
    expect(adapter.capabilities).toBe(payopCapabilities);
    expect(payopCapabilities).toEqual({
      partialRefunds: true,
      fullRefundWithoutAmount: true,
      idempotencyKeys: false,
      reasons: ['requested_by_customer', 'fraudulent', 'duplicate', 'other'],
      metadata: { maxKeys: 50, maxKeyLength: 100, maxValueLength: 1000 },
      referenceMaxLength: 100,
      currencies: 'any',
      approvalFlow: false,
    });
    expect(adapter.secrets()).toEqual([sandbox.credentials.token]);
  });
});
