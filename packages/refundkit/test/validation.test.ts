import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { providerSetups, type SetupProvider } from '../../../test/support/provider-setups.js';
import { createRefunds, RefundError, smartpay } from '../src/index.js';
import { checkCallOptions, checkRefundId } from '../src/validate.js';

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
    // What is sent fails and is looked for: without waiting between looks.
    retryDelayMs: 1,
  });
  return { refunds, calls: () => calls };
}

const valid = {
  provider: 'smartpay' as const,
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
  // What JSON callers and providers' own SDKs (Smartpay's PHP, Python, Ruby) send for "not set".
  it.each(Object.keys(providerSetups) as SetupProvider[])(
    '%s: an optional field or option given as null is absent, not an error',
    async (name) => {
      const setup = providerSetups[name];
      const sandbox = setup.sandbox(7);
      let sent = 0;
      const fetch: typeof sandbox.fetch = (...args) => {
        sent += 1;
        return sandbox.fetch(...args);
      };
      const refunds = createRefunds({ providers: { [name]: setup.adapter(sandbox, fetch) } });
      const payment = sandbox.createPayment({ amount: 10_000, currency: setup.currency });
      // No casts: the types take null where the runtime does.
      const nulls = { reason: null, reference: null, metadata: null };
      const options = { idempotencyKey: null, signal: null };
      const partial = await refunds.create(
        { provider: name, payment, amount: { value: 2500, currency: setup.currency }, ...nulls },
        options,
      );
      expect(partial).toMatchObject({ provider: name, payment, amount: { value: 2500 } });
      // `amount: null` is an omitted amount: the rest of the payment, or the provider's own refusal.
      const full = refunds.create({ provider: name, payment, amount: null, ...nulls }, options);
      if (setup.fullRefunds) await expect(full).resolves.toMatchObject({ amount: { value: 7500 } });
      else await expect(full).rejects.toMatchObject({ code: 'invalid_request', field: 'amount' });
      expect(sandbox.refunds().length).toBe(setup.fullRefunds ? 2 : 1);
      // A retrieve's `payment: null` is an omitted payment: the same answer, whichever it is.
      const settle = (promise: Promise<unknown>) =>
        promise.then(
          (refund) => ({ refund }),
          (error: RefundError) => ({ code: error.code, field: error.field }),
        );
      const retrieve = (payment?: null) =>
        settle(refunds.retrieve({ provider: name, id: partial.id, payment }, options));
      expect(await retrieve(null)).toEqual(await retrieve());
      // And a retrieve's payment is checked as a create's is, before anything is sent.
      const before = sent;
      for (const [payment, problem] of [
        ['a/b', 'payment'],
        [{}, 'payment: must be a string, got object'],
      ] as const) {
        const error = await refunds
          .retrieve({ provider: name, id: partial.id, payment: payment as never })
          .catch((caught: RefundError) => caught);
        expect(error).toMatchObject({ code: 'invalid_request', field: 'payment' });
        expect((error as RefundError).message).toContain(problem);
      }
      expect(sent).toBe(before);
    },
  );

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

// Inputs that used to escape as a TypeError or a URIError, or to be sent: each is an invalid_request naming
// its field, before anything is sent, through a facade over the sandbox (so valid inputs do succeed).
describe('bad input that used to escape', () => {
  function sandboxed(hooks?: Parameters<typeof createRefunds>[0]['hooks']) {
    const sandbox = createSmartpaySandbox();
    let calls = 0;
    const fetch = (request: Request) => {
      calls += 1;
      return sandbox.fetch(request);
    };
    const refunds = createRefunds({
      providers: { smartpay: smartpay({ ...sandbox.credentials, fetch }) },
      maxRetries: 0,
      hooks,
    });
    const payment = sandbox.createPayment({ amount: 10_000, currency: 'JPY' });
    return { refunds, payment, calls: () => calls };
  }

  async function refused(call: () => Promise<unknown>, field: string, calls: () => number) {
    const error = await call().then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code: 'invalid_request', field, retryable: false });
    expect(calls()).toBe(0);
  }

  class Note {
    ticket = '42';
  }
  const throwing = {
    toString() {
      throw new Error('toString was called');
    },
  };

  it.each([
    ['a null-prototype currency', { amount: { value: 1, currency: Object.create(null) } }, 'amount.currency'],
    ['a currency whose toString throws', { amount: { value: 1, currency: throwing } }, 'amount.currency'],
    ["['JPY'] as a currency", { amount: { value: 1, currency: ['JPY'] } }, 'amount.currency'],
    ['a number as a currency', { amount: { value: 1, currency: 392 } }, 'amount.currency'],
    ['a missing currency', { amount: { value: 1 } }, 'amount.currency'],
    ['Map metadata', { metadata: new Map([['ticket', '42']]) }, 'metadata'],
    ['Date metadata', { metadata: new Date() }, 'metadata'],
    ['class-instance metadata', { metadata: new Note() }, 'metadata'],
    ['array metadata', { metadata: ['42'] }, 'metadata'],
    ['a payment with a lone surrogate', { payment: 'payment_test_\ud800' }, 'payment'],
    ['a reference with a lone surrogate', { reference: 'rma-\udc00' }, 'reference'],
    // PostgreSQL text holds no NUL: a SQL journal would fail the create with a retryable journal error.
    ['a reference with a NUL character', { reference: 'rma-\u0000' }, 'reference'],
    ['a metadata key with a lone surrogate', { metadata: { '\ud800': 'v' } }, 'metadata.\ud800'],
    ['a metadata value with a lone surrogate', { metadata: { note: 'x\ud800' } }, 'metadata.note'],
  ])('create refuses %s', async (_name, change, field) => {
    const { refunds, payment, calls } = sandboxed();
    await refused(() => refunds.create({ ...valid, payment, ...change } as never), field, calls);
  });

  it('create takes null-prototype metadata and well-formed astral characters', async () => {
    const { refunds, payment, calls } = sandboxed();
    const metadata = Object.assign(Object.create(null), { note: '🎁 gift' });
    const refund = await refunds.create({ ...valid, payment, reference: 'rma-😀', metadata });
    expect(refund.reference).toBe('rma-😀');
    expect(calls()).toBe(1);
  });

  // These need the facade to check its call options with `checkCallOptions`.
  it.each([
    ['null options', null, 'options'],
    ['string options', 'x', 'options'],
    ["a signal that isn't an AbortSignal", { signal: 'x' }, 'options.signal'],
    ['a signal-like object', { signal: { aborted: false } }, 'options.signal'],
    ['a malformed idempotency key', { idempotencyKey: 'cl\ud800' }, 'idempotencyKey'],
  ])('create, retrieve and list refuse %s', async (_name, options, field) => {
    const { refunds, payment, calls } = sandboxed();
    const id = 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX';
    await refused(() => refunds.create({ ...valid, payment }, options as never), field, calls);
    await refused(() => refunds.retrieve({ provider: 'smartpay', id }, options as never), field, calls);
    await refused(() => refunds.list({ provider: 'smartpay', payment }, options as never), field, calls);
  });

  // These need the facade's retrieve to check the id with `checkRefundId`.
  it.each([
    ['a lone surrogate', '\ud800'],
    ['a path', 'refund_test_abc/../../v1/payments'],
    ['a query', 'refund_test_abc?expand=all'],
    ['a fragment', 'refund_test_abc#x'],
    ['a percent-encoding', 'refund_test_abc%2F'],
    ['a control character', 'refund_test_abc\n'],
    ['whitespace', '   '],
    ['another shape', 're_123'],
    ['a number', 42],
  ])('retrieve refuses an id with %s', async (_name, id) => {
    const { refunds, calls } = sandboxed();
    await refused(() => refunds.retrieve({ provider: 'smartpay', id: id as string }), 'id', calls);
  });

  it('retrieve and list still send well-formed input', async () => {
    const { refunds, payment, calls } = sandboxed();
    const refund = await refunds.create({ ...valid, payment }, { signal: new AbortController().signal });
    await expect(refunds.retrieve({ provider: 'smartpay', id: refund.id }, {})).resolves.toEqual(refund);
    await expect(refunds.list({ provider: 'smartpay', payment }, undefined)).resolves.toEqual([refund]);
    expect(calls()).toBe(3);
  });

  // Needs the facade's onError report to not String() a provider that is not a string.
  it('reports an unusable provider to onError as an invalid_request', async () => {
    const reported: unknown[] = [];
    const { refunds, calls } = sandboxed({ onError: (event) => reported.push(event.error) });
    await refused(
      () => refunds.create({ ...valid, provider: Object.create(null) } as never),
      'provider',
      calls,
    );
    expect(reported).toEqual([expect.objectContaining({ code: 'invalid_request', field: 'provider' })]);
  });

  it('checkCallOptions and checkRefundId, on their own', () => {
    const { signal } = new AbortController();
    expect(checkCallOptions(undefined)).toEqual({});
    expect(checkCallOptions({ signal, idempotencyKey: 'k-1' })).toEqual({ signal, idempotencyKey: 'k-1' });
    for (const [options, field] of [
      [null, 'options'],
      [7, 'options'],
      [[], 'options'],
      [{ signal: new EventTarget() }, 'options.signal'],
      [{ idempotencyKey: '' }, 'idempotencyKey'],
    ] as const) {
      expect(() => checkCallOptions(options)).toThrow(
        expect.objectContaining({ code: 'invalid_request', field }),
      );
    }
    const adapter = smartpay({ secretKey: 'sk_test_validation1' });
    expect(checkRefundId(adapter, 'refund_live_ABC123')).toBe('refund_live_ABC123');
    for (const id of [undefined, '', '\ud800', 'refund_live_ABC/123']) {
      expect(() => checkRefundId(adapter, id)).toThrow(
        expect.objectContaining({ code: 'invalid_request', field: 'id', provider: 'smartpay' }),
      );
    }
  });
});
