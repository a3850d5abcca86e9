// createRefunds' options are checked when it is called: a misconfiguration is an invalid_request naming the
// option, never a failure at the first create (or a refund through the wrong provider).

import { Deadline, isUnsentFailure, mayHaveActed, runAttempt } from '@refundkit/core';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { createSmartpayClient } from '@refundkit/smartpay';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import { describe, expect, it } from 'vitest';
import { createRefunds, geins, payop, type RefundAdapter, RefundError, smartpay } from '../src/index.js';

const secretKey = 'sk_test_configuration1';
const adapter = () => smartpay({ secretKey });

/** What `createRefunds(options)` throws, with no request possible: the adapters have no `fetch` to call. */
function refusal(options: unknown): RefundError {
  try {
    createRefunds(options as never);
  } catch (error) {
    expect(error).toBeInstanceOf(RefundError);
    return error as RefundError;
  }
  throw new Error('createRefunds accepted it');
}

describe('createRefunds options', () => {
  it.each([
    ['timeoutMs', '30s', 'timeoutMs: must be a whole number from 1 to 2147483647, got string'],
    ['timeoutMs', -1, 'got -1'],
    ['timeoutMs', 0, 'got 0'],
    ['timeoutMs', 1.5, 'got 1.5'],
    ['timeoutMs', 2 ** 31, 'got 2147483648'],
    ['timeoutMs', Number.NaN, 'got NaN'],
    ['deadlineMs', Number.POSITIVE_INFINITY, 'got Infinity'],
    ['deadlineMs', '120000', 'got string'],
    ['maxRetries', -1, 'maxRetries: must be a whole number from 0 to 2147483647, got -1'],
    ['maxRetries', '2', 'got string'],
    ['retryDelayMs', -5, 'got -5'],
    ['maxRetryDelayMs', null, 'got null'],
  ])('refuses %s: %o', (name, value, message) => {
    const error = refusal({ providers: { smartpay: adapter() }, [name]: value });
    expect(error).toMatchObject({ code: 'invalid_request', field: name, retryable: false });
    expect(error.message).toContain(message);
  });

  it('takes the bounds themselves', () => {
    const refunds = createRefunds({
      providers: { smartpay: adapter() },
      timeoutMs: 2_147_483_647,
      deadlineMs: 1,
      maxRetries: 0,
      retryDelayMs: 0,
      maxRetryDelayMs: 0,
    });
    expect(refunds.capabilities('smartpay').idempotencyKeys).toBe(true);
  });

  it.each([
    ['no options', undefined, 'options', 'must be an object'],
    ['null', null, 'options', 'got null'],
    [
      'no providers',
      {},
      'providers',
      'must name at least one, e.g. { smartpay: smartpay({ secretKey }) }, got undefined',
    ],
    ['empty providers', { providers: {} }, 'providers', 'got none'],
    ['providers as an array', { providers: [adapter()] }, 'providers', 'got array'],
    [
      'a typo',
      { providers: { smartpay: adapter() }, timeout: 5000 },
      'timeout',
      'is not one of providers, hooks, timeoutMs',
    ],
    [
      'a hook typo',
      { providers: { smartpay: adapter() }, hooks: { onResquest() {} } },
      'hooks.onResquest',
      'is not one of onRequest, onResponse, onRetry, onError',
    ],
    [
      'a hook that is no function',
      { providers: { smartpay: adapter() }, hooks: { onError: 'log' } },
      'hooks.onError',
      'must be a function, got string',
    ],
  ])('refuses %s', (_, options, field, message) => {
    const error = refusal(options);
    expect(error).toMatchObject({ code: 'invalid_request', field });
    expect(error.message).toContain(message);
  });

  it('refuses what is not an adapter, without echoing it (a key is a credential)', () => {
    const key = refusal({ providers: { smartpay: secretKey } });
    expect(key).toMatchObject({ field: 'providers.smartpay' });
    expect(key.message).toBe(
      'providers.smartpay: must be an adapter such as smartpay({ secretKey }), got string',
    );
    const client = refusal({ providers: { smartpay: createSmartpayClient({ secretKey }) } });
    expect(client.message).toContain('got an object without checkPayment');
    expect(JSON.stringify(client)).not.toContain(secretKey);
  });

  it("refuses a provider's name holding another provider's adapter", () => {
    const error = refusal({ providers: { payop: adapter() } });
    expect(error).toMatchObject({ code: 'invalid_request', field: 'providers.payop' });
    expect(error.message).toContain(
      'providers.payop: holds a smartpay adapter: name other accounts freely, e.g. smartpay-eu',
    );
    // The name of a configured adapter's provider is reserved too, whatever refundkit knows of.
    const custom: RefundAdapter = { ...adapter(), provider: 'acme' };
    expect(
      refusal({ providers: { acme: custom, 'acme-eu': custom, other: payop({ token: 'x.y.z' }) } }).field,
    ).toBe('providers.acme-eu');
    expect(refusal({ providers: { acme: adapter(), other: custom } }).field).toBe('providers.acme');
  });

  it('refuses one account under two names: each name has its own idempotency keys', () => {
    const shared = adapter();
    const error = refusal({ providers: { 'smartpay-jp': shared, 'smartpay-eu': shared } });
    expect(error).toMatchObject({ field: 'providers.smartpay-eu' });
    expect(error.message).toContain('is the same smartpay account as providers.smartpay-jp');
    // Two adapters built with the same credentials (an alias kept for old callers) are one account too.
    const token = 'eyJ0.eyJ1.sig';
    const alias = refusal({ providers: { payop: payop({ token }), 'payop-main': payop({ token }) } });
    expect(alias).toMatchObject({ field: 'providers.payop-main' });
    expect(alias.message).not.toContain(token);
    expect(() =>
      createRefunds({ providers: { payop: payop({ token }), 'payop-b': payop({ token: 'b.c.d' }) } }),
    ).not.toThrow();
  });

  it('serves two accounts of one provider under free names, each with its own keys', async () => {
    const jp = createSmartpaySandbox({ seed: 1 });
    const eu = createSmartpaySandbox({ seed: 2 });
    const providers = {
      'smartpay-jp': smartpay({ ...jp.credentials, fetch: jp.fetch }),
      'smartpay-eu': smartpay({ ...eu.credentials, fetch: eu.fetch }),
    };
    const refunds = createRefunds({ providers });
    // Added after construction: not configured.
    (providers as Record<string, RefundAdapter>).smartpay = adapter();
    await expect(
      refunds.list({ provider: 'smartpay' as never, payment: 'payment_test_x' }),
    ).rejects.toMatchObject({ field: 'provider' });
    const amount = { value: 1500, currency: 'JPY' };
    const idempotencyKey = 'order-1042-refund-1';
    const onJp = jp.createPayment({ amount: 5000, currency: 'JPY' });
    const onEu = eu.createPayment({ amount: 5000, currency: 'JPY' });
    const first = await refunds.create(
      { provider: 'smartpay-jp', payment: onJp, amount },
      { idempotencyKey },
    );
    const second = await refunds.create(
      { provider: 'smartpay-eu', payment: onEu, amount },
      { idempotencyKey },
    );
    expect([first.payment, second.payment]).toEqual([onJp, onEu]);
    expect(jp.refunds().map((refund) => refund.payment)).toEqual([onJp]);
    expect(eu.refunds().map((refund) => refund.payment)).toEqual([onEu]);
  });
});

describe('base URLs', () => {
  it.each(['localhost:4010', 'ftp://127.0.0.1:4010', 'file:///tmp/x'])('refuses %s', (baseUrl) => {
    expect(() => smartpay({ secretKey, baseUrl })).toThrow(
      'smartpay: option "baseUrl" must be an http: or https: URL (e.g. http://localhost:4010).',
    );
    expect(() => geins({ apiKey: 'k', username: 'u', password: 'p', baseUrl })).toThrow(/must be an http:/);
  });

  it('calls a request refused before connecting unsent, so a create is not in doubt', async () => {
    const failures: unknown[] = [];
    for (const url of ['localhost:4010/v1/refunds', 'ftp://127.0.0.1/v1/refunds', 'http://127.0.0.1:1/']) {
      const attempt = runAttempt(
        {
          provider: 'smartpay',
          operation: 'create',
          attempt: 0,
          fetch: undefined,
          timeoutMs: 5_000,
          deadline: new Deadline(5_000),
          hooks: undefined,
        },
        (call) => call.fetch(url, { method: 'POST', signal: call.signal }),
      );
      failures.push(await attempt.catch((error: unknown) => error));
    }
    for (const failure of failures) {
      expect(isUnsentFailure(failure)).toBe(true);
      expect(mayHaveActed(failure)).toBe(false);
    }
    // Not sent at all, and a refused connection.
    expect(failures.map((failure) => (failure as RefundError).code)).toEqual([
      'invalid_request',
      'invalid_request',
      'network',
    ]);
    expect((failures[0] as Error).message).toBe('smartpay: only http(s) URLs can be sent to');
  });

  it('ends a create whose request could not be sent in its own error, not outcome_unknown', async () => {
    const base = adapter();
    const unsendable: RefundAdapter = {
      ...base,
      create: async (_, call) => {
        await call.fetch('ftp://127.0.0.1/v1/refunds', { method: 'POST', signal: call.signal });
        throw new Error('unreachable');
      },
    };
    const refunds = createRefunds({ providers: { smartpay: unsendable }, maxRetries: 1, retryDelayMs: 1 });
    await expect(
      refunds.create({
        provider: 'smartpay',
        payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
        amount: { value: 1500, currency: 'JPY' },
      }),
    ).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'smartpay: only http(s) URLs can be sent to',
    });
  });
});

describe('requests that cannot be sent', () => {
  it('refuses a credential with a control character when the adapter is made', () => {
    expect(() => geins({ apiKey: 'key-pasted\n', username: 'user', password: 'secret' })).toThrow(
      'geins: option "apiKey" must not contain control characters (a pasted newline?).',
    );
  });

  it('ends a create whose header Node refuses in an invalid_request, not outcome_unknown', async () => {
    const base = adapter();
    const refused: RefundAdapter = {
      ...base,
      create: async (_, call) => {
        // Port 9 (discard) on loopback: never reached, the header is refused first.
        await call.fetch('http://127.0.0.1:9/v1/refunds', {
          method: 'POST',
          headers: { 'x-note': 'line\nbreak' },
          signal: call.signal,
        });
        throw new Error('unreachable');
      },
    };
    const refunds = createRefunds({ providers: { smartpay: refused }, maxRetries: 1, retryDelayMs: 1 });
    const error = await refunds
      .create({
        provider: 'smartpay',
        payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
        amount: { value: 1500, currency: 'JPY' },
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect((error as Error).message).toMatch(/^smartpay: the request could not be sent \(/);
    expect(isUnsentFailure(error)).toBe(true);
  });
});

describe('payment ids of the wrong type', () => {
  it('says what is wrong with a number where the provider takes a string', async () => {
    const refunds = createRefunds({ providers: { smartpay: adapter() } });
    const amount = { value: 1500, currency: 'JPY' };
    await expect(refunds.create({ provider: 'smartpay', payment: 123, amount })).rejects.toMatchObject({
      code: 'invalid_request',
      field: 'payment',
      message: 'payment: must be a string, got number',
    });
    await expect(refunds.list({ provider: 'smartpay', payment: { id: 1 } as never })).rejects.toMatchObject({
      message: 'payment: must be a string, got object',
    });
    await expect(refunds.list({ provider: 'smartpay', payment: undefined as never })).rejects.toMatchObject({
      message: 'payment: is required',
    });
  });

  it('takes a Geins order id as the integer it is', async () => {
    const sandbox = createGeinsSandbox();
    const refunds = createRefunds({
      providers: { geins: geins({ ...sandbox.credentials, fetch: sandbox.fetch }) },
    });
    const order = sandbox.createPayment({ amount: 50_000, currency: 'SEK' });
    const refund = await refunds.create({
      provider: 'geins',
      payment: Number(order),
      amount: { value: 1000, currency: 'SEK' },
    });
    expect(refund).toMatchObject({ payment: order, amount: { value: 1000, currency: 'SEK' } });
    expect(await refunds.list({ provider: 'geins', payment: Number(order) })).toHaveLength(1);
    for (const payment of [1.5, -3, 2 ** 53]) {
      await expect(refunds.list({ provider: 'geins', payment })).rejects.toMatchObject({ field: 'payment' });
    }
  });
});
