import { RefundError } from '@refundkit/core';
import { describe, expect, it } from 'vitest';
import { adapterCall, urlBreakingIds } from '../../../test/support/adapter-call.js';
import { smartpay, smartpayCapabilities } from '../src/index.js';
import { createSmartpaySandbox } from '../src/testing/index.js';

function setup() {
  const sandbox = createSmartpaySandbox();
  const adapter = smartpay({ ...sandbox.credentials, fetch: sandbox.fetch });
  const call = () => adapterCall(adapter.fetch);
  const payment = sandbox.createPayment({ amount: 8000, currency: 'JPY' });
  const input = { payment, reason: undefined, metadata: undefined, idempotencyKey: crypto.randomUUID() };
  return { sandbox, adapter, call, payment, input };
}

describe('smartpay adapter', () => {
  it('creates partial and full refunds with the reference and idempotency key', async () => {
    const { adapter, call, payment, input } = setup();
    const partial = await adapter.create(
      { ...input, amount: { value: 3000, currency: 'JPY' }, reference: 'rma-1', metadata: { ticket: '9' } },
      call(),
    );
    expect(partial).toMatchObject({
      provider: 'smartpay',
      payment,
      status: 'succeeded',
      amount: { value: 3000, currency: 'JPY' },
      reference: 'rma-1',
    });
    expect(partial.raw).toMatchObject({ reason: 'requested_by_customer', metadata: { ticket: '9' } });
    const rest = await adapter.create(
      { ...input, idempotencyKey: crypto.randomUUID(), amount: undefined, reference: 'rma-2' },
      call(),
    );
    expect(rest.amount.value).toBe(5000);
  });

  it('retrieves and lists the refunds of one payment', async () => {
    const { sandbox, adapter, call, payment, input } = setup();
    const other = sandbox.createPayment({ amount: 100, currency: 'JPY' });
    const mine = await adapter.create(
      { ...input, amount: { value: 10, currency: 'JPY' }, reference: 'a' },
      call(),
    );
    await adapter.create(
      { ...input, idempotencyKey: 'k2', payment: other, amount: undefined, reference: 'b' },
      call(),
    );
    await expect(adapter.retrieve({ id: mine.id }, call())).resolves.toEqual(mine);
    await expect(adapter.list({ payment }, call())).resolves.toEqual([mine]);
  });

  it.each([
    [
      'an over-refund',
      { amount: { value: 9000, currency: 'JPY' } },
      'insufficient_funds',
      403,
      'amount.insufficient',
    ],
    ['an unknown payment', { payment: 'payment_test_nope' }, 'not_found', 404, 'payment.not-found'],
  ])('maps %s', async (_name, change, code, status, providerCode) => {
    const { adapter, call, input } = setup();
    const error = await adapter
      .create({ ...input, amount: undefined, reference: 'x', ...change }, call())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code, status, providerCode, provider: 'smartpay', retryable: false });
  });

  it('maps a reused idempotency key to conflict and bad credentials to authentication', async () => {
    const { sandbox, adapter, call, input } = setup();
    await adapter.create({ ...input, amount: { value: 1, currency: 'JPY' }, reference: 'x' }, call());
    await expect(
      adapter.create({ ...input, amount: { value: 2, currency: 'JPY' }, reference: 'x' }, call()),
    ).rejects.toMatchObject({
      code: 'conflict',
      status: 409,
    });
    const intruder = smartpay({ secretKey: 'sk_test_wrong1', fetch: sandbox.fetch });
    await expect(intruder.retrieve({ id: 'refund_test_1' }, call())).rejects.toMatchObject({
      code: 'authentication',
      status: 401,
    });
  });

  it('describes malformed payment ids and declares its capabilities', () => {
    const { adapter } = setup();
    expect(adapter.checkPayment('payment_live_ABC123')).toBeUndefined();
    expect(adapter.checkPayment('pi_123')).toBe('must look like payment_test_… or payment_live_…');
    expect(adapter.checkRefundId('refund_test_5cyuNKXxPDfZ6bqKs7kDaX')).toBeUndefined();
    for (const bad of [...urlBreakingIds, 're_123', 'refund_test_', 'refund_test_a/b']) {
      expect(adapter.checkRefundId(bad)).toBe('must look like refund_test_… or refund_live_…');
    }
    expect(adapter.capabilities).toBe(smartpayCapabilities);
    expect(adapter.secrets()).toEqual([expect.stringMatching(/^sk_test_/)]);
  });
});
