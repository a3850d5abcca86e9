import { SandboxResponseError, violationHeader } from '@refundkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSmartpayClient } from '../src/index.js';
import { createSmartpaySandbox, type SmartpaySandbox } from '../src/testing/index.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

type Transport = (sandbox: SmartpaySandbox) => Promise<ReturnType<typeof createSmartpayClient>>;
const transports: [string, Transport][] = [
  [
    'in process',
    async (sandbox) =>
      createSmartpayClient({ secretKey: sandbox.credentials.secretKey, fetch: sandbox.fetch }),
  ],
  [
    'over loopback HTTP',
    async (sandbox) => {
      const { url, close } = await sandbox.listen();
      closers.push(close);
      return createSmartpayClient({ secretKey: sandbox.credentials.secretKey, baseUrl: url });
    },
  ],
];

describe.each(transports)('Smartpay sandbox %s', (_name, connect) => {
  async function setup(amount = 10_000) {
    const sandbox = createSmartpaySandbox();
    const client = await connect(sandbox);
    const payment = sandbox.createPayment({ amount, currency: 'JPY' });
    return { sandbox, client, payment };
  }

  it('makes a full refund when the amount is omitted', async () => {
    const { sandbox, client, payment } = await setup(12_800);
    const { data, error } = await client.POST('/v1/refunds', {
      body: { payment, currency: 'JPY', reason: 'requested_by_customer', reference: 'rma-1' },
    });
    expect(error).toBeUndefined();
    expect(data).toMatchObject({
      object: 'refund',
      amount: 12_800,
      status: 'succeeded',
      payment,
      reference: 'rma-1',
    });
    expect(sandbox.refunds()).toMatchObject([{ id: data?.id, amount: 12_800, currency: 'JPY', payment }]);
  });

  it('makes partial refunds until the payment is used up, then answers amount.insufficient', async () => {
    const { sandbox, client, payment } = await setup(10_000);
    for (const amount of [3000, 3000, 4000]) {
      const { response } = await client.POST('/v1/refunds', {
        body: { payment, amount, currency: 'JPY', reason: 'requested_by_customer' },
      });
      expect(response.status).toBe(200);
    }
    expect(sandbox.refunds().reduce((sum, entry) => sum + entry.amount, 0)).toBe(10_000);
    const { error, response } = await client.POST('/v1/refunds', {
      body: { payment, amount: 1, currency: 'JPY', reason: 'requested_by_customer' },
    });
    expect(response.status).toBe(403);
    expect(error).toMatchObject({ statusCode: 403, errorCode: 'amount.insufficient' });
  });

  it('rejects an over-refund without recording anything', async () => {
    const { sandbox, client, payment } = await setup(500);
    const { error } = await client.POST('/v1/refunds', {
      body: { payment, amount: 501, currency: 'JPY', reason: 'fraudulent' },
    });
    expect(error).toMatchObject({ errorCode: 'amount.insufficient' });
    expect(sandbox.refunds()).toEqual([]);
  });

  it('answers unknown payments and refunds with the documented 404s', async () => {
    const { client } = await setup();
    const created = await client.POST('/v1/refunds', {
      body: { payment: 'payment_test_unknown1', currency: 'JPY', reason: 'fraudulent' },
    });
    expect([created.response.status, created.error]).toMatchObject([404, { errorCode: 'payment.not-found' }]);
    const fetched = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_nope' } },
    });
    expect([fetched.response.status, fetched.error]).toMatchObject([404, { errorCode: 'refund.not-found' }]);
  });

  it('answers wrong credentials with the 401 body', async () => {
    const { sandbox, client: good, payment } = await setup();
    const bad = createSmartpayClient({
      secretKey: 'sk_test_wrongKey123',
      fetch: sandbox.fetch,
    });
    const { error, response } = await bad.POST('/v1/refunds', {
      body: { payment, currency: 'JPY', reason: 'fraudulent' },
    });
    expect(response.status).toBe(401);
    expect(error).toEqual({ statusCode: 401, scheme: 'Basic', realm: 'api' });
    expect((await good.GET('/v1/refunds')).response.status).toBe(200);
  });

  it('rejects an invalid body with request.invalid and names the violation', async () => {
    const { sandbox, client, payment } = await setup();
    const { error, response } = await client.POST('/v1/refunds', {
      body: { payment, currency: 'JPY', reason: 'fraudulent', metadata: { note: 'x'.repeat(201) } },
    });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ errorCode: 'request.invalid' });
    expect(response.headers.get(violationHeader)).toBe(
      'request body/metadata/note must NOT have more than 200 characters',
    );
    expect(sandbox.refunds()).toEqual([]);
  });

  it('replays an idempotent create and refuses the key with another body', async () => {
    const { sandbox, client, payment } = await setup(10_000);
    const send = (amount: number) =>
      client.POST('/v1/refunds', {
        params: { header: { 'Idempotency-Key': 'key-1' } },
        body: { payment, amount, currency: 'JPY', reason: 'requested_by_customer' },
      });
    const first = await send(2500);
    const replay = await send(2500);
    expect(replay.data).toEqual(first.data);
    expect(replay.response.headers.get('idempotency-replayed')).toBe('true');
    expect(sandbox.refunds()).toHaveLength(1);
    const conflict = await send(2600);
    expect([conflict.response.status, conflict.error]).toMatchObject([
      409,
      { errorCode: 'idempotency-key.conflict' },
    ]);
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('retrieves, updates and lists what create made, page by page', async () => {
    const { client, payment } = await setup(10_000);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const { data } = await client.POST('/v1/refunds', {
        body: { payment, amount: 100, currency: 'JPY', reason: 'requested_by_customer' },
      });
      ids.push(data!.id);
    }
    const retrieved = await client.GET('/v1/refunds/{refundId}', { params: { path: { refundId: ids[0]! } } });
    expect(retrieved.data?.id).toBe(ids[0]);
    const updated = await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId: ids[0]! } },
      body: { reference: 'rma-9', metadata: { ticket: '42' } },
    });
    expect(updated.data).toMatchObject({ reference: 'rma-9', metadata: { ticket: '42' } });
    const first = await client.GET('/v1/refunds', { params: { query: { maxResults: 2 } } });
    expect(first.data?.data.map((refund) => refund.id)).toEqual([ids[2], ids[1]]);
    const second = await client.GET('/v1/refunds', {
      params: { query: { maxResults: 2, pageToken: first.data!.nextPageToken! } },
    });
    expect(second.data?.data.map((refund) => refund.id)).toEqual([ids[0]]);
    expect(second.data?.nextPageToken).toBeUndefined();
  });

  it('takes null for the optional fields as the php, python and ruby SDKs send them: null = absent', async () => {
    const { client, payment } = await setup(10_000);
    // The python SDK's create body when only the required fields are given (refunds_mixin.py).
    const created = await client.POST('/v1/refunds', {
      body: {
        payment,
        amount: 1000,
        currency: 'JPY',
        reason: 'requested_by_customer',
        reference: null,
        description: null,
        lineItems: null,
        metadata: null,
      },
    });
    expect(created.response.status).toBe(200);
    expect(created.data).not.toHaveProperty('reference');
    expect(created.data).not.toHaveProperty('description');
    expect(created.data).toMatchObject({ amount: 1000, lineItems: [], metadata: {} });
    const refundId = created.data!.id;
    await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId } },
      body: { reference: 'rma-1', description: 'returned', metadata: { ticket: '7' } },
    });
    // The php SDK's update body when only `reference` is given: the other fields stay as they were.
    const updated = await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId } },
      body: { reference: 'rma-2', description: null, metadata: null },
    });
    expect(updated.response.status).toBe(200);
    expect(updated.data).toMatchObject({
      reference: 'rma-2',
      description: 'returned',
      metadata: { ticket: '7' },
    });
  });

  it('gives every page its own pageToken, the first and the last too', async () => {
    const { client, payment } = await setup(10_000);
    const empty = await client.GET('/v1/refunds');
    expect(empty.data).toEqual({
      object: 'collection',
      pageToken: expect.any(String),
      maxResults: 20,
      results: 0,
      data: [],
    });
    for (let i = 0; i < 3; i += 1) {
      await client.POST('/v1/refunds', {
        body: { payment, amount: 100, currency: 'JPY', reason: 'requested_by_customer' },
      });
    }
    const first = await client.GET('/v1/refunds', { params: { query: { maxResults: 2 } } });
    expect(first.data).toMatchObject({ maxResults: 2, results: 2, pageToken: expect.any(String) });
    expect(first.data?.nextPageToken).toEqual(expect.any(String));
    // The first page's token gives the first page again.
    const again = await client.GET('/v1/refunds', {
      params: { query: { maxResults: 2, pageToken: first.data!.pageToken } },
    });
    expect(again.data).toEqual(first.data);
    const last = await client.GET('/v1/refunds', {
      params: { query: { maxResults: 2, pageToken: first.data!.nextPageToken! } },
    });
    expect(last.data).toMatchObject({ pageToken: first.data!.nextPageToken, maxResults: 2, results: 1 });
    expect(last.data).not.toHaveProperty('nextPageToken');
  });

  it('expands line items with expand=all on retrieve and list, and keeps ids without it', async () => {
    const sandbox = createSmartpaySandbox({ now: Date.UTC(2026, 10, 22) });
    const client = await connect(sandbox);
    const payment = sandbox.createPayment({
      amount: 5000,
      currency: 'JPY',
      lineItems: [
        { id: 'li_test_shirt1', amount: 1500, description: 'T-shirt (size M)' },
        { id: 'li_test_socks2', amount: 500, quantity: 7 },
      ],
    });
    const { data } = await client.POST('/v1/refunds', {
      body: {
        payment,
        amount: 1500,
        currency: 'JPY',
        reason: 'requested_by_customer',
        lineItems: ['li_test_shirt1'],
      },
    });
    expect(data?.lineItems).toEqual(['li_test_shirt1']);
    const refundId = data!.id;
    const plain = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId }, query: { expand: 'no' } },
    });
    expect(plain.data?.lineItems).toEqual(['li_test_shirt1']);
    const expanded = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId }, query: { expand: 'all' } },
    });
    const shirt = {
      id: 'li_test_shirt1',
      object: 'lineItem',
      kind: 'product',
      amount: 1500,
      currency: 'JPY',
      description: 'T-shirt (size M)',
      quantity: 1,
      metadata: {},
      test: true,
      createdAt: Date.UTC(2026, 10, 22),
      updatedAt: Date.UTC(2026, 10, 22),
    };
    expect(expanded.data).toEqual({ ...data, lineItems: [shirt] });
    const listed = await client.GET('/v1/refunds', { params: { query: { expand: 'all' } } });
    expect(listed.data?.data[0]?.lineItems).toEqual([shirt]);
    // Expansion is a view: the stored refund still holds the id.
    expect((await client.GET('/v1/refunds')).data?.data[0]?.lineItems).toEqual(['li_test_shirt1']);
  });

  it("refuses a line item that is not the payment's, refunding nothing", async () => {
    const { sandbox, client, payment } = await setup(10_000);
    const { response, error } = await client.POST('/v1/refunds', {
      body: { payment, amount: 100, currency: 'JPY', reason: 'fraudulent', lineItems: ['li_test_elsewhere'] },
    });
    expect([response.status, error]).toMatchObject([400, { errorCode: 'request.invalid' }]);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('injects every fault kind', async () => {
    const { sandbox, client, payment } = await setup(10_000);
    const refund = () =>
      client.POST('/v1/refunds', {
        body: { payment, amount: 100, currency: 'JPY', reason: 'requested_by_customer' },
      });
    for (const [kind, status] of [
      ['http-500', 500],
      ['http-503', 503],
      ['http-429', 429],
    ] as const) {
      sandbox.faults.inject({ kind, match: { operationId: 'createRefund' } });
      const { response } = await refund();
      expect(response.status).toBe(status);
      if (kind === 'http-429') expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(sandbox.refunds()).toEqual([]);
    sandbox.faults.inject({ kind: 'delay', ms: 30 });
    expect((await refund()).response.status).toBe(200);
    sandbox.faults.inject({ kind: 'reset' });
    await expect(refund()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);
    sandbox.faults.inject({ kind: 'drop-after-commit' });
    await expect(refund()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(2);
  });
});

describe('Smartpay sandbox options', () => {
  it('is deterministic with seed and now', async () => {
    const run = async () => {
      const sandbox = createSmartpaySandbox({ seed: 42, now: Date.UTC(2026, 10, 22) });
      const client = createSmartpayClient({ secretKey: sandbox.credentials.secretKey, fetch: sandbox.fetch });
      const payment = sandbox.createPayment({ amount: 1000, currency: 'JPY' });
      const { data } = await client.POST('/v1/refunds', {
        body: { payment, currency: 'JPY', reason: 'fraudulent' },
      });
      return { credentials: sandbox.credentials, payment, data };
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.data?.createdAt).toBe(Date.UTC(2026, 10, 22));
  });

  it('refuses payments Smartpay cannot have', () => {
    const sandbox = createSmartpaySandbox();
    expect(() => sandbox.createPayment({ amount: 10.5, currency: 'JPY' })).toThrow(TypeError);
    expect(() =>
      sandbox.createPayment({ amount: 100, currency: 'JPY', lineItems: [{ id: 'item-1', amount: 100 }] }),
    ).toThrow('li_test_');
    expect(() =>
      sandbox.createPayment({ amount: 100, currency: 'JPY', lineItems: [{ id: 'li_test_a', amount: 1.5 }] }),
    ).toThrow('whole yen');
    expect(() => sandbox.createPayment({ amount: 100, currency: 'USD' as 'JPY' })).toThrow(
      'only supports "JPY"',
    );
  });

  it('catches its own response breaking the spec (a broken clock)', async () => {
    const sandbox = createSmartpaySandbox({ now: () => Number.NaN });
    const client = createSmartpayClient({ secretKey: sandbox.credentials.secretKey, fetch: sandbox.fetch });
    const payment = sandbox.createPayment({ amount: 1000, currency: 'JPY' });
    const failure = await client
      .POST('/v1/refunds', { body: { payment, currency: 'JPY', reason: 'fraudulent' } })
      .catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(SandboxResponseError);
    expect((failure as SandboxResponseError).violations).toContain(
      'response 200 body/createdAt must be integer',
    );
  });
});
