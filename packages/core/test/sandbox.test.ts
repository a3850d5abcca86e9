import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSandbox,
  type SandboxLedgerEntry,
  SandboxResponseError,
  serveSandboxes,
  traceHeader,
  violationHeader,
} from '../src/testing/index.js';

// A toy provider: POST /v1/refunds {payment, amount} against seeded payments, with a strict response schema.
const spec = {
  openapi: '3.1.0',
  info: { title: 'toy', version: '1' },
  servers: [{ url: 'https://api.toy.test/base' }],
  paths: {
    '/v1/refunds': {
      post: {
        operationId: 'createRefund',
        parameters: [{ name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 8 } }],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['payment', 'amount'],
                properties: { payment: { type: 'string' }, amount: { type: 'integer', minimum: 1 } },
              },
            },
          },
        },
        responses: {
          '200': {
            description: 'ok',
            headers: { identifier: { required: true, schema: { type: 'string', format: 'uuid' } } },
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'amount'],
                  properties: { id: { type: 'string' }, amount: { type: 'integer', minimum: 1 } },
                },
              },
            },
          },
          '4XX': {
            description: 'error',
            content: { 'application/json': { schema: { type: 'object', required: ['message'] } } },
          },
        },
      },
      get: {
        operationId: 'listRefunds',
        parameters: [{ name: 'page[size]', in: 'query', schema: { type: 'integer', maximum: 25 } }],
        responses: {
          '200': { description: 'ok', content: { 'application/json': { schema: { type: 'array' } } } },
          '4XX': { description: 'error', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
    '/v1/refunds/{refundId}': {
      get: {
        operationId: 'retrieveRefund',
        parameters: [{ name: 'refundId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '404': { description: 'error', content: { 'application/json': { schema: { type: 'object' } } } },
        },
      },
    },
  },
};

function createToySandbox(options?: {
  seed?: number;
  now?: number;
  corrupt?: boolean;
  maxBodyBytes?: number;
}) {
  const payments = new Map<string, number>();
  const ledger: SandboxLedgerEntry[] = [];
  return createSandbox(options, (tools) => ({
    provider: 'toy',
    spec,
    mediaType: 'application/json',
    credentials: { token: 'good-token' },
    authenticate: (headers) => headers.get('authorization') === 'Bearer good-token',
    unauthorized: () => ({ status: 401, body: { message: 'unauthorized' } }),
    invalidRequest: (violations) => ({ status: 400, body: { message: violations.join('; ') } }),
    notFound: () => ({ status: 404, body: { message: 'not found' } }),
    refused: (status, message) => ({ status, body: { message } }),
    faultBody: (status) => ({ message: `fault ${status}` }),
    createPayment: ({ amount }) => {
      const id = `pay_${tools.randomId(6)}`;
      payments.set(id, amount);
      return id;
    },
    refunds: () => ledger.map((entry) => ({ ...entry })),
    handlers: {
      createRefund: ({ body }) => {
        const left = payments.get(body.payment);
        if (left === undefined) return { status: 404, body: { message: 'Transaction not found' } };
        if (body.amount > left) return { status: 422, body: { message: 'too much' } };
        payments.set(body.payment, left - body.amount);
        const id = tools.randomUuid();
        ledger.push({
          id,
          payment: body.payment,
          amount: body.amount,
          currency: 'EUR',
          status: 'succeeded',
          createdAt: tools.now().toISOString(),
        });
        return {
          status: 200,
          headers: { identifier: id },
          body: { id, amount: options?.corrupt ? 0 : body.amount },
        };
      },
      listRefunds: () => ({ status: 200, body: ledger }),
      retrieveRefund: ({ pathParams }) => ({
        status: 404,
        body: { message: `no refund ${pathParams.refundId}` },
      }),
    },
  }));
}

const auth = { authorization: 'Bearer good-token', 'content-type': 'application/json' };
const url = 'https://api.toy.test/base/v1/refunds';

function refund(
  sandbox: ReturnType<typeof createToySandbox>,
  body: unknown,
  headers: Record<string, string> = auth,
) {
  return sandbox.fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

describe('sandbox engine, in process', () => {
  it('records refunds and answers from state', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const first = await refund(sandbox, { payment, amount: 600 });
    expect(first.status).toBe(200);
    expect(first.headers.get('identifier')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await refund(sandbox, { payment, amount: 600 })).status).toBe(422);
    expect((await refund(sandbox, { payment, amount: 400 })).status).toBe(200);
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([600, 400]);
  });

  it('rejects bad credentials with the provider 401', async () => {
    const sandbox = createToySandbox();
    const response = await refund(
      sandbox,
      { payment: 'x', amount: 1 },
      { ...auth, authorization: 'Bearer nope' },
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: 'unauthorized' });
  });

  it('rejects requests that break the spec, naming the violation', async () => {
    const sandbox = createToySandbox();
    const badBody = await refund(sandbox, { payment: 'x', amount: 0 });
    expect(badBody.status).toBe(400);
    expect(badBody.headers.get(violationHeader)).toBe('request body/amount must be >= 1');
    const badHeader = await refund(
      sandbox,
      { payment: 'x', amount: 1 },
      { ...auth, 'idempotency-key': 'far-too-long' },
    );
    expect(badHeader.headers.get(violationHeader)).toBe(
      'header parameter "Idempotency-Key" must NOT have more than 8 characters',
    );
    const badQuery = await sandbox.fetch(`${url}?page%5Bsize%5D=26`, { headers: auth });
    expect(badQuery.headers.get(violationHeader)).toBe('query parameter "page[size]" must be <= 25');
    const badJson = await sandbox.fetch(url, { method: 'POST', headers: auth, body: '{' });
    expect(badJson.headers.get(violationHeader)).toBe('request body is not valid JSON');
    const wrongType = await sandbox.fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(wrongType.headers.get(violationHeader)).toMatch(/Content-Type "text\/plain"/);
    expect(sandbox.refunds()).toEqual([]);
  });

  it('answers unknown paths with the provider 404', async () => {
    const sandbox = createToySandbox();
    expect((await sandbox.fetch('https://api.toy.test/base/v2/nothing', { headers: auth })).status).toBe(404);
    expect((await sandbox.fetch('https://api.toy.test/v1/refunds', { headers: auth })).status).toBe(404);
  });

  it('fails loudly when its own response breaks the spec', async () => {
    const sandbox = createToySandbox({ corrupt: true });
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const error = await refund(sandbox, { payment, amount: 5 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SandboxResponseError);
    expect((error as SandboxResponseError).violations).toEqual(['response 200 body/amount must be >= 1']);
  });

  it('refuses a body over maxBodyBytes with the provider 413, and takes one exactly at the limit', async () => {
    const sandbox = createToySandbox({ maxBodyBytes: 64 });
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const sized = (bytes: number) => {
      const body = JSON.stringify({ payment, amount: 10, pad: '' });
      return body.replace('"pad":""', `"pad":"${'x'.repeat(bytes - body.length)}"`);
    };
    expect(sized(64)).toHaveLength(64);
    const over = await sandbox.fetch(url, { method: 'POST', headers: auth, body: sized(65) });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      message:
        'The request body is larger than the sandbox accepts (64 bytes; the maxBodyBytes option sets it)',
    });
    const declared = await sandbox.fetch(url, {
      method: 'POST',
      headers: { ...auth, 'content-length': '65' },
      body: sized(65),
    });
    expect(declared.status).toBe(413);
    expect(sandbox.refunds()).toEqual([]);
    expect((await sandbox.fetch(url, { method: 'POST', headers: auth, body: sized(64) })).status).toBe(200);
    expect(() => createToySandbox({ maxBodyBytes: 0 })).toThrow(
      '"maxBodyBytes" must be a positive whole number',
    );
  });

  it('says what each control route expected when it gets something else', async () => {
    const sandbox = createToySandbox();
    const control = async (method: string, path: string, body?: string) => {
      const response = await sandbox.fetch(`https://api.toy.test/_sandbox${path}`, { method, body });
      return { status: response.status, ...((await response.json()) as { error: string }) };
    };
    expect(await control('POST', '/payments')).toEqual({
      status: 400,
      error:
        'POST /_sandbox/payments expects a JSON object body like {"amount": 1000, "currency": "EUR"}; the body is empty',
    });
    expect((await control('POST', '/payments', '{"amount":')).error).toMatch(
      /like \{"amount".*; the body is not JSON$/,
    );
    expect((await control('POST', '/payments', '[1]')).error).toMatch(/; got an array$/);
    expect((await control('POST', '/payments', '{"currency":"EUR"}')).error).toBe(
      'POST /_sandbox/payments: "amount" must be a number (integer minor units), got nothing',
    );
    expect((await control('POST', '/payments', '{"amount":1,"currency":978}')).error).toBe(
      'POST /_sandbox/payments: "currency" must be an ISO 4217 code, got 978',
    );
    expect((await control('POST', '/faults', '')).error).toBe(
      'POST /_sandbox/faults expects a JSON object body like {"kind": "http-500", "times": 1}; the body is empty',
    );
    expect((await control('POST', '/faults', '{"kind":"http-418"}')).error).toBe(
      'Unknown fault kind "http-418" (one of: http-500, http-503, http-429, delay, reset, drop-after-commit, gateway-error, slow, garbage-200)',
    );
    expect((await control('POST', '/faults', '{"kind":"delay","ms":"soon"}')).error).toBe(
      'Fault "ms" must be a number of milliseconds ≥ 0, got "soon"',
    );
    expect((await control('POST', '/faults', '{"kind":"reset","time":2}')).error).toBe(
      'Unknown fault field "time" (the fields: kind, times, match, skip, ms, status, commit, retryAfter, drop)',
    );
    expect((await control('POST', '/faults', '{"kind":"reset","match":{"operation":"x"}}')).error).toBe(
      'Unknown fault field "match.operation" (the fields: operationId, method, path)',
    );
    expect(await control('PUT', '/faults')).toEqual({
      status: 404,
      error:
        'No sandbox control route "PUT /_sandbox/faults" (the routes: GET /_sandbox, POST /_sandbox/payments, GET /_sandbox/refunds, GET /_sandbox/faults, POST /_sandbox/faults, DELETE /_sandbox/faults)',
    });
    expect(sandbox.faults.pending()).toEqual([]);
  });

  it('is deterministic with a seed and a fixed clock', () => {
    const ids = (seed: number) => {
      const sandbox = createToySandbox({ seed, now: Date.UTC(2026, 0, 1) });
      return [
        sandbox.createPayment({ amount: 1, currency: 'EUR' }),
        sandbox.createPayment({ amount: 1, currency: 'EUR' }),
      ];
    };
    expect(ids(7)).toEqual(ids(7));
    expect(ids(7)).not.toEqual(ids(8));
  });
});

describe('fault injection, in process', () => {
  it('answers http-500, http-503 and http-429 (with Retry-After) without processing', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'http-500' });
    sandbox.faults.inject({ kind: 'http-503' });
    sandbox.faults.inject({ kind: 'http-429', retryAfter: 3 });
    expect((await refund(sandbox, { payment, amount: 1 })).status).toBe(500);
    expect((await refund(sandbox, { payment, amount: 1 })).status).toBe(503);
    const limited = await refund(sandbox, { payment, amount: 1 });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect(sandbox.refunds()).toEqual([]);
    expect((await refund(sandbox, { payment, amount: 1 })).status).toBe(200);
  });

  it('matches faults by operation and counts them down', async () => {
    const sandbox = createToySandbox();
    sandbox.faults.inject({ kind: 'http-503', times: 2, match: { operationId: 'listRefunds' } });
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    expect((await refund(sandbox, { payment, amount: 1 })).status).toBe(200);
    expect((await sandbox.fetch(url, { headers: auth })).status).toBe(503);
    expect(sandbox.faults.pending()).toMatchObject([{ kind: 'http-503', remaining: 1 }]);
    expect((await sandbox.fetch(url, { headers: auth })).status).toBe(503);
    expect((await sandbox.fetch(url, { headers: auth })).status).toBe(200);
  });

  it('delay waits, then processes', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'delay', ms: 60 });
    const started = performance.now();
    expect((await refund(sandbox, { payment, amount: 1 })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('reset drops the request before it is processed', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'reset' });
    await expect(refund(sandbox, { payment, amount: 1 })).rejects.toThrow(
      expect.objectContaining({ name: 'TypeError', cause: expect.objectContaining({ code: 'ECONNRESET' }) }),
    );
    expect(sandbox.refunds()).toEqual([]);
  });

  it('drop-after-commit records the refund, then loses the response (reset or timeout)', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'drop-after-commit' });
    await expect(refund(sandbox, { payment, amount: 5 })).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);

    sandbox.faults.inject({ kind: 'drop-after-commit', drop: 'timeout' });
    const timedOut = sandbox.fetch(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ payment, amount: 6 }),
      signal: AbortSignal.timeout(50),
    });
    await expect(timedOut).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([5, 6]);
  });

  it('rejects unknown fault kinds, listing the valid ones', () => {
    const sandbox = createToySandbox();
    expect(() => sandbox.faults.inject({ kind: 'http-418' as never })).toThrow(
      'Unknown fault kind "http-418" (one of: http-500, http-503, http-429, delay, reset, drop-after-commit, gateway-error, slow, garbage-200)',
    );
    expect(() => sandbox.faults.inject({ kind: 'reset', skip: -1 })).toThrow(
      'Fault "skip" must be a whole number ≥ 0, got -1',
    );
    expect(() => sandbox.faults.inject({ kind: 'gateway-error', status: 500 as never })).toThrow(
      'Fault "status" must be 502, 503 or 504, got 500',
    );
    expect(() => sandbox.faults.inject(null as never)).toThrow(
      "A fault is an object like { kind: 'http-500' }",
    );
  });

  it('gateway-error answers a gateway page while the request commits: before the answer, or ms later', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'gateway-error' });
    const bad = await refund(sandbox, { payment, amount: 5 });
    expect([bad.status, bad.headers.get('content-type'), await bad.text()]).toEqual([
      502,
      'text/html',
      expect.stringContaining('502 Bad Gateway'),
    ]);
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([5]);

    sandbox.faults.inject({ kind: 'gateway-error', status: 504, ms: 40 });
    expect((await refund(sandbox, { payment, amount: 6 })).status).toBe(504);
    // Not yet: it lands after the answer.
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([5]);
    await sandbox.settled();
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([5, 6]);
  });

  it('slow processes the request late even when the caller has given up, and answers one that waits', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'slow', ms: 60, times: 2 });
    const abandoned = sandbox.fetch(url, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ payment, amount: 7 }),
      signal: AbortSignal.timeout(10),
    });
    await expect(abandoned).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(sandbox.refunds()).toEqual([]);
    await sandbox.settled();
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([7]);
    const started = performance.now();
    expect((await refund(sandbox, { payment, amount: 8 })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('garbage-200 answers a 200 that is not JSON, after processing unless commit is false', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'garbage-200' });
    sandbox.faults.inject({ kind: 'garbage-200', commit: false });
    for (const amount of [9, 10]) {
      const answer = await refund(sandbox, { payment, amount });
      expect(answer.status).toBe(200);
      await expect(answer.clone().json()).rejects.toThrow(SyntaxError);
    }
    expect(sandbox.refunds().map((entry) => entry.amount)).toEqual([9]);
  });

  it('skip lets matching requests through before the fault applies; each fault counts its own', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    sandbox.faults.inject({ kind: 'http-503', skip: 2 });
    sandbox.faults.inject({ kind: 'http-500', skip: 1 });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await refund(sandbox, { payment, amount: 1 })).status);
    expect(statuses).toEqual([200, 500, 503, 200]);
  });

  it('records the trace header of the request that made each refund', async () => {
    const sandbox = createToySandbox();
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    await refund(sandbox, { payment, amount: 1 }, { ...auth, [traceHeader]: 'call-1' });
    await refund(sandbox, { payment, amount: 2 });
    expect(sandbox.refunds().map(({ amount, trace }) => ({ amount, trace }))).toEqual([
      { amount: 1, trace: 'call-1' },
      { amount: 2, trace: undefined },
    ]);
  });
});

describe('sandbox over HTTP', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  it('serves the API and the control routes on 127.0.0.1', async () => {
    const sandbox = createToySandbox();
    const { url: base, close } = await sandbox.listen();
    closers.push(close);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/base$/);
    const origin = new URL(base).origin;
    const seeded = await fetch(`${origin}/_sandbox/payments`, {
      method: 'POST',
      body: JSON.stringify({ amount: 900, currency: 'EUR' }),
    });
    const { id } = (await seeded.json()) as { id: string };
    const response = await fetch(`${base}/v1/refunds`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ payment: id, amount: 900 }),
    });
    expect(response.status).toBe(200);
    const ledger = (await (await fetch(`${origin}/_sandbox/refunds`)).json()) as {
      refunds: SandboxLedgerEntry[];
    };
    expect(ledger.refunds).toMatchObject([{ payment: id, amount: 900 }]);
    expect(await (await fetch(`${origin}/_sandbox`)).json()).toEqual({
      provider: 'toy',
      credentials: { token: 'good-token' },
    });
  });

  it('injects faults through the control API and drops real connections', async () => {
    const sandbox = createToySandbox();
    const { url: base, close } = await sandbox.listen();
    closers.push(close);
    const origin = new URL(base).origin;
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const armed = await fetch(`${origin}/_sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'drop-after-commit', match: { operationId: 'createRefund' } }),
    });
    expect(armed.status).toBe(201);
    await expect(
      fetch(`${base}/v1/refunds`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ payment, amount: 10 }),
      }),
    ).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);

    sandbox.faults.inject({ kind: 'reset' });
    await expect(
      fetch(`${base}/v1/refunds`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ payment, amount: 10 }),
      }),
    ).rejects.toThrow('fetch failed');
    expect(sandbox.refunds()).toHaveLength(1);

    sandbox.faults.inject({ kind: 'drop-after-commit', drop: 'timeout' });
    await expect(
      fetch(`${base}/v1/refunds`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ payment, amount: 10 }),
        signal: AbortSignal.timeout(100),
      }),
    ).rejects.toThrow(expect.objectContaining({ name: 'TimeoutError' }));
    expect(sandbox.refunds()).toHaveLength(2);
  });

  it('answers 500 with the violation when its own response breaks the spec', async () => {
    const sandbox = createToySandbox({ corrupt: true });
    const { url: base, close } = await sandbox.listen();
    closers.push(close);
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const response = await fetch(`${base}/v1/refunds`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ payment, amount: 10 }),
    });
    expect(response.status).toBe(500);
    expect(response.headers.get(violationHeader)).toBe('response 200 body/amount must be >= 1');
  });

  it('mounts several sandboxes on one port', async () => {
    const first = createToySandbox();
    const second = createToySandbox();
    const served = await serveSandboxes({ '/first': first.runtime, '/second': second.runtime });
    closers.push(served.close);
    const payment = second.createPayment({ amount: 50, currency: 'EUR' });
    const response = await fetch(`${served.origin}/second/base/v1/refunds`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ payment, amount: 50 }),
    });
    expect(response.status).toBe(200);
    expect([first.refunds().length, second.refunds().length]).toEqual([0, 1]);
    expect((await fetch(`${served.origin}/third/x`)).status).toBe(404);
  });

  /** A raw request: `write` sends the body its own way; the answer is whatever arrives first. */
  function raw(
    base: string,
    headers: Record<string, string>,
    write: (request: ReturnType<typeof httpRequest>) => Promise<void> | void,
  ) {
    const { hostname, port } = new URL(base);
    return new Promise<{ status: number; body: string; written: boolean }>((resolve, reject) => {
      let written = false;
      const request = httpRequest(
        { host: hostname, port, method: 'POST', path: '/base/v1/refunds', headers: { ...auth, ...headers } },
        (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => {
            resolve({ status: response.statusCode!, body, written });
            request.destroy();
          });
        },
      );
      request.on('error', reject);
      Promise.resolve(write(request)).then(() => {
        written = true;
      }, reject);
    });
  }

  it('refuses an oversized body with the provider 413 before reading it, and takes one exactly at the limit', async () => {
    const limit = 64 * 1024;
    const sandbox = createToySandbox({ maxBodyBytes: limit });
    const { url: base, close } = await sandbox.listen();
    closers.push(close);
    const tooLarge = {
      status: 413,
      body: JSON.stringify({
        message: `The request body is larger than the sandbox accepts (${limit} bytes; the maxBodyBytes option sets it)`,
      }),
    };
    // Declared: the headers alone get the 413; the body is never sent.
    const declared = await raw(base, { 'content-length': String(50 * 1024 * 1024) }, (request) => {
      request.flushHeaders();
    });
    expect(declared).toMatchObject(tooLarge);
    // Chunked: answered as soon as it passes the limit, while the client is still sending (bounded loop).
    const chunk = Buffer.alloc(16 * 1024, 'x');
    let sent = 0;
    const chunked = await raw(base, { 'transfer-encoding': 'chunked' }, async (request) => {
      while (sent < 256 && !request.destroyed) {
        request.write(chunk);
        sent += 1;
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    expect(chunked).toMatchObject({ ...tooLarge, written: false });
    expect(sent).toBeLessThan(256);
    // Exactly at the limit: processed.
    const payment = sandbox.createPayment({ amount: 1000, currency: 'EUR' });
    const body = JSON.stringify({ payment, amount: 10, pad: '' });
    const atLimit = body.replace('"pad":""', `"pad":"${'x'.repeat(limit - body.length)}"`);
    const accepted = await fetch(`${base}/v1/refunds`, { method: 'POST', headers: auth, body: atLimit });
    expect(accepted.status).toBe(200);
    expect(sandbox.refunds()).toHaveLength(1);
  });

  it('answers TRACE with the provider 405 and a malformed percent-encoding with its 404', async () => {
    const sandbox = createToySandbox();
    const { url: base, close } = await sandbox.listen();
    closers.push(close);
    const { hostname, port } = new URL(base);
    const send = (method: string, path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest({ host: hostname, port, method, path, headers: auth }, (response) => {
          let body = '';
          response.on('data', (chunk) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        request.on('error', reject).end();
      });
    expect(await send('TRACE', '/base/v1/refunds')).toEqual({
      status: 405,
      body: JSON.stringify({ message: 'TRACE is not served' }),
    });
    // The route's own 404 for a well-formed id; the 404 of no route for one that cannot be decoded.
    expect(await send('GET', '/base/v1/refunds/%C3%A9')).toEqual({
      status: 404,
      body: JSON.stringify({ message: 'no refund é' }),
    });
    expect(await send('GET', '/base/v1/refunds/%E0%A4%A')).toEqual({
      status: 404,
      body: JSON.stringify({ message: 'not found' }),
    });
  });
});
