// Credentials never come out of refundkit, even when a provider echoes them back. Each provider's sandbox
// sits behind a `fetch` that, on chosen requests of an operation, answers in its place with a body and
// headers that repeat the credentials in every form a provider may echo them in (as sent, JSON-escaped,
// percent-encoded, base64 and base64url, the `Authorization` value and its base64) in every field the
// adapters read (messages, codes, details, keys, request ids). Every error, hook event, serialization and
// inspection of errors, adapters, the facade and the clients is searched for all of those forms.
import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';
import { createCommercelayerClient } from '@refundkit/commercelayer';
import { createCommercelayerSandbox } from '@refundkit/commercelayer/testing';
import {
  createAdapterClient,
  Deadline,
  isUnsentFailure,
  markUnsent,
  type RefundAdapter,
  RefundError,
  runAttempt,
  withoutSecrets,
} from '@refundkit/core';
import { createGeinsClient } from '@refundkit/geins';
import { createGeinsSandbox } from '@refundkit/geins/testing';
import { createPayopClient } from '@refundkit/payop';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { createSmartpayClient } from '@refundkit/smartpay';
import { createSmartpaySandbox } from '@refundkit/smartpay/testing';
import { describe, expect, it } from 'vitest';
import { commercelayer, createRefunds, geins, payop, type RefundEvent, smartpay } from '../src/index.js';

type Fetch = (request: Request) => Promise<Response>;

const deep = { depth: Infinity, showHidden: true } as const;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A credential and every encoding of it that must never show. */
function needlesOf(values: readonly string[]): string[] {
  const needles = values.flatMap((value) => [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    base64(value),
    base64(value).replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
  ]);
  return [...new Set(needles)];
}

/** What the provider echoes: each value as sent, as a JSON string, percent-encoded, base64 and base64url. */
function echoOf(values: readonly string[]): string {
  return values
    .flatMap((value) => [
      value,
      JSON.stringify(value),
      encodeURIComponent(value),
      base64(value),
      Buffer.from(value, 'utf8').toString('base64url'),
    ])
    .join(' ');
}

/** One body that carries `echo` wherever any of the four providers keeps an error's text or code. */
const errorBody = (echo: string) => ({
  // Smartpay
  errorCode: echo,
  statusCode: echo,
  message: echo,
  // Geins
  Message: echo,
  Details: [echo, echo],
  // Commerce Layer
  errors: [
    { code: echo, title: echo, detail: echo, status: echo, source: { pointer: echo, parameter: echo } },
  ],
  [echo]: { [echo]: [echo] },
});

type Answer = (echo: string, headers: Headers) => Response;

/** How the provider answers the requests it echoes on. */
const answers: Record<string, Answer> = {
  ...Object.fromEntries(
    [400, 401, 403, 404, 409, 422, 429, 500, 502, 503].map((status) => [
      String(status),
      (echo: string, headers: Headers) => Response.json(errorBody(echo), { status, headers }),
    ]),
  ),
  // PayOp's field → messages map (its provider code is the field) and its list of messages.
  '400 field map': (echo, headers) =>
    Response.json({ message: { [echo]: [echo, echo] } }, { status: 400, headers }),
  '422 message list': (echo, headers) =>
    Response.json({ message: [{ message: echo }, { message: echo }] }, { status: 422, headers }),
  '500 text': (echo, headers) => new Response(echo, { status: 500, headers }),
  '503 html': (echo, headers) => new Response(`<html><body>${echo}</body></html>`, { status: 503, headers }),
  // Garbage 2xx: not JSON (the parser's error would quote it), JSON of the wrong shape, no body.
  '200 text': (echo, headers) => new Response(echo, { status: 200, headers }),
  '201 short text': (echo, headers) => new Response(echo.slice(0, 20), { status: 201, headers }),
  '200 json': (echo, headers) => Response.json(errorBody(echo), { status: 200, headers }),
  '200 empty': (_, headers) => new Response(null, { status: 200, headers }),
  // Garbage 2xx that names things the adapter asks for next, so the echo ends up in the next URL: a refund
  // id (Geins' `Resource`, a Commerce Layer document's refunds) and a page token (Smartpay).
  '200 ids': (echo, headers) =>
    Response.json(
      {
        Resource: echo,
        data: {
          id: echo,
          type: 'captures',
          attributes: { currency_code: headers.get('x-currency') },
          relationships: { refunds: { data: [{ id: echo, type: 'refunds' }] } },
        },
        included: [{ id: echo, type: 'refunds', attributes: { amount_cents: 1 } }],
      },
      { status: 200, headers },
    ),
  '200 page': (echo, headers) =>
    Response.json({ object: 'list', data: [], nextPageToken: echo }, { status: 200, headers }),
};

/** Which requests of one operation (counted from 0) are answered with the echo. */
const targets: Record<string, (index: number) => boolean> = {
  every: () => true,
  first: (index) => index === 0,
  second: (index) => index === 1,
  third: (index) => index === 2,
  'from the second': (index) => index >= 1,
};

interface Provider {
  name: string;
  /** The credentials the adapter is given and must never show. */
  credentials: string[];
  /** The values of the credential headers it sends. */
  headers: string[];
  adapter(fetch: Fetch): RefundAdapter;
  /** The typed client over the same credentials. */
  client(): object;
  sandbox: { fetch: Fetch; createPayment(input: { amount: number; currency: string }): string };
  currency: string;
  /** Rewrites the credentials the adapter sends to the ones the sandbox accepts, if they differ. */
  toSandbox?(request: Request): Request;
}

function smartpayProvider(): Provider {
  const sandbox = createSmartpaySandbox();
  const { secretKey } = sandbox.credentials;
  return {
    name: 'smartpay',
    credentials: [secretKey],
    headers: [`Basic ${secretKey}`],
    adapter: (fetch) => smartpay({ secretKey, fetch }),
    client: () => createSmartpayClient({ secretKey }),
    sandbox,
    currency: 'JPY',
  };
}

function payopProvider(): Provider {
  const sandbox = createPayopSandbox();
  const { token } = sandbox.credentials;
  return {
    name: 'payop',
    credentials: [token],
    headers: [`Bearer ${token}`],
    adapter: (fetch) => payop({ token, fetch }),
    client: () => createPayopClient({ token }),
    sandbox,
    currency: 'EUR',
  };
}

function commercelayerProvider(): Provider {
  const sandbox = createCommercelayerSandbox();
  const { accessToken } = sandbox.credentials;
  return {
    name: 'commercelayer',
    credentials: [accessToken],
    headers: [`Bearer ${accessToken}`],
    adapter: (fetch) => commercelayer({ ...sandbox.credentials, fetch }),
    client: () => createCommercelayerClient({ ...sandbox.credentials }),
    sandbox,
    currency: 'EUR',
  };
}

/**
 * Geins with credentials that JSON escapes, percent-encodes and base64-encodes differently: quotes,
 * backslashes, slashes, plus signs and non-ASCII. The sandbox gets its own credentials instead.
 */
function geinsProvider(): Provider {
  const sandbox = createGeinsSandbox();
  const apiKey = 'k3y"with\\back/slash+plus=and&more';
  const username = 'üsér"\\näme/+';
  const password = 'pä"ss\\wörd/+?&=%🔑 end';
  const basic = base64(`${username}:${password}`);
  return {
    name: 'geins',
    credentials: [apiKey, username, password, basic],
    headers: [apiKey, `Basic ${basic}`, `${username}:${password}`],
    adapter: (fetch) => geins({ apiKey, username, password, fetch }),
    client: () => createGeinsClient({ apiKey, username, password }),
    sandbox,
    currency: 'SEK',
    toSandbox(request) {
      const headers = new Headers(request.headers);
      const real = sandbox.credentials;
      headers.set('x-apikey', real.apiKey);
      headers.set('authorization', `Basic ${base64(`${real.username}:${real.password}`)}`);
      return new Request(request, { headers });
    },
  };
}

/** Each provider's facade, run through every answer × target × operation; everything it shows. */
async function drive(provider: Provider) {
  const echo = echoOf([...provider.credentials, ...provider.headers]);
  // Header values are ByteStrings: only the ASCII forms can be echoed there.
  const headerEcho = echo
    .split(' ')
    .filter((part) => /^[\x21-\x7e]+$/.test(part))
    .join(' ');
  let plan: { answer: Answer; target: (index: number) => boolean } | undefined;
  let index = 0;
  const fetch: Fetch = async (request) => {
    const current = index++;
    if (plan?.target(current)) {
      const headers = new Headers({
        'x-request-id': headerEcho,
        'request-id': headerEcho,
        'retry-after': headerEcho,
        'www-authenticate': headerEcho,
        'x-echo': headerEcho,
        // PayOp's id of the refund it made.
        identifier: headerEcho,
        'x-currency': provider.currency,
      });
      return plan.answer(echo, headers);
    }
    return provider.sandbox.fetch(provider.toSandbox ? provider.toSandbox(request) : request);
  };
  const events: RefundEvent[] = [];
  const record = (event: RefundEvent) => events.push(event);
  const adapter = provider.adapter(fetch);
  const providers = { [provider.name]: adapter };
  const refunds = createRefunds({
    providers,
    retryDelayMs: 1,
    maxRetryDelayMs: 5,
    timeoutMs: 5_000,
    hooks: { onRequest: record, onResponse: record, onRetry: record, onError: record },
  });
  const payment = provider.sandbox.createPayment({ amount: 1_000_000, currency: provider.currency });
  const amount = { value: 1, currency: provider.currency };
  const refund = await refunds.create({ provider: provider.name, payment, amount });
  // Each run on a payment of its own, so that no run sees what an earlier one left (e.g. a refund in doubt).
  const operations: Record<string, (payment: string) => Promise<unknown>> = {
    create: (payment) => refunds.create({ provider: provider.name, payment, amount }),
    retrieve: () => refunds.retrieve({ provider: provider.name, id: refund.id, payment }),
    list: (payment) => refunds.list({ provider: provider.name, payment }),
  };
  const errors: unknown[] = [];
  const run = async (operation: () => Promise<unknown>) => {
    index = 0;
    try {
      await operation();
    } catch (error) {
      errors.push(error);
    }
  };
  for (const answer of Object.values(answers)) {
    for (const target of Object.values(targets)) {
      plan = { answer, target };
      const fresh = provider.sandbox.createPayment({ amount: 1_000, currency: provider.currency });
      for (const operation of Object.values(operations)) await run(() => operation(fresh));
    }
  }
  // Network failures whose cause holds the echo, and the request with its credentials.
  const failing: Fetch = async (request) => {
    throw Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error(`connect ECONNRESET ${echo}`), { code: 'ECONNRESET', request }),
    });
  };
  const unreachable = createRefunds({
    providers: { [provider.name]: provider.adapter(failing) },
    retryDelayMs: 1,
    maxRetryDelayMs: 5,
    hooks: { onRequest: record, onResponse: record, onRetry: record, onError: record },
  });
  await run(() => unreachable.create({ provider: provider.name, payment, amount }));
  await run(() => unreachable.retrieve({ provider: provider.name, id: refund.id, payment }));
  await run(() => unreachable.list({ provider: provider.name, payment }));
  plan = undefined;

  const client = provider.client();
  const adapterClient = createAdapterClient({ baseUrl: 'https://example.test', headers: { echo } });
  const shown = [
    ...errors.flatMap((error) => [
      JSON.stringify(error),
      inspect(error, deep),
      String(error),
      String((error as Error).stack),
      String((error as Error).message),
    ]),
    ...events.flatMap((event) => [JSON.stringify(event), inspect(event, deep)]),
    inspect(adapter, deep),
    JSON.stringify(adapter),
    JSON.stringify({ providers }),
    inspect({ providers }, deep),
    inspect(refunds, deep),
    JSON.stringify(refunds),
    inspect(unreachable, deep),
    inspect(client, deep),
    JSON.stringify(client),
    inspect(adapterClient, deep),
    JSON.stringify(adapterClient),
  ];
  return { errors, events, shown };
}

/** Where any needle shows, with some context, for a readable failure. */
function leaks(shown: readonly string[], needles: readonly string[]) {
  const found: string[] = [];
  for (const text of shown) {
    for (const needle of needles) {
      const at = text.indexOf(needle);
      if (at >= 0) found.push(`${JSON.stringify(needle)} in …${text.slice(Math.max(0, at - 80), at + 80)}…`);
    }
  }
  return found.slice(0, 5);
}

describe('no credential ever shows, whatever the provider echoes', () => {
  it.each([
    ['smartpay', smartpayProvider],
    ['payop', payopProvider],
    ['geins', geinsProvider],
    ['commercelayer', commercelayerProvider],
  ])('%s', async (_, make) => {
    const provider = make();
    const { errors, events, shown } = await drive(provider);
    const refundErrors = errors.filter((error): error is RefundError => error instanceof RefundError);
    // The echoes reached every field the adapters fill from an answer: they were there to be scrubbed.
    expect(refundErrors.length).toBeGreaterThan(50);
    expect(refundErrors.some((error) => error.requestId?.includes('[redacted]'))).toBe(true);
    expect(refundErrors.some((error) => error.providerCode?.includes('[redacted]'))).toBe(true);
    expect(refundErrors.some((error) => error.message.includes('[redacted]'))).toBe(true);
    expect(refundErrors.some((error) => JSON.stringify(error.raw).includes('[redacted]'))).toBe(true);
    expect([...new Set(refundErrors.map((error) => error.code))]).toEqual(
      expect.arrayContaining(['authentication', 'rate_limited', 'provider_error', 'network']),
    );
    expect(events.some((event) => event.error?.requestId?.includes('[redacted]'))).toBe(true);

    expect(leaks(shown, needlesOf([...provider.credentials, ...provider.headers]))).toEqual([]);
    // Nor any 10 characters of one, as a JSON parser's message that quotes the start of a body would show.
    const runs = provider.credentials.flatMap((credential) =>
      Array.from({ length: Math.max(0, credential.length - 9) }, (_, at) => credential.slice(at, at + 10)),
    );
    const all = shown.join('\n');
    expect(runs.filter((run) => all.includes(run))).toEqual([]);
  });
});

describe('withoutSecrets', () => {
  const secret = 'sk_test_0123456789abcdefghij';
  const other = 'pä"ss\\wörd/+';

  it('returns the same error when there is nothing to scrub', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = new RefundError({
      code: 'network',
      message: 'Could not reach smartpay',
      providerCode: 'x',
      requestId: 'req_1',
      raw: { a: ['b'] },
      cause,
    });
    expect(withoutSecrets(error, [secret, other])).toBe(error);
    expect(withoutSecrets(error, [])).toBe(error);
  });

  it('scrubs every field, keys of the body included, in every encoding, and keeps the stack and unsent mark', () => {
    const header = `Bearer ${secret}`;
    const forms = [
      secret,
      JSON.stringify(other),
      encodeURIComponent(other),
      base64(secret),
      Buffer.from(other).toString('base64url'),
      // The base64 of anything that contains the secret, at every alignment.
      base64(header),
      base64(`xBearer ${secret}`),
      base64(`xyBearer ${secret}`),
      JSON.stringify(other).replaceAll('/', '\\/'),
    ];
    const echo = forms.join(' ');
    const error = markUnsent(
      new RefundError({
        code: 'provider_error',
        message: `failed: ${echo}`,
        providerCode: echo,
        requestId: echo,
        field: echo,
        provider: 'smartpay',
        status: 500,
        raw: { [echo]: [echo, { nested: echo }], n: 1 },
        cause: new Error(echo),
      }),
    );
    const clean = withoutSecrets(error, [secret, other]);
    expect(clean).not.toBe(error);
    expect(clean.cause).toBeUndefined();
    expect(isUnsentFailure(clean)).toBe(true);
    expect(clean).toMatchObject({ code: 'provider_error', provider: 'smartpay', status: 500 });
    expect(clean.stack).toContain(import.meta.url.replace(/^file:\/\//, ''));
    const texts = [JSON.stringify(clean), inspect(clean, deep), String(clean.stack)];
    const needles = [...needlesOf([secret, other, header]), base64(`xBearer ${secret}`)];
    expect(leaks(texts, needles)).toEqual([]);
    expect(clean.providerCode).toContain('[redacted]');
  });

  it('drops a cause chain that holds a secret, even when the error itself holds none', () => {
    const request = new Request('https://example.test', { headers: { authorization: `Bearer ${secret}` } });
    for (const cause of [
      new TypeError('fetch failed', { cause: Object.assign(new Error(secret), { code: 'ECONNRESET' }) }),
      new TypeError('fetch failed', { cause: { request } }),
      new RefundError({ code: 'provider_error', message: 'x', requestId: base64(secret) }),
      new Error('x', { cause: new Map([['k', { deeper: [secret] }]]) }),
    ]) {
      const error = new RefundError({ code: 'network', message: 'Could not reach smartpay', cause });
      const clean = withoutSecrets(error, [secret]);
      expect(clean.cause).toBeUndefined();
      expect(inspect(clean, deep)).not.toContain(secret);
      expect(inspect(clean, deep)).not.toContain(base64(secret));
    }
  });

  it('does not redact short base64 runs that would match unrelated text', () => {
    const error = new RefundError({ code: 'authentication', message: 'dQ== is fine', providerCode: 'dQ' });
    expect(withoutSecrets(error, ['u'])).toBe(error);
  });
});

describe('runAttempt', () => {
  it('scrubs the secrets from the URLs of hook events', async () => {
    const secret = 'tok/en+1';
    const events: RefundEvent[] = [];
    const record = (event: RefundEvent) => events.push(event);
    await runAttempt(
      {
        provider: 'p',
        operation: 'list',
        attempt: 0,
        fetch: async () => new Response('{}'),
        timeoutMs: 1000,
        deadline: new Deadline(1000),
        hooks: { onRequest: record, onResponse: record },
        secrets: () => [secret],
      },
      (call) =>
        call.fetch(`https://example.test/refunds/${encodeURIComponent(secret)}?raw=${secret}`, {
          signal: call.signal,
        }),
    );
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.url).toBe('https://example.test/refunds/[redacted]?raw=[redacted]');
    }
  });
});
