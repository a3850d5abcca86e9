import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import { describe, expect, it, vi } from 'vitest';
import { createRefunds, RefundError, type RefundEvent, smartpay } from '../src/index.js';

function setup(amount = 10_000) {
  const sandbox = createSmartpaySandbox();
  const events: RefundEvent[] = [];
  const refunds = createRefunds({
    providers: { smartpay: smartpay({ ...sandbox.credentials, fetch: sandbox.fetch }) },
    retryDelayMs: 1,
    hooks: {
      onRequest: (event) => events.push(event),
      onRetry: (event) => events.push(event),
    },
  });
  const payment = sandbox.createPayment({ amount, currency: 'JPY' });
  return { sandbox, refunds, payment, events };
}

describe('refundkit over the Smartpay sandbox', () => {
  it('creates a partial refund and returns the common model', async () => {
    const { refunds, payment, sandbox } = setup();
    const refund = await refunds.create({
      provider: 'smartpay',
      payment,
      amount: { value: 1500, currency: 'JPY' },
      reason: 'requested_by_customer',
      reference: 'rma-1042',
    });
    expect(refund).toMatchObject({
      provider: 'smartpay',
      payment,
      status: 'succeeded',
      amount: { value: 1500, currency: 'JPY' },
      reference: 'rma-1042',
    });
    expect(refund.raw).toMatchObject({ object: 'refund', id: refund.id });
    expect(sandbox.refunds()).toHaveLength(1);
    await expect(refunds.retrieve({ provider: 'smartpay', id: refund.id })).resolves.toEqual(refund);
    await expect(refunds.list({ provider: 'smartpay', payment })).resolves.toEqual([refund]);
  });

  it('refunds the full remainder when the amount is omitted, with a generated reference', async () => {
    const { refunds, payment } = setup(7000);
    await refunds.create({ provider: 'smartpay', payment, amount: { value: 2000, currency: 'JPY' } });
    const rest = await refunds.create({ provider: 'smartpay', payment });
    expect(rest.amount).toEqual({ value: 5000, currency: 'JPY' });
    expect(rest.reference).toMatch(/^rk_[0-9a-f]{32}$/);
  });

  it('maps an over-refund to insufficient_funds', async () => {
    const { refunds, payment } = setup(100);
    const error = await refunds
      .create({ provider: 'smartpay', payment, amount: { value: 101, currency: 'JPY' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({
      code: 'insufficient_funds',
      provider: 'smartpay',
      status: 403,
      providerCode: 'amount.insufficient',
      retryable: false,
    });
  });

  it('retries a 503 with the same Idempotency-Key and records one refund', async () => {
    const { refunds, payment, sandbox, events } = setup();
    sandbox.faults.inject({ kind: 'http-503', match: { operationId: 'createRefund' } });
    const refund = await refunds.create({
      provider: 'smartpay',
      payment,
      amount: { value: 300, currency: 'JPY' },
    });
    expect(sandbox.refunds().map((entry) => entry.id)).toEqual([refund.id]);
    const keys = events.filter((event) => event.headers).map((event) => event.headers?.['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
    expect(events.find((event) => event.delayMs !== undefined)?.error?.status).toBe(503);
  });

  it('survives a lost response (drop-after-commit) without a second refund', async () => {
    const { refunds, payment, sandbox } = setup();
    sandbox.faults.inject({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } });
    const refund = await refunds.create({
      provider: 'smartpay',
      payment,
      amount: { value: 400, currency: 'JPY' },
    });
    expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 400 })]);
  });
});

describe('refundkit over HTTP with its default transport (node:http, no fetch given)', () => {
  for (const drop of ['reset', 'timeout'] as const) {
    it(`makes one refund when the answer to the create is lost (${drop})`, async () => {
      const sandbox = createSmartpaySandbox();
      const { url, close } = await sandbox.listen();
      // On Node the default transport is node:http: the global fetch is never called.
      vi.stubGlobal('fetch', () => Promise.reject(new Error('the global fetch was called')));
      try {
        const events: RefundEvent[] = [];
        const refunds = createRefunds({
          providers: { smartpay: smartpay({ ...sandbox.credentials, baseUrl: url }) },
          retryDelayMs: 1,
          timeoutMs: 300,
          hooks: { onRetry: (event) => events.push(event) },
        });
        const payment = sandbox.createPayment({ amount: 5000, currency: 'JPY' });
        sandbox.faults.inject({ kind: 'drop-after-commit', drop, match: { operationId: 'createRefund' } });
        const refund = await refunds.create({
          provider: 'smartpay',
          payment,
          amount: { value: 1200, currency: 'JPY' },
          reference: `lost-${drop}`,
        });
        // The retry reuses the Idempotency-Key, so Smartpay answers with the refund it already made.
        expect(events.map((event) => event.error?.code)).toEqual([drop === 'reset' ? 'network' : 'timeout']);
        expect(sandbox.refunds()).toEqual([expect.objectContaining({ id: refund.id, amount: 1200 })]);
      } finally {
        vi.unstubAllGlobals();
        await close();
      }
    });
  }
});

describe('an adapter from another copy of @refundkit/core (refundkit bundles its own)', () => {
  it('keeps its errors typed: an over-refund stays insufficient_funds, and is not retried', async () => {
    vi.resetModules();
    const separate = await import('@refundkit/smartpay');
    const sandbox = createSmartpaySandbox();
    const events: RefundEvent[] = [];
    const refunds = createRefunds({
      providers: { smartpay: separate.smartpay({ ...sandbox.credentials, fetch: sandbox.fetch }) },
      retryDelayMs: 1,
      hooks: { onRetry: (event) => events.push(event) },
    });
    const payment = sandbox.createPayment({ amount: 100, currency: 'JPY' });
    const error = await refunds
      .create({ provider: 'smartpay', payment, amount: { value: 101, currency: 'JPY' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code: 'insufficient_funds', status: 403, retryable: false });
    expect(events).toEqual([]);
    expect(sandbox.refunds()).toEqual([]);
  });
});
