import { SandboxResponseError, violationHeader } from '@refundkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { specCheck } from '../../../test/support/spec-check.js';
import { payopOpenApi } from '../src/generated/payop.openapi.gen.js';
import { createPayopClient } from '../src/index.js';
import { createPayopSandbox, type PayopSandbox } from '../src/testing/index.js';
import { docRefundIds, docTransactionIds } from './fixtures/payop-api-doc.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

type Client = ReturnType<typeof createPayopClient>;
type Transport = (sandbox: PayopSandbox) => Promise<Client>;
const transports: [string, Transport][] = [
  ['in process', async (sandbox) => createPayopClient({ ...sandbox.credentials, fetch: sandbox.fetch })],
  [
    'over loopback HTTP',
    async (sandbox) => {
      const { url, close } = await sandbox.listen();
      closers.push(close);
      return createPayopClient({ ...sandbox.credentials, baseUrl: url });
    },
  ],
];

const unknownId = 'd839c714-7743-47cf-8f9d-73592597c6e1';
const tooBig = { message: 'Refund amount is bigger than transaction amount' };

describe.each(transports)('PayOp sandbox %s', (_name, connect) => {
  async function setup(amount = 10_000, currency = 'USD') {
    const sandbox = createPayopSandbox();
    const client = await connect(sandbox);
    const transaction = sandbox.createPayment({ amount, currency });
    return { sandbox, client, transaction };
  }

  const partial = (client: Client, transactionIdentifier: string, amount: number) =>
    client.POST('/v1/refunds/create', { body: { transactionIdentifier, refundType: 2, amount } });
  const retrieve = (client: Client, identifier: string) =>
    client.GET('/v1/refunds/user-refunds', { params: { query: { 'query[identifier]': identifier } } });

  it('makes a full refund (refundType 1) whose identifier header retrieves it', async () => {
    const { sandbox, client, transaction } = await setup(44_065);
    const { data, error, response } = await client.POST('/v1/refunds/create', {
      body: {
        transactionIdentifier: transaction,
        refundType: 1,
        metadata: { 'internal merchant id': 'example' },
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toEqual({ data: '', status: 1 });
    const identifier = response.headers.get('identifier')!;
    expect(identifier).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const retrieved = await retrieve(client, identifier);
    expect(retrieved.data?.data).toEqual([
      {
        identifier,
        status: 1,
        type: 1,
        userIdentifier: expect.any(Number),
        amount: 440.65,
        currency: 'USD',
        createdAt: expect.any(Number),
        updatedAt: null,
        sourceTransaction: { identifier: transaction, amount: 440.65, currency: 'USD', state: 2 },
        error: null,
        metadata: { 'internal merchant id': 'example' },
      },
    ]);
    expect(sandbox.refunds()).toEqual([
      {
        id: identifier,
        payment: transaction,
        amount: 44_065,
        currency: 'USD',
        status: 'new',
        reference: undefined,
        createdAt: expect.any(String),
      },
    ]);
  });

  it('makes partial refunds 2 + 2 summing to the total, then answers the over-refund 422', async () => {
    const { sandbox, client, transaction } = await setup(400);
    for (const amount of [2, 2])
      expect((await partial(client, transaction, amount)).response.status).toBe(200);
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([200, 200]);
    const { error, response } = await partial(client, transaction, 0.01);
    expect([response.status, error]).toEqual([422, tooBig]);
    const full = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    expect([full.response.status, full.error]).toEqual([422, tooBig]);
    expect(sandbox.refunds()).toHaveLength(2);
  });

  it('rejects an over-refund without recording anything', async () => {
    const { sandbox, client, transaction } = await setup(1000);
    const { error, response } = await partial(client, transaction, 10.01);
    expect([response.status, error]).toEqual([422, tooBig]);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('refundType 1 after a partial refund refunds what remains, ignoring a sent amount', async () => {
    const { sandbox, client, transaction } = await setup(10_000);
    await partial(client, transaction, 30);
    const { response } = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1, amount: 1 },
    });
    expect(response.status).toBe(200);
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([3000, 7000]);
    const [refund] = (await retrieve(client, response.headers.get('identifier')!)).data!.data;
    expect(refund).toMatchObject({ type: 1, amount: 70, sourceTransaction: { amount: 100 } });
  });

  it('answers an unknown transaction with 422 and an unknown refund with an empty list', async () => {
    const { sandbox, client } = await setup();
    const { error, response } = await partial(client, unknownId, 1);
    expect([response.status, error]).toEqual([422, { message: 'Transaction not found' }]);
    const retrieved = await retrieve(client, unknownId);
    expect([retrieved.response.status, retrieved.data]).toEqual([200, { data: [], status: 1 }]);
    expect(sandbox.refunds()).toEqual([]);
  });

  it("takes every identifier PayOp's docs show, UUID or not, as an identifier", async () => {
    const { sandbox, client } = await setup();
    for (const { id } of docTransactionIds) {
      const { error, response } = await partial(client, id, 1);
      expect([response.status, error]).toEqual([422, { message: 'Transaction not found' }]);
      expect(response.headers.get(violationHeader)).toBeNull();
    }
    for (const { id } of docRefundIds) {
      const { data, response } = await retrieve(client, id);
      expect([response.status, data]).toEqual([200, { data: [], status: 1 }]);
      expect(response.headers.get(violationHeader)).toBeNull();
    }
    expect(sandbox.refunds()).toEqual([]);
  });

  it("answers a path it does not serve with PayOp's generic 404, as the spec declares it", async () => {
    const { sandbox } = await setup();
    const response = await sandbox.fetch('https://api.payop.com/v1/refunds/nope', {
      headers: { authorization: `Bearer ${sandbox.credentials.token}` },
    });
    const body = await response.json();
    expect([response.status, body]).toEqual([404, { message: 'Not found' }]);
    for (const operationId of ['createRefund', 'listRefunds']) {
      expect(specCheck(payopOpenApi).response(operationId, { status: 404, body })).toEqual([]);
    }
  });

  it('answers a wrong token with the 401 body', async () => {
    const { sandbox, client: good, transaction } = await setup();
    const bad = createPayopClient({
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.d3Jvbmc',
      fetch: sandbox.fetch,
    });
    const { error, response } = await bad.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    expect([response.status, error]).toEqual([
      401,
      { message: 'Full authentication is required to access this resource.' },
    ]);
    expect((await bad.GET('/v1/refunds/user-refunds')).response.status).toBe(401);
    expect(sandbox.refunds()).toEqual([]);
    expect((await good.GET('/v1/refunds/user-refunds')).response.status).toBe(200);
  });

  it('rejects an invalid body with the 422 validation map and names the violation', async () => {
    const { sandbox, client, transaction } = await setup();
    const noAmount = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 2 },
    });
    expect(noAmount.response.status).toBe(422);
    expect(noAmount.error).toEqual({ message: { amount: ['This value should not be blank.'] } });
    expect(noAmount.response.headers.get(violationHeader)).toBe(
      "request body must have required property 'amount'",
    );

    const blank = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: '', refundType: 3 as 1, amount: -1 },
    });
    expect(blank.response.status).toBe(422);
    expect(blank.error).toEqual({
      message: {
        transactionIdentifier: ['This value should not be blank.'],
        refundType: ['The value you selected is not a valid choice.'],
        amount: ['This value should be positive.'],
      },
    });
    expect(blank.response.headers.get(violationHeader)).toBe(
      'request body/transactionIdentifier must NOT have fewer than 1 characters',
    );
    expect(sandbox.refunds()).toEqual([]);
  });

  it('converts a 3-decimal currency exactly (KWD 1505 minor units = 1.505)', async () => {
    const { sandbox, client, transaction } = await setup(1505, 'KWD');
    const decimals = { message: { amount: ['This value should have 3 decimal places or fewer.'] } };
    const tooPrecise = await partial(client, transaction, 0.0015);
    expect([tooPrecise.response.status, tooPrecise.error]).toEqual([422, decimals]);
    expect((await partial(client, transaction, 1.0005)).error).toEqual(decimals);
    const { response } = await partial(client, transaction, 1.505);
    expect(response.status).toBe(200);
    const [refund] = (await retrieve(client, response.headers.get('identifier')!)).data!.data;
    expect(refund).toMatchObject({
      amount: 1.505,
      currency: 'KWD',
      sourceTransaction: { amount: 1.505, currency: 'KWD' },
    });
    expect(sandbox.refunds()).toMatchObject([{ amount: 1505, currency: 'KWD' }]);
    expect((await partial(client, transaction, 0.001)).error).toEqual(tooBig);
    expect((await partial(client, transaction, 1e21)).error).toEqual(tooBig);
    expect((await partial(client, transaction, 1e-7)).error).toEqual(decimals);
  });

  it('converts a 0-decimal currency exactly (JPY has no minor unit)', async () => {
    const { sandbox, client, transaction } = await setup(1505, 'JPY');
    const fractional = await partial(client, transaction, 0.5);
    expect(fractional.error).toEqual({
      message: { amount: ['This value should have 0 decimal places or fewer.'] },
    });
    expect((await partial(client, transaction, 1500)).response.status).toBe(200);
    const { response } = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    const [refund] = (await retrieve(client, response.headers.get('identifier')!)).data!.data;
    expect(refund).toMatchObject({ amount: 5, currency: 'JPY', sourceTransaction: { amount: 1505 } });
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([1500, 5]);
  });

  it('settles refunds: accepted (2), and rejected (3) gives the amount back', async () => {
    const { sandbox, client, transaction } = await setup(1000);
    const first = (await partial(client, transaction, 4)).response.headers.get('identifier')!;
    const second = (await partial(client, transaction, 6)).response.headers.get('identifier')!;
    expect((await partial(client, transaction, 0.01)).error).toEqual(tooBig);

    sandbox.settle(first, 2);
    sandbox.settle(second, 3);
    const list = (await client.GET('/v1/refunds/user-refunds')).data!.data;
    expect(list.map((refund) => [refund.identifier, refund.status, typeof refund.updatedAt])).toEqual([
      [second, 3, 'number'],
      [first, 2, 'number'],
    ]);
    expect(sandbox.refunds().map((entry) => entry.status)).toEqual(['accepted', 'rejected']);

    // The rejected 6.00 is refundable again; the accepted 4.00 is not.
    expect((await partial(client, transaction, 6.01)).error).toEqual(tooBig);
    const again = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    expect(again.response.status).toBe(200);
    expect(sandbox.refunds().map((entry) => [entry.amount, entry.status])).toEqual([
      [400, 'accepted'],
      [600, 'rejected'],
      [600, 'new'],
    ]);
  });

  it('retrieves and lists what create made, newest first', async () => {
    const { sandbox, client, transaction } = await setup(10_000);
    const other = sandbox.createPayment({ amount: 500, currency: 'EUR' });
    const ids: string[] = [];
    for (const [id, amount] of [
      [transaction, 1],
      [other, 2.5],
      [transaction, 3],
    ] as const) {
      ids.push((await partial(client, id, amount)).response.headers.get('identifier')!);
    }
    const { data } = await client.GET('/v1/refunds/user-refunds');
    expect(data?.status).toBe(1);
    expect(data?.data.map((refund) => [refund.identifier, refund.amount, refund.currency])).toEqual([
      [ids[2], 3, 'USD'],
      [ids[1], 2.5, 'EUR'],
      [ids[0], 1, 'USD'],
    ]);
    expect(new Set(data?.data.map((refund) => refund.userIdentifier)).size).toBe(1);
    for (const id of ids)
      expect((await retrieve(client, id)).data?.data.map((refund) => refund.identifier)).toEqual([id]);
    expect(sandbox.refunds().map((entry) => entry.id)).toEqual(ids);
  });

  it('injects every fault kind', async () => {
    const { sandbox, client, transaction } = await setup(10_000);
    const refund = () => partial(client, transaction, 1);
    for (const [kind, status, message] of [
      ['http-500', 500, 'Something went wrong, try again or contact support.'],
      ['http-503', 503, 'Something went wrong, try again or contact support.'],
      ['http-429', 429, 'Too many requests from ip'],
    ] as const) {
      sandbox.faults.inject({ kind, match: { operationId: 'createRefund' } });
      const { response, error } = await refund();
      expect([response.status, error]).toEqual([status, { message }]);
      if (kind === 'http-429') expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(sandbox.refunds()).toEqual([]);
    sandbox.faults.inject({ kind: 'delay', ms: 30 });
    const started = performance.now();
    expect((await refund()).response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    sandbox.faults.inject({ kind: 'reset' });
    await expect(refund()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);
    sandbox.faults.inject({ kind: 'drop-after-commit' });
    await expect(refund()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(2);
    sandbox.faults.inject({
      kind: 'drop-after-commit',
      drop: 'timeout',
      match: { operationId: 'createRefund' },
    });
    await expect(
      client.POST('/v1/refunds/create', {
        body: { transactionIdentifier: transaction, refundType: 2, amount: 1 },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([100, 100, 100]);
  });
});

describe('PayOp sandbox options', () => {
  it('is deterministic with seed and now', async () => {
    const now = Date.UTC(2026, 10, 22, 12, 0, 0, 500);
    const run = async () => {
      const sandbox = createPayopSandbox({ seed: 42, now });
      const client = createPayopClient({ ...sandbox.credentials, fetch: sandbox.fetch });
      const transaction = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
      const { response } = await client.POST('/v1/refunds/create', {
        body: { transactionIdentifier: transaction, refundType: 1 },
      });
      const { data } = await client.GET('/v1/refunds/user-refunds');
      return {
        credentials: sandbox.credentials,
        transaction,
        id: response.headers.get('identifier'),
        data,
        ledger: sandbox.refunds(),
      };
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.data?.data[0]?.createdAt).toBe(Math.floor(now / 1000));
    expect(a.ledger[0]?.createdAt).toBe('2026-11-22T12:00:00.000Z');
    const other = createPayopSandbox({ seed: 43, now });
    expect(other.credentials).not.toEqual(a.credentials);
  });

  it('refuses payments PayOp cannot have', () => {
    const sandbox = createPayopSandbox();
    expect(() => sandbox.createPayment({ amount: 10.5, currency: 'USD' })).toThrow(TypeError);
    expect(() => sandbox.createPayment({ amount: 0, currency: 'USD' })).toThrow(TypeError);
    expect(() => sandbox.createPayment({ amount: 100, currency: 'XYZ' })).toThrow('ISO 4217');
    expect(() => sandbox.createPayment({ amount: 100, currency: 'usd' })).toThrow(TypeError);
    expect(() => sandbox.createPayment({ amount: 2 ** 53 - 1, currency: 'USD' })).toThrow('exact decimal');
  });

  it('refuses to settle unknown or settled refunds', async () => {
    const sandbox = createPayopSandbox();
    const client = createPayopClient({ ...sandbox.credentials, fetch: sandbox.fetch });
    const transaction = sandbox.createPayment({ amount: 100, currency: 'USD' });
    const { response } = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    const id = response.headers.get('identifier')!;
    expect(() => sandbox.settle(unknownId, 2)).toThrow('no refund');
    expect(() => sandbox.settle(id, 4 as 3)).toThrow(TypeError);
    sandbox.settle(id, 2);
    expect(() => sandbox.settle(id, 3)).toThrow('already accepted');
  });

  it('catches its own response breaking the spec (a broken clock)', async () => {
    const sandbox = createPayopSandbox({ now: () => Number.NaN });
    const client = createPayopClient({ ...sandbox.credentials, fetch: sandbox.fetch });
    const transaction = sandbox.createPayment({ amount: 1000, currency: 'USD' });
    // The create answer carries no timestamp; the refund object does.
    const created = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier: transaction, refundType: 1 },
    });
    expect(created.response.status).toBe(200);
    const failure = await client.GET('/v1/refunds/user-refunds').catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(SandboxResponseError);
    expect((failure as SandboxResponseError).violations).toContain(
      'response 200 body/data/0/createdAt must be integer',
    );
  });
});
