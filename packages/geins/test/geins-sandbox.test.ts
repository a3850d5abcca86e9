import { SandboxResponseError, violationHeader } from '@refundkit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createGeinsClient,
  type GeinsClient,
  type GeinsNewRefund,
  type GeinsProcessedRefund,
  type GeinsRefundApproval,
  type GeinsRefundQuery,
} from '../src/index.js';
import {
  createGeinsSandbox,
  type GeinsPaymentInput,
  type GeinsSandbox,
  type GeinsSandboxOptions,
} from '../src/testing/index.js';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

type Credentials = GeinsSandbox['credentials'];
/** Connects to a sandbox and returns a client factory, so tests can also try wrong credentials. */
type Transport = (sandbox: GeinsSandbox) => Promise<(credentials: Credentials) => GeinsClient>;
const transports: [string, Transport][] = [
  [
    'in process',
    async (sandbox) => (credentials) => createGeinsClient({ ...credentials, fetch: sandbox.fetch }),
  ],
  [
    'over loopback HTTP',
    async (sandbox) => {
      const { url, close } = await sandbox.listen();
      closers.push(close);
      return (credentials) => createGeinsClient({ ...credentials, baseUrl: url });
    },
  ],
];

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const success = { Message: 'Success.', Details: null };
const unknownRefundId = '00000000-0000-4000-8000-000000000000';

function api(client: GeinsClient) {
  const decide = (orderId: number, refundId: string, body: GeinsRefundApproval) =>
    client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: { path: { orderId, refundId } },
      body,
    });
  return {
    decide,
    approve: (orderId: number, refundId: string, Approved: boolean) =>
      decide(orderId, refundId, { Approved, ApprovalDecidedBy: 'Anna Lindqvist' }),
    create: (orderId: number, body: GeinsNewRefund) =>
      client.POST('/API/Order/{orderId}/Refund', { params: { path: { orderId } }, body }),
    get: (orderId: number, refundId: string) =>
      client.GET('/API/Order/{orderId}/Refund/{refundId}', { params: { path: { orderId, refundId } } }),
    list: (orderId: number) =>
      client.GET('/API/Order/{orderId}/Refund/List', { params: { path: { orderId } } }),
    query: (body: GeinsRefundQuery) => client.POST('/API/Refund/Query', { body }),
    process: (
      orderId: number,
      refundId: string,
      body: GeinsProcessedRefund = { ExternalId: 're_sandbox_1' },
    ) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', {
        params: { path: { orderId, refundId } },
        body,
      }),
    settle: (orderId: number, refundId: string) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsSettled', {
        params: { path: { orderId, refundId } },
        body: {},
      }),
    settleRow: (orderId: number, refundId: string, refundRowId: number) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled', {
        params: { path: { orderId, refundId, refundRowId } },
        body: {},
      }),
    deleteRow: (orderId: number, refundId: string, refundRowId: number) =>
      client.DELETE('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}', {
        params: { path: { orderId, refundId, refundRowId } },
      }),
  };
}

describe.each(transports)('Geins sandbox %s', (_name, connect) => {
  async function setup(
    input: Partial<GeinsPaymentInput> = {},
    options?: GeinsSandboxOptions,
  ): Promise<{ sandbox: GeinsSandbox; geins: ReturnType<typeof api>; order: string; orderId: number }> {
    const sandbox = createGeinsSandbox(options);
    const clientWith = await connect(sandbox);
    const order = sandbox.createPayment({ amount: 10_000, currency: 'SEK', ...input });
    return { sandbox, geins: api(clientWith(sandbox.credentials)), order, orderId: Number(order) };
  }

  /** Creates a refund that must succeed and returns its id. */
  async function refund(
    geins: ReturnType<typeof api>,
    orderId: number,
    body: GeinsNewRefund,
  ): Promise<string> {
    const { data, response } = await geins.create(orderId, body);
    expect(response.status).toBe(200);
    return data!.Resource!;
  }

  it('refunds the whole order', async () => {
    const { sandbox, geins, order, orderId } = await setup({ amount: 49_900 });
    const { data, error, response } = await geins.create(orderId, { RefundAmount: 499, Reference: 'RMA-1' });
    expect([response.status, error]).toEqual([200, undefined]);
    expect(data).toEqual({ Resource: expect.stringMatching(uuid), ...success });
    expect(sandbox.refunds()).toEqual([
      {
        id: data?.Resource,
        payment: order,
        amount: 49_900,
        currency: 'SEK',
        status: 'sent',
        reference: 'RMA-1',
        createdAt: expect.any(String),
      },
    ]);
    const over = await geins.create(orderId, { RefundAmount: 0.01 });
    expect(over.response.status).toBe(400);
  });

  it('refunds in parts until the order is used up, then answers 400', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 10_000 });
    for (const RefundAmount of [30.25, 30.25, 39.5]) await refund(geins, orderId, { RefundAmount });
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([3025, 3025, 3950]);
    expect(sandbox.refunds().reduce((sum, entry) => sum + entry.amount, 0)).toBe(10_000);
    const { error, response } = await geins.create(orderId, { RefundAmount: 0.01 });
    expect(response.status).toBe(400);
    expect(error).toEqual({
      Resource: null,
      Message: 'Bad request.',
      Details: [`RefundAmount 0.01 exceeds the 0.00 SEK left to refund on order ${orderId}.`],
    });
  });

  it('refuses an over-refund and more decimals than the currency has, recording nothing', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 500 });
    const over = await geins.create(orderId, { RefundAmount: 5.01 });
    expect([over.response.status, over.error?.Details]).toEqual([
      400,
      [`RefundAmount 5.01 exceeds the 5.00 SEK left to refund on order ${orderId}.`],
    ]);
    const fractional = await geins.create(orderId, { RefundAmount: 1.005 });
    expect([fractional.response.status, fractional.error?.Details]).toEqual([
      400,
      ['RefundAmount 1.005 has more decimals than SEK allows (2).'],
    ]);
    const yen = await setup({ amount: 500, currency: 'JPY' });
    const yenFraction = await yen.geins.create(yen.orderId, { RefundAmount: 1.5 });
    expect(yenFraction.error?.Details).toEqual(['RefundAmount 1.5 has more decimals than JPY allows (0).']);
    expect(await refund(yen.geins, yen.orderId, { RefundAmount: 500 })).toMatch(uuid);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('answers unknown orders, refunds and rows with 404', async () => {
    const { sandbox, geins, orderId } = await setup();
    const other = Number(sandbox.createPayment({ amount: 100, currency: 'SEK' }));
    const created = await geins.create(1, { RefundAmount: 1 });
    expect([created.response.status, created.error]).toEqual([
      404,
      { Resource: null, Message: 'Not found.', Details: ['Order 1 was not found.'] },
    ]);
    const refundId = await refund(geins, orderId, { RefundAmount: 1 });
    const unknown = await geins.get(orderId, unknownRefundId);
    expect([unknown.response.status, unknown.error?.Message]).toEqual([404, 'Not found.']);
    const elsewhere = await geins.get(other, refundId);
    expect([elsewhere.response.status, elsewhere.error?.Details]).toEqual([
      404,
      [`Refund ${refundId} was not found on order ${other}.`],
    ]);
    expect((await geins.list(1)).response.status).toBe(404);
    expect((await geins.approve(other, refundId, true)).response.status).toBe(404);
    expect((await geins.settleRow(orderId, refundId, 1)).response.status).toBe(404);
    expect((await geins.deleteRow(orderId, refundId, 1)).response.status).toBe(404);
  });

  it('answers 401 unless both the API key and Basic auth match', async () => {
    const sandbox = createGeinsSandbox();
    const clientWith = await connect(sandbox);
    const orderId = Number(sandbox.createPayment({ amount: 1000, currency: 'SEK' }));
    for (const wrong of [
      { apiKey: 'wrong-key' },
      { password: 'wrong-password' },
      { username: 'someone-else' },
    ]) {
      const { error, response } = await api(clientWith({ ...sandbox.credentials, ...wrong })).create(
        orderId,
        {
          RefundAmount: 1,
        },
      );
      expect([response.status, error]).toEqual([401, { Message: 'Unauthorized' }]);
    }
    expect(sandbox.refunds()).toEqual([]);
    expect((await api(clientWith(sandbox.credentials)).list(orderId)).response.status).toBe(200);
  });

  it('rejects invalid bodies with 400 and the violations in Details', async () => {
    const { sandbox, geins, orderId } = await setup();
    const { error, response } = await geins.create(orderId, { RefundAmount: 0 });
    expect(response.status).toBe(400);
    expect(response.headers.get(violationHeader)).toBe('request body/RefundAmount must be > 0');
    expect(error).toEqual({
      Resource: null,
      Message: 'Bad request.',
      Details: ['request body/RefundAmount must be > 0'],
    });
    const query = await geins.query({ IncludeStatuses: [9 as 0] });
    expect(query.response.status).toBe(400);
    expect(query.response.headers.get(violationHeader)).toBe(
      'request body/IncludeStatuses/0 must be equal to one of the allowed values',
    );
    expect(query.error).toMatchObject({ Message: 'Bad request.' });
    expect(query.error).not.toHaveProperty('Resource');
    const tooBig = await geins.list(2 ** 31);
    expect([tooBig.response.status, tooBig.response.headers.get(violationHeader)]).toEqual([
      400,
      'path parameter "orderId" must match format "int32"',
    ]);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('holds a refund that requires approval until it is approved, then sends it', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 10_000 });
    const refundId = await refund(geins, orderId, { RefundAmount: 40, RefundsRequireApproval: true });
    const pending = (await geins.get(orderId, refundId)).data?.Resource;
    expect(pending).toMatchObject({ RequiresApproval: true, Approved: null, Sent: false, SentOn: null });
    expect(sandbox.refunds()).toMatchObject([{ id: refundId, status: 'pending_approval', amount: 4000 }]);
    const waiting = await geins.process(orderId, refundId);
    expect([waiting.response.status, waiting.error?.Details]).toEqual([
      400,
      ['The refund is awaiting approval.'],
    ]);

    const undecided = await geins.decide(orderId, refundId, {});
    expect(undecided.error?.Details).toEqual(['Approved must be true or false.']);
    const approved = await geins.approve(orderId, refundId, true);
    expect([approved.response.status, approved.data]).toEqual([200, success]);
    const sent = (await geins.get(orderId, refundId)).data?.Resource;
    expect(sent).toMatchObject({
      RequiresApproval: true,
      Approved: true,
      ApprovalDecidedBy: 'Anna Lindqvist',
      ApprovalDecidedOn: expect.any(String),
      Sent: true,
      SentOn: expect.any(String),
    });
    expect(sandbox.refunds()).toMatchObject([{ id: refundId, status: 'sent' }]);
    const again = await geins.approve(orderId, refundId, false);
    expect([again.response.status, again.error?.Details]).toEqual([400, ['The refund is already approved.']]);
  });

  it('denies a pending refund and gives its amount back to the order', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 10_000 });
    const refundId = await refund(geins, orderId, { RefundAmount: 60, RefundsRequireApproval: true });
    // A pending refund holds its amount: only 40.00 is left.
    expect((await geins.create(orderId, { RefundAmount: 50 })).response.status).toBe(400);
    expect((await geins.approve(orderId, refundId, false)).response.status).toBe(200);
    expect((await geins.get(orderId, refundId)).data?.Resource).toMatchObject({
      Approved: false,
      Sent: false,
    });
    expect(sandbox.refunds()).toMatchObject([{ id: refundId, status: 'denied', amount: 6000 }]);
    expect((await geins.settle(orderId, refundId)).error?.Details).toEqual(['The refund was denied.']);
    await refund(geins, orderId, { RefundAmount: 100 });
    const plain = await refund(geins, orderId, { RefundAmount: 0.01 }).catch(() => undefined);
    expect(plain).toBeUndefined();
    const otherOrder = Number(sandbox.createPayment({ amount: 100, currency: 'SEK' }));
    const unapproved = await refund(geins, otherOrder, { RefundAmount: 1 });
    const noApproval = await geins.approve(otherOrder, unapproved, true);
    expect(noApproval.error?.Details).toEqual(['The refund does not require approval.']);
  });

  it('marks a refund created with Settled as settled at once, without sending it or asking approval', async () => {
    const { sandbox, geins, orderId } = await setup();
    const refundId = await refund(geins, orderId, {
      RefundAmount: 49,
      RefundType: 2,
      Settled: true,
      RefundsRequireApproval: true,
    });
    const settled = (await geins.get(orderId, refundId)).data?.Resource;
    expect(settled).toMatchObject({
      RequiresApproval: false,
      Approved: null,
      Sent: false,
      SentOn: null,
      Processed: false,
      RefundedShippingFee: 49,
      RefundedTotal: 49,
      RefundRows: [{ RefundAmount: 49, RefundType: 2, Settled: true, SettledOn: settled?.CreatedOn }],
    });
    expect(sandbox.refunds()).toMatchObject([{ id: refundId, status: 'settled' }]);
  });

  it('processes a refund (settling its rows), settles a refund, and settles a single row', async () => {
    const { sandbox, geins, orderId } = await setup();
    const [processedId, settledId, rowId] = [
      await refund(geins, orderId, { RefundAmount: 10 }),
      await refund(geins, orderId, { RefundAmount: 20 }),
      await refund(geins, orderId, { RefundAmount: 30 }),
    ];
    expect((await geins.process(orderId, processedId)).data).toEqual(success);
    expect((await geins.get(orderId, processedId)).data?.Resource).toMatchObject({
      Processed: true,
      ProcessedOn: expect.any(String),
      ExternalId: 're_sandbox_1',
      RefundRows: [{ Settled: true, SettledOn: expect.any(String) }],
    });
    expect((await geins.settle(orderId, settledId)).data).toEqual(success);
    expect((await geins.get(orderId, settledId)).data?.Resource).toMatchObject({
      Processed: false,
      RefundRows: [{ Settled: true }],
    });
    const row = (await geins.get(orderId, rowId)).data!.Resource!.RefundRows![0]!;
    expect(row.Settled).toBe(false);
    expect((await geins.settleRow(orderId, rowId, row.RefundRowId)).data).toEqual(success);
    expect((await geins.get(orderId, rowId)).data?.Resource?.RefundRows).toMatchObject([{ Settled: true }]);
    expect(sandbox.refunds().map((entry) => entry.status)).toEqual(['processed', 'settled', 'settled']);
  });

  it("keeps the refund's own Reference when it is processed with a Reference of the processing", async () => {
    const { geins, orderId } = await setup();
    const refundId = await refund(geins, orderId, { RefundAmount: 10, Reference: 'rk_reference' });
    const processed = await geins.process(orderId, refundId, {
      ExternalId: 're_123',
      Reference: 'payout-42',
    });
    expect(processed.data).toEqual(success);
    expect((await geins.get(orderId, refundId)).data?.Resource).toMatchObject({
      Reference: 'rk_reference',
      ExternalId: 're_123',
      Processed: true,
    });
  });

  it('deletes an unsettled row, giving its amount back, and refuses once the row is settled', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 10_000 });
    const refundId = await refund(geins, orderId, { RefundAmount: 100 });
    const rowId = (await geins.get(orderId, refundId)).data!.Resource!.RefundRows![0]!.RefundRowId;
    const deleted = await geins.deleteRow(orderId, refundId, rowId);
    expect([deleted.response.status, deleted.data]).toEqual([200, success]);
    expect((await geins.get(orderId, refundId)).data?.Resource).toMatchObject({
      RefundRows: [],
      RefundedTotal: 0,
    });
    expect(sandbox.refunds()).toMatchObject([{ id: refundId, amount: 0 }]);

    const second = await refund(geins, orderId, { RefundAmount: 100 });
    const secondRow = (await geins.get(orderId, second)).data!.Resource!.RefundRows![0]!.RefundRowId;
    expect((await geins.settleRow(orderId, second, secondRow)).response.status).toBe(200);
    const refused = await geins.deleteRow(orderId, second, secondRow);
    expect([refused.response.status, refused.error]).toEqual([
      400,
      { Message: 'Bad request.', Details: ['The refund row is already settled.'] },
    ]);
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([0, 10_000]);
  });

  it('queries refunds across orders by derived status and by date', async () => {
    let clock = Date.UTC(2026, 2, 1);
    const { sandbox, geins, orderId } = await setup({ amount: 100_000 }, { now: () => clock });
    const otherOrder = Number(sandbox.createPayment({ amount: 10_000, currency: 'EUR' }));
    const sent = await refund(geins, orderId, { RefundAmount: 10 });
    clock += 60_000;
    const pending = await refund(geins, orderId, { RefundAmount: 10, RefundsRequireApproval: true });
    const approved = await refund(geins, otherOrder, { RefundAmount: 10, RefundsRequireApproval: true });
    const manual = await refund(geins, otherOrder, { RefundAmount: 10, Settled: true });
    clock += 60_000;
    await geins.approve(otherOrder, approved, true);
    const processed = await refund(geins, orderId, { RefundAmount: 10 });
    await geins.process(orderId, processed);

    const ids = async (body: GeinsRefundQuery) =>
      (await geins.query(body)).data?.Resource?.map((found) => found.RefundId);
    expect(await ids({})).toEqual([sent, pending, approved, manual, processed]);
    expect(await ids({ IncludeStatuses: [0] })).toHaveLength(5);
    expect(await ids({ IncludeStatuses: [6] })).toEqual([pending]);
    expect(await ids({ IncludeStatuses: [7] })).toEqual([approved]);
    expect(await ids({ IncludeStatuses: [1] })).toEqual([sent, approved, processed]);
    expect(await ids({ IncludeStatuses: [2] })).toEqual([processed]);
    expect(await ids({ IncludeStatuses: [3] })).toEqual([manual]);
    expect(await ids({ IncludeStatuses: [4, 6] })).toEqual([pending, processed]);
    expect(await ids({ ExcludeStatuses: [0, 2, 3] })).toEqual([sent, pending, approved]);
    expect(await ids({ IncludeStatuses: [1], ExcludeStatuses: [4] })).toEqual([sent, approved]);
    const march = (minute: number) => new Date(Date.UTC(2026, 2, 1) + minute * 60_000).toISOString();
    expect(await ids({ CreatedAfter: march(0.5) })).toEqual([pending, approved, manual, processed]);
    expect(await ids({ CreatedBefore: march(0.5) })).toEqual([sent]);
    expect(await ids({ ApprovedAfter: march(1.5) })).toEqual([approved]);
    expect(await ids({ UpdatedAfter: march(1.5) })).toEqual([approved, processed]);
    expect(await ids({ UpdatedBefore: march(1.5) })).toEqual([sent, pending, manual]);
  });

  it('retrieves and lists what create made, with the order row a refund targets', async () => {
    const { sandbox, geins, order, orderId } = await setup({
      amount: 54_800,
      rows: [
        { OrderRowId: 55_812, Name: 'Merino Crew Neck', Price: 49_900 },
        { Name: 'Shipping', Price: 4900 },
      ],
    });
    const first = await refund(geins, orderId, {
      OrderRowId: 55_812,
      RefundAmount: 499,
      Reference: 'RMA-2024-0192',
      Description: 'Damaged on arrival',
      Author: 'Anna Lindqvist',
      ToBalance: true,
    });
    const second = await refund(geins, orderId, { RefundAmount: 49, RefundType: 2 });
    const otherOrder = Number(sandbox.createPayment({ amount: 100, currency: 'SEK' }));
    await refund(geins, otherOrder, { RefundAmount: 1 });
    const unknownRow = await geins.create(orderId, { OrderRowId: 1, RefundAmount: 1 });
    expect(unknownRow.error?.Details).toEqual([`OrderRowId 1 is not a row of order ${orderId}.`]);

    const { data } = await geins.get(orderId, first);
    expect(data).toMatchObject(success);
    expect(data?.Resource).toMatchObject({
      RefundId: first,
      OrderId: orderId,
      Reference: 'RMA-2024-0192',
      Description: 'Damaged on arrival',
      Author: 'Anna Lindqvist',
      Currency: 'SEK',
      OrderSum: 548,
      RequiresApproval: false,
      Sent: true,
      Processed: false,
      RefundedItemTotal: 499,
      // "Refunded from the balance" (Geins v1.14.0): the order paid nothing with a balance, whatever
      // the row's ToBalance.
      RefundedBalance: 0,
      RefundedTotal: 499,
      RefundRows: [
        { OrderId: orderId, OrderRowId: 55_812, RefundAmount: 499, ToBalance: true, RefundType: 0 },
      ],
      Rows: [{ OrderRowId: 55_812, Name: 'Merino Crew Neck', Price: 499 }],
    });
    const list = await geins.list(orderId);
    expect(list.data?.Resource?.map((found) => found.RefundId)).toEqual([first, second]);
    expect(list.data?.Resource?.[0]).toEqual(data?.Resource);
    expect(sandbox.refunds().filter((entry) => entry.payment === order)).toHaveLength(2);
  });

  it('injects every fault kind', async () => {
    const { sandbox, geins, orderId } = await setup({ amount: 10_000 });
    const create = () => geins.create(orderId, { RefundAmount: 1 });
    for (const [kind, status] of [
      ['http-500', 500],
      ['http-503', 503],
      ['http-429', 429],
    ] as const) {
      sandbox.faults.inject({ kind, match: { operationId: 'createRefund' }, retryAfter: 2 });
      const { response, error } = await create();
      expect(response.status).toBe(status);
      expect(error).toMatchObject({ Message: expect.any(String), Details: null });
      if (kind === 'http-429') expect(response.headers.get('retry-after')).toBe('2');
    }
    expect(sandbox.refunds()).toEqual([]);
    sandbox.faults.inject({ kind: 'delay', ms: 30 });
    const started = performance.now();
    expect((await create()).response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    sandbox.faults.inject({ kind: 'reset' });
    await expect(create()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);
    sandbox.faults.inject({ kind: 'drop-after-commit' });
    await expect(create()).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(2);
    // The lost response's refund is there: the order has 98.00 SEK left.
    expect((await geins.create(orderId, { RefundAmount: 98.01 })).response.status).toBe(400);
  });
});

describe('Geins sandbox options', () => {
  it('is deterministic with seed and now', async () => {
    const run = async () => {
      const sandbox = createGeinsSandbox({ seed: 42, now: Date.UTC(2026, 10, 22) });
      const geins = api(createGeinsClient({ ...sandbox.credentials, fetch: sandbox.fetch }));
      const order = sandbox.createPayment({ amount: 1000, currency: 'SEK' });
      const { data } = await geins.create(Number(order), { RefundAmount: 10 });
      const refund = await geins.get(Number(order), data!.Resource!);
      return { credentials: sandbox.credentials, order, refund: refund.data, ledger: sandbox.refunds() };
    };
    const [a, b] = [await run(), await run()];
    expect(a).toEqual(b);
    expect(a.refund?.Resource?.CreatedOn).toBe('2026-11-22T00:00:00.000Z');
    expect(a.ledger[0]?.createdAt).toBe('2026-11-22T00:00:00.000Z');
  });

  it('refuses orders Geins cannot have', () => {
    const sandbox = createGeinsSandbox();
    expect(() => sandbox.createPayment({ amount: 10.5, currency: 'SEK' })).toThrow(TypeError);
    expect(() => sandbox.createPayment({ amount: 0, currency: 'SEK' })).toThrow(TypeError);
    expect(() => sandbox.createPayment({ amount: 100, currency: 'XYZ' })).toThrow('not an ISO 4217 currency');
    expect(() => sandbox.createPayment({ amount: 100, currency: 'SEK', rows: [{ Price: 99 }] })).toThrow(
      'must add up to "amount"',
    );
    expect(() => sandbox.createPayment({ amount: 100, currency: 'SEK', rows: [] })).toThrow(TypeError);
    expect(() =>
      sandbox.createPayment({ amount: 100, currency: 'SEK', rows: [{ OrderRowId: -1, Price: 100 }] }),
    ).toThrow('positive int32');
    expect(sandbox.createPayment({ amount: 100, currency: 'SEK' })).toMatch(/^[1-9]\d{5}$/);
  });

  it('catches its own response breaking the spec (a clock past year 9999)', async () => {
    const sandbox = createGeinsSandbox({ now: Date.UTC(10_000, 0, 1) });
    const geins = api(createGeinsClient({ ...sandbox.credentials, fetch: sandbox.fetch }));
    const orderId = Number(sandbox.createPayment({ amount: 1000, currency: 'SEK' }));
    const { data } = await geins.create(orderId, { RefundAmount: 10 });
    const failure = await geins.get(orderId, data!.Resource!).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(SandboxResponseError);
    expect((failure as SandboxResponseError).violations).toContain(
      'response 200 body/Resource/CreatedOn must match format "date-time"',
    );
  });
});
