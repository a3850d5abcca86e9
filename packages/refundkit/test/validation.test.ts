import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRefunds, RefundError, smartpay } from '../src/index.js';

// A fetch that counts: validation must reject before anything is sent.
function counting() {
  let calls = 0;
  const fetch = async () => {
    calls += 1;
    return new Response('{}', { status: 500 });
  };
  const refunds = createRefunds({
    providers: { smartpay: smartpay({ secretKey: 'sk_test_validation1', fetch }) },
    maxRetries: 0,
  });
  return { refunds, calls: () => calls };
}

const valid = {
  provider: 'smartpay',
  payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
  amount: { value: 1500, currency: 'JPY' },
  reason: 'requested_by_customer',
  reference: 'rma-1',
  metadata: { ticket: '42' },
};

async function rejection(input: unknown, options?: unknown) {
  const { refunds, calls } = counting();
  const error = await refunds.create(input as never, options as never).catch((caught: unknown) => caught);
  return { error: error as RefundError, calls: calls() };
}

describe('create input validation', () => {
  it.each([
    ['a missing provider', { ...valid, provider: undefined }, 'provider'],
    ['an unconfigured provider', { ...valid, provider: 'stripe' }, 'provider'],
    ['a missing payment', { ...valid, payment: '' }, 'payment'],
    ['a malformed payment', { ...valid, payment: 'pi_123' }, 'payment'],
    ['a float amount', { ...valid, amount: { value: 15.5, currency: 'JPY' } }, 'amount.value'],
    ['a zero amount', { ...valid, amount: { value: 0, currency: 'JPY' } }, 'amount.value'],
    ['a negative amount', { ...valid, amount: { value: -1, currency: 'JPY' } }, 'amount.value'],
    ['an unsafe amount', { ...valid, amount: { value: 2 ** 53, currency: 'JPY' } }, 'amount.value'],
    ['a string amount', { ...valid, amount: { value: '1500', currency: 'JPY' } }, 'amount.value'],
    ['a non-ISO currency', { ...valid, amount: { value: 1, currency: 'YEN' } }, 'amount.currency'],
    ['a lower-case currency', { ...valid, amount: { value: 1, currency: 'jpy' } }, 'amount.currency'],
    [
      'a currency the provider does not take',
      { ...valid, amount: { value: 1, currency: 'EUR' } },
      'amount.currency',
    ],
    ['a reason outside the list', { ...valid, reason: 'changed_mind' }, 'reason'],
    ['a reference too long', { ...valid, reference: 'r'.repeat(41) }, 'reference'],
    ['an empty reference', { ...valid, reference: '' }, 'reference'],
    ['metadata with a long value', { ...valid, metadata: { note: 'x'.repeat(201) } }, 'metadata.note'],
    [
      'metadata with a long key',
      { ...valid, metadata: { ['k'.repeat(41)]: 'v' } },
      `metadata.${'k'.repeat(41)}`,
    ],
    ['metadata with a number', { ...valid, metadata: { count: 3 } }, 'metadata.count'],
    [
      'metadata with 21 keys',
      { ...valid, metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      'metadata',
    ],
  ])('rejects %s naming the field, sending nothing', async (_name, input, field) => {
    const { error, calls } = await rejection(input);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code: 'invalid_request', field, retryable: false });
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(calls).toBe(0);
  });

  it('rejects a bad idempotency key and a non-object input', async () => {
    for (const idempotencyKey of ['', 'x'.repeat(256), 'key\r\nx-injected: 1', 'clé', ' padded ']) {
      expect(await rejection(valid, { idempotencyKey })).toMatchObject({
        error: { field: 'idempotencyKey' },
        calls: 0,
      });
    }
    expect(await rejection(null)).toMatchObject({
      error: { code: 'invalid_request', field: 'input' },
      calls: 0,
    });
  });

  it('property: any non-integer, non-positive or unsafe amount value is rejected before sending', async () => {
    const badValue = fc.oneof(
      fc.double({ noInteger: true }),
      fc.integer({ max: 0 }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, -(2 ** 53)),
      fc.string(),
      fc.constant(null),
    );
    await fc.assert(
      fc.asyncProperty(badValue, async (value) => {
        const { error, calls } = await rejection({ ...valid, amount: { value, currency: 'JPY' } });
        expect(error).toMatchObject({ code: 'invalid_request', field: 'amount.value' });
        expect(calls).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('property: any code that is not an active ISO 4217 currency is rejected before sending', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 5 }).filter((code) => !['JPY'].includes(code)),
        async (currency) => {
          const { error, calls } = await rejection({ ...valid, amount: { value: 100, currency } });
          expect(error).toMatchObject({ code: 'invalid_request', field: 'amount.currency' });
          expect(calls).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: metadata beyond the limits is rejected, within them it is sent', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 45 }), fc.string({ maxLength: 210 }), {
          maxKeys: 24,
        }),
        async (metadata) => {
          const entries = Object.entries(metadata);
          const withinLimits =
            entries.length <= 20 && entries.every(([key, value]) => key.length <= 40 && value.length <= 200);
          const { error, calls } = await rejection({ ...valid, metadata });
          if (withinLimits) {
            // Sent (then reconciled after the counting fetch's 500).
            expect(calls).toBeGreaterThan(0);
            expect(error.code).not.toBe('invalid_request');
          } else {
            expect(error).toMatchObject({
              code: 'invalid_request',
              field: expect.stringMatching(/^metadata/),
            });
            expect(calls).toBe(0);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('validates retrieve and list inputs too', async () => {
    const { refunds, calls } = counting();
    await expect(refunds.retrieve({ provider: 'smartpay', id: '' })).rejects.toMatchObject({ field: 'id' });
    await expect(refunds.list({ provider: 'smartpay', payment: 'nope' })).rejects.toMatchObject({
      field: 'payment',
    });
    await expect(refunds.list({ provider: 'paypal' as 'smartpay', payment: 'x' })).rejects.toMatchObject({
      field: 'provider',
    });
    expect(() => refunds.capabilities('paypal' as 'smartpay')).toThrow(RefundError);
    expect(calls()).toBe(0);
  });
});
