import { type AdapterCreateInput, RefundError } from '@refundkit/core';
import { describe, expect, it } from 'vitest';
import { adapterCall, urlBreakingIds } from '../../../test/support/adapter-call.js';
import { createGeinsClient, type GeinsRefund, geins, geinsCapabilities } from '../src/index.js';
import { createGeinsSandbox, type GeinsPaymentInput } from '../src/testing/index.js';

function setup(payment: GeinsPaymentInput = { amount: 50_000, currency: 'SEK' }, extra = {}) {
  const sandbox = createGeinsSandbox();
  const sent: { method: string; path: string; body: unknown }[] = [];
  // Records what the adapter sends, then lets the sandbox answer.
  const fetch = async (request: Request) => {
    const text = await request.clone().text();
    sent.push({
      method: request.method,
      path: new URL(request.url).pathname,
      body: text ? JSON.parse(text) : undefined,
    });
    return sandbox.fetch(request);
  };
  const adapter = geins({ ...sandbox.credentials, fetch, ...extra });
  const call = () => adapterCall(fetch);
  const order = sandbox.createPayment(payment);
  const client = createGeinsClient({ ...sandbox.credentials, fetch: sandbox.fetch });
  const input = (change: Partial<AdapterCreateInput> = {}): AdapterCreateInput => ({
    payment: order,
    amount: { value: 10_000, currency: payment.currency },
    reason: undefined,
    reference: `ref-${crypto.randomUUID()}`,
    metadata: undefined,
    idempotencyKey: crypto.randomUUID(),
    ...change,
  });
  return { sandbox, adapter, call, order, client, input, sent };
}

/** Geins' refund state changes, made the way a merchant's back office would. */
function backOffice(client: ReturnType<typeof createGeinsClient>, order: string) {
  const path = (refundId: string) => ({ path: { orderId: Number(order), refundId } });
  return {
    decide: (refundId: string, Approved: boolean) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
        params: path(refundId),
        body: { Approved, ApprovalDecidedBy: 'Anna Lindqvist' },
      }),
    process: (refundId: string) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', {
        params: path(refundId),
        body: {},
      }),
    settle: (refundId: string) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsSettled', {
        params: path(refundId),
        body: {},
      }),
    settleRow: (refundId: string, refundRowId: number) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled', {
        params: { path: { ...path(refundId).path, refundRowId } },
        body: {},
      }),
  };
}

/** A fetch that answers every request with one JSON body. */
function answering(body: unknown, status = 200) {
  return async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

const credentials = { apiKey: 'k3y', username: 'api-user', password: 'pw' };

describe('geins adapter', () => {
  it('creates partial refunds and a refund of the rest, with reference, reason and author', async () => {
    const { adapter, call, order, input, sandbox, sent } = setup();
    const partial = await adapter.create(
      input({ amount: { value: 12_345, currency: 'SEK' }, reason: 'duplicate', reference: 'RMA-1' }),
      call(),
    );
    expect(partial).toMatchObject({
      provider: 'geins',
      payment: order,
      status: 'pending',
      amount: { value: 12_345, currency: 'SEK' },
      reference: 'RMA-1',
    });
    expect(partial.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(partial.raw).toMatchObject({
      RefundId: partial.id,
      Description: 'duplicate',
      Author: 'refundkit',
    });
    expect(sent[0]).toEqual({
      method: 'POST',
      path: `/API/Order/${order}/Refund`,
      body: { RefundAmount: 123.45, Reference: 'RMA-1', Description: 'duplicate', Author: 'refundkit' },
    });
    expect(sent[1]).toMatchObject({ method: 'GET', path: `/API/Order/${order}/Refund/${partial.id}` });
    const rest = await adapter.create(input({ amount: { value: 37_655, currency: 'SEK' } }), call());
    expect(rest.amount).toEqual({ value: 37_655, currency: 'SEK' });
    expect(sent[2]?.body).not.toHaveProperty('Description');
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([12_345, 37_655]);
  });

  it('writes the configured author and asks for approval only when configured to', async () => {
    const { adapter, call, input, sent } = setup(undefined, { requireApproval: true, author: 'Support bot' });
    const refund = await adapter.create(input(), call());
    expect(sent[0]?.body).toMatchObject({ Author: 'Support bot', RefundsRequireApproval: true });
    expect(refund.status).toBe('requires_approval');
    expect(() => geins({ ...credentials, author: 7 as never })).toThrow(TypeError);
  });

  it('retrieves a refund by order and id, and lists only the refunds of one order', async () => {
    const { sandbox, adapter, call, order, input } = setup();
    const other = sandbox.createPayment({ amount: 1000, currency: 'SEK' });
    const mine = await adapter.create(input({ reference: 'a' }), call());
    await adapter.create(
      input({ payment: other, amount: { value: 500, currency: 'SEK' }, reference: 'b' }),
      call(),
    );
    await expect(adapter.retrieve({ id: mine.id, payment: order }, call())).resolves.toEqual(mine);
    await expect(adapter.list({ payment: order }, call())).resolves.toEqual([mine]);
    const empty = sandbox.createPayment({ amount: 1000, currency: 'SEK' });
    await expect(adapter.list({ payment: empty }, call())).resolves.toEqual([]);
  });

  it('needs the order id to retrieve a refund, and says so before any request', async () => {
    const { adapter, call, sent } = setup();
    const error = await adapter
      .retrieve({ id: '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90' }, call())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'invalid_request',
      field: 'payment',
      provider: 'geins',
      message: 'payment: Geins needs the order id to retrieve a refund',
    });
    await expect(adapter.retrieve({ id: 'x', payment: 'order-1' }, call())).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'payment',
    });
    expect(sent).toEqual([]);
  });

  describe('status mapping', () => {
    it('approval flow: requires_approval → approved (sent) pending → processed succeeded', async () => {
      const { adapter, call, order, input, client, sandbox } = setup(undefined, { requireApproval: true });
      const office = backOffice(client, order);
      const refund = await adapter.create(input({ amount: { value: 20_000, currency: 'SEK' } }), call());
      expect(refund.status).toBe('requires_approval');
      expect(refund.raw).toMatchObject({ RequiresApproval: true, Approved: null, Sent: false });
      expect((await office.decide(refund.id, true)).response.status).toBe(200);
      const approved = await adapter.retrieve({ id: refund.id, payment: order }, call());
      expect(approved.status).toBe('pending');
      expect(approved.raw).toMatchObject({ Approved: true, Sent: true, Processed: false });
      expect((await office.process(refund.id)).response.status).toBe(200);
      const processed = await adapter.retrieve({ id: refund.id, payment: order }, call());
      expect(processed).toMatchObject({ status: 'succeeded', amount: { value: 20_000, currency: 'SEK' } });
      expect(sandbox.refunds()).toMatchObject([{ id: refund.id, status: 'processed' }]);
    });

    it('a denied refund is failed, and its amount is refundable again', async () => {
      const { adapter, call, order, input, client } = setup(
        { amount: 1000, currency: 'SEK' },
        { requireApproval: true },
      );
      const refund = await adapter.create(input({ amount: { value: 1000, currency: 'SEK' } }), call());
      await backOffice(client, order).decide(refund.id, false);
      const denied = await adapter.retrieve({ id: refund.id, payment: order }, call());
      expect(denied.status).toBe('failed');
      expect(denied.raw).toMatchObject({ Approved: false });
      const again = await adapter.create(input({ amount: { value: 1000, currency: 'SEK' } }), call());
      await expect(adapter.list({ payment: order }, call())).resolves.toMatchObject([
        { id: refund.id, status: 'failed' },
        { id: again.id, status: 'requires_approval' },
      ]);
    });

    it('sent without approval is pending; settled (refund, every row, or at creation) is succeeded', async () => {
      const { adapter, call, order, input, client } = setup();
      const office = backOffice(client, order);
      const byRefund = await adapter.create(input(), call());
      expect(byRefund.status).toBe('pending');
      await office.settle(byRefund.id);
      await expect(adapter.retrieve({ id: byRefund.id, payment: order }, call())).resolves.toMatchObject({
        status: 'succeeded',
      });
      const byRow = await adapter.create(input(), call());
      const [row] = (byRow.raw as GeinsRefund).RefundRows ?? [];
      await office.settleRow(byRow.id, row!.RefundRowId);
      await expect(adapter.retrieve({ id: byRow.id, payment: order }, call())).resolves.toMatchObject({
        status: 'succeeded',
      });
      const { data } = await client.POST('/API/Order/{orderId}/Refund', {
        params: { path: { orderId: Number(order) } },
        body: { RefundAmount: 1, Settled: true, Reference: 'retro' },
      });
      await expect(adapter.retrieve({ id: data!.Resource!, payment: order }, call())).resolves.toMatchObject({
        status: 'succeeded',
        reference: 'retro',
        amount: { value: 100, currency: 'SEK' },
      });
    });
  });

  describe('money', () => {
    it.each([
      ['SEK', 2, 1005, 10.05],
      ['SEK', 2, 1, 0.01],
      ['JPY', 0, 1505, 1505],
      ['KWD', 3, 12_345, 12.345],
      ['KWD', 3, 5, 0.005],
    ])(
      'sends and reads %s (exponent %i) %i minor units exactly as %d',
      async (currency, _exponent, value, decimal) => {
        const { adapter, call, input, sent, sandbox } = setup({ amount: 1_000_000, currency });
        const refund = await adapter.create(input({ amount: { value, currency } }), call());
        expect(sent[0]?.body).toMatchObject({ RefundAmount: decimal });
        expect(refund.amount).toEqual({ value, currency });
        expect(sandbox.refunds()[0]?.amount).toBe(value);
      },
    );

    it('sums refund rows in integer minor units, never in floats', async () => {
      const refund = {
        RefundId: '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90',
        OrderId: 1042,
        Currency: 'SEK',
        CreatedOn: '2026-01-02T03:04:05Z',
        RequiresApproval: false,
        Sent: true,
        Processed: false,
        RefundedTotal: 0.3,
        RefundRows: [0.1, 0.2].map((RefundAmount, index) => ({
          RefundRowId: index + 1,
          OrderId: 1042,
          RefundAmount,
          Settled: true,
          CreatedOn: '2026-01-02T03:04:05Z',
          RefundType: 0,
        })),
      };
      const adapter = geins({ ...credentials, fetch: answering({ Resource: refund, Message: 'Success.' }) });
      const call = adapterCall(adapter.fetch);
      await expect(adapter.retrieve({ id: refund.RefundId, payment: '1042' }, call)).resolves.toEqual({
        provider: 'geins',
        id: refund.RefundId,
        payment: '1042',
        status: 'succeeded',
        amount: { value: 30, currency: 'SEK' },
        reference: undefined,
        createdAt: '2026-01-02T03:04:05Z',
        raw: refund,
      });
      const inexact = { ...refund, RefundRows: [{ ...refund.RefundRows[0]!, RefundAmount: 0.105 }] };
      const broken = geins({
        ...credentials,
        fetch: answering({ Resource: [inexact], Message: 'Success.' }),
      });
      const brokenCall = adapterCall(broken.fetch);
      await expect(broken.list({ payment: '1042' }, brokenCall)).rejects.toMatchObject({
        code: 'provider_error',
        retryable: false,
      });
      const notAList = geins({ ...credentials, fetch: answering({ Resource: refund, Message: 'Success.' }) });
      await expect(notAList.list({ payment: '1042' }, adapterCall(notAList.fetch))).rejects.toMatchObject({
        code: 'provider_error',
        retryable: false,
      });
    });
  });

  describe('errors', () => {
    it('maps an over-refund to insufficient_funds', async () => {
      const { adapter, call, input } = setup({ amount: 1000, currency: 'SEK' });
      await adapter.create(input({ amount: { value: 600, currency: 'SEK' } }), call());
      const error = await adapter
        .create(input({ amount: { value: 401, currency: 'SEK' } }), call())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({
        code: 'insufficient_funds',
        status: 400,
        providerCode: 'Bad request.',
        provider: 'geins',
        retryable: false,
      });
      expect((error as RefundError).message).toContain('exceeds the 4.00 SEK left to refund');
    });

    it('maps other 400s to invalid_request', async () => {
      // 15.05 on a JPY order: more decimals than the order's currency has.
      const { adapter, call, input } = setup({ amount: 5000, currency: 'JPY' });
      await expect(
        adapter.create(input({ amount: { value: 1505, currency: 'SEK' } }), call()),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        status: 400,
        providerCode: 'Bad request.',
        retryable: false,
      });
      await expect(
        adapter.retrieve({ id: 'not-a-uuid', payment: input().payment }, call()),
      ).rejects.toMatchObject({
        code: 'invalid_request',
        status: 400,
      });
    });

    it('maps an unknown order or refund to not_found', async () => {
      const { adapter, call, input, order } = setup();
      await expect(adapter.create(input({ payment: '999999999' }), call())).rejects.toMatchObject({
        code: 'not_found',
        status: 404,
        providerCode: 'Not found.',
        retryable: false,
      });
      await expect(adapter.list({ payment: '999999999' }, call())).rejects.toMatchObject({
        code: 'not_found',
        status: 404,
      });
      await expect(
        adapter.retrieve({ id: '00000000-0000-4000-8000-000000000000', payment: order }, call()),
      ).rejects.toMatchObject({ code: 'not_found', status: 404, providerCode: 'Not found.' });
    });

    it('maps bad credentials to authentication', async () => {
      const { sandbox, call, order } = setup();
      for (const wrong of [{ apiKey: 'wrong' }, { password: 'wrong' }]) {
        const intruder = geins({ ...sandbox.credentials, ...wrong, fetch: sandbox.fetch });
        await expect(intruder.list({ payment: order }, call())).rejects.toMatchObject({
          code: 'authentication',
          status: 401,
          providerCode: 'Unauthorized',
          retryable: false,
        });
      }
    });

    it('maps 5xx to a retryable provider_error and 429 to rate_limited with its Retry-After', async () => {
      const { sandbox, adapter, call, input } = setup();
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'createRefund' } });
      await expect(adapter.create(input(), call())).rejects.toMatchObject({
        code: 'provider_error',
        status: 500,
        providerCode: 'A database error occured.',
        retryable: true,
      });
      sandbox.faults.inject({ kind: 'http-429', retryAfter: 2, match: { operationId: 'createRefund' } });
      await expect(adapter.create(input(), call())).rejects.toMatchObject({
        code: 'rate_limited',
        status: 429,
        retryable: true,
        retryAfterMs: 2000,
      });
      expect(sandbox.refunds()).toEqual([]);
    });

    it('never reports a made refund as a plain failure when reading it back fails', async () => {
      const { sandbox, adapter, call, input, order } = setup();
      sandbox.faults.inject({ kind: 'http-500', match: { operationId: 'retrieveRefund' } });
      const error = await adapter
        .create(input({ reference: 'made' }), call())
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RefundError);
      expect(error).toMatchObject({ code: 'provider_error', retryable: true, status: undefined });
      // The refund exists and list finds it by its reference, which is what the facade does next.
      expect(sandbox.refunds()).toHaveLength(1);
      await expect(adapter.list({ payment: order }, call())).resolves.toMatchObject([{ reference: 'made' }]);

      const blank = geins({
        ...credentials,
        fetch: answering({ Resource: null, Message: 'Success.', Details: null }),
      });
      await expect(blank.create(input({ payment: '1042' }), adapterCall(blank.fetch))).rejects.toMatchObject({
        code: 'provider_error',
        retryable: true,
        status: undefined,
      });
    });
  });

  it('describes malformed order ids and declares its capabilities and secrets', () => {
    const { adapter, sandbox } = setup();
    for (const valid of ['1', '104215', '2147483647']) expect(adapter.checkPayment(valid)).toBeUndefined();
    for (const invalid of [
      '0',
      '-1',
      '01',
      '1.5',
      '1e3',
      ' 12',
      'abc',
      '2147483648',
      '99999999999999999999',
    ]) {
      expect(adapter.checkPayment(invalid)).toBe('must be a Geins order id (a positive whole number)');
    }
    for (const valid of ['3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90', '3F0B6C2E-8D4A-4B7E-9C1F-2A5D6E7F8A90']) {
      expect(adapter.checkRefundId(valid)).toBeUndefined();
    }
    for (const bad of [...urlBreakingIds, '4312', '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a9']) {
      expect(adapter.checkRefundId(bad)).toBe('must be a Geins refund id (a UUID)');
    }
    expect(adapter.capabilities).toBe(geinsCapabilities);
    expect(geinsCapabilities).toEqual({
      partialRefunds: true,
      fullRefundWithoutAmount: false,
      idempotencyKeys: false,
      reasons: ['requested_by_customer', 'fraudulent', 'duplicate', 'other'],
      metadata: null,
      referenceMaxLength: 100,
      currencies: 'any',
      approvalFlow: true,
    });
    const { apiKey, username, password } = sandbox.credentials;
    expect(adapter.secrets()).toEqual([apiKey, password, username, btoa(`${username}:${password}`)]);
  });
});
