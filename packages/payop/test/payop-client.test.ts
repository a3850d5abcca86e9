import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  jsonResponse,
  recordingFetch,
  requestExample,
  responseExample,
} from '../../../test/support/recording-fetch.js';
import { payopOpenApi } from '../src/generated/payop.openapi.gen.js';
import { createPayopClient } from '../src/index.js';

const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl';
const createPath = '/v1/refunds/create';
const listPath = '/v1/refunds/user-refunds';
/** The `identifier` response header example the spec documents for a created refund. */
const refundId = payopOpenApi.paths[createPath].post.responses['200'].headers.identifier.example;

function clientAnswering(body: unknown, status = 200, headers: Record<string, string> = {}) {
  const recorder = recordingFetch(() => jsonResponse(body, { status, headers }));
  const client = createPayopClient({ token, fetch: recorder.fetch });
  return { client, requests: recorder.requests };
}

function expectCommonHeaders(headers: Headers) {
  expect(headers.get('authorization')).toBe(`Bearer ${token}`);
  expect(headers.get('accept')).toBe('application/json');
  // PayOp requires it on every request; one value, never a duplicated "application/json, application/json".
  expect(headers.get('content-type')).toBe('application/json');
}

describe('createRefund', () => {
  const created = responseExample(payopOpenApi, createPath, 'post', '200', 'seed');

  it('createRefund: only required params', async () => {
    const { client, requests } = clientAnswering(created, 200, { identifier: refundId });
    const body = requestExample(payopOpenApi, createPath, 'post', 'fullRefund');
    expect(body).toEqual({ transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1', refundType: 1 });
    const { data, error, response } = await client.POST(createPath, {
      body: { transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1', refundType: 1 },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toEqual({ data: '', status: 1 });
    expect(data).toEqual(created);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://api.payop.com/v1/refunds/create');
    expectCommonHeaders(request!.headers);
    expect(request?.body).toEqual(body);
  });

  it('createRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(created, 200, { identifier: refundId });
    const body = requestExample(payopOpenApi, createPath, 'post', 'seed') as never;
    const { data, response } = await client.POST(createPath, { body });
    expect(data).toEqual(created);
    expect(response.status).toBe(200);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe('https://api.payop.com/v1/refunds/create');
    expectCommonHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toEqual({
      transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1',
      refundType: 2,
      amount: 10,
      metadata: { 'internal merchant id': 'example' },
    });
  });

  it('createRefund: the new refund id is readable only from the identifier response header', async () => {
    const { client } = clientAnswering(created, 200, { identifier: refundId });
    const { data, response } = await client.POST(createPath, {
      body: { transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1', refundType: 1 },
    });
    expect(refundId).toBe('81962ed0-a65c-4d1a-851b-b3dbf9750399');
    expect(response.headers.get('identifier')).toBe(refundId);
    expect(response.headers.get('Identifier')).toBe(refundId);
    expect(data?.data).toBe('');
    expect(JSON.stringify(data)).not.toContain(refundId);
  });

  it.each([
    ['seed', 'Refund amount is bigger than transaction amount'],
    ['seedTransactionNotFound', 'Transaction not found'],
  ])(
    'createRefund: parses the documented 422 %s body (message string) as the error',
    async (name, message) => {
      const body = responseExample(payopOpenApi, createPath, 'post', '422', name);
      const { client } = clientAnswering(body, 422);
      const { data, error, response } = await client.POST(createPath, {
        body: { transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1', refundType: 2, amount: 10 },
      });
      expect(data).toBeUndefined();
      expect(response.status).toBe(422);
      expect(error).toEqual(body);
      expect(error?.message).toBe(message);
    },
  );

  it('createRefund: parses the 422 validation body (field → messages map) as the error', async () => {
    const body = responseExample(payopOpenApi, createPath, 'post', '422', 'validation');
    const { client } = clientAnswering(body, 422);
    const { data, error } = await client.POST(createPath, {
      body: { transactionIdentifier: '', refundType: 1 },
    });
    expect(data).toBeUndefined();
    expect(error).toEqual(body);
    const message = error?.message;
    expect(typeof message === 'object' && !Array.isArray(message) ? message : undefined).toEqual({
      transactionIdentifier: ['This value should not be blank.'],
    });
  });

  it.each([
    ['401', 'seed', 'Full authentication is required to access this resource.'],
    ['401', 'tokenInvalid', 'Authorization token invalid'],
    ['403', 'accessDenied', 'Access denied.'],
    ['500', 'somethingWentWrong', 'Something went wrong, try again or contact support.'],
  ])('createRefund: parses the documented %s %s body as the error', async (status, name, message) => {
    const body = responseExample(payopOpenApi, createPath, 'post', status, name);
    const { client } = clientAnswering(body, Number(status));
    const { data, error, response } = await client.POST(createPath, {
      body: { transactionIdentifier: 'd839c714-7743-47cf-8f9d-73592597c6e1', refundType: 1 },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(Number(status));
    expect(error).toEqual({ message });
  });
});

describe('listRefunds', () => {
  it('listRefunds: only required params', async () => {
    const list = responseExample(payopOpenApi, listPath, 'get', '200', 'list');
    const { client, requests } = clientAnswering(list);
    const { data, error } = await client.GET(listPath);
    expect(error).toBeUndefined();
    expect(data).toEqual(list);
    expect(data?.data.map((refund) => refund.status)).toEqual([1, 3]);
    const [request] = requests;
    expect(request?.method).toBe('GET');
    expect(request?.url.href).toBe('https://api.payop.com/v1/refunds/user-refunds');
    expectCommonHeaders(request!.headers);
    expect(request?.body).toBeUndefined();
  });

  it('listRefunds: required and optional params', async () => {
    const oneRefund = responseExample(payopOpenApi, listPath, 'get', '200', 'oneRefund');
    let rawUrl = '';
    const recorder = recordingFetch((request) => {
      rawUrl = request.url;
      return jsonResponse(oneRefund);
    });
    const client = createPayopClient({ token, fetch: recorder.fetch });
    // The example's own refund id, which is not an RFC 4122 UUID.
    const id = '8888888-7725-56d5-b75d-1d54382d1e46';
    const { data } = await client.GET(listPath, { params: { query: { 'query[identifier]': id } } });
    expect(data).toEqual(oneRefund);
    expect(data?.data).toHaveLength(1);
    expect(data?.data[0]?.identifier).toBe(id);
    const [request] = recorder.requests;
    expect(request?.method).toBe('GET');
    // openapi-fetch sends the parameter name as written (brackets not percent-encoded) and the URL
    // parser leaves brackets in a query alone.
    expect(rawUrl).toBe(`https://api.payop.com/v1/refunds/user-refunds?query[identifier]=${id}`);
    expect(request?.url.href).toBe(rawUrl);
    // What a server (PHP, or anything using URLSearchParams) reads back: the one `query[identifier]` key.
    const search = new URLSearchParams(new URL(rawUrl).search);
    expect([...search.keys()]).toEqual(['query[identifier]']);
    expect(search.get('query[identifier]')).toBe(id);
    expectCommonHeaders(request!.headers);
    expect(request?.body).toBeUndefined();
  });

  it.each([
    ['401', 'tokenInvalid', 'Authorization token invalid'],
    ['401', 'seed', 'Full authentication is required to access this resource.'],
    ['403', 'accessDenied', 'Access denied.'],
    ['500', 'somethingWentWrong', 'Something went wrong, try again or contact support.'],
  ])('listRefunds: parses the documented %s %s body as the error', async (status, name, message) => {
    const body = responseExample(payopOpenApi, listPath, 'get', status, name);
    const { client } = clientAnswering(body, Number(status));
    const { data, error } = await client.GET(listPath, {
      params: { query: { 'query[identifier]': refundId } },
    });
    expect(data).toBeUndefined();
    expect(error).toEqual({ message });
  });
});

describe('createRefund then listRefunds', () => {
  it('reads the created refund back with the identifier header as query[identifier]', async () => {
    const oneRefund = responseExample(payopOpenApi, listPath, 'get', '200', 'oneRefund');
    const created = responseExample(payopOpenApi, createPath, 'post', '200', 'seed');
    // The example refund's own id: any string PayOp returns in the header is passed on as it is.
    const refundIdOfExample = '8888888-7725-56d5-b75d-1d54382d1e46';
    const recorder = recordingFetch((request) =>
      request.method === 'POST'
        ? jsonResponse(created, { headers: { identifier: refundIdOfExample } })
        : jsonResponse(oneRefund),
    );
    const client = createPayopClient({ token, fetch: recorder.fetch });
    const { response } = await client.POST(createPath, {
      body: requestExample(payopOpenApi, createPath, 'post', 'seed') as never,
    });
    const identifier = response.headers.get('identifier') ?? '';
    const { data } = await client.GET(listPath, { params: { query: { 'query[identifier]': identifier } } });
    expect(recorder.requests[1]?.url.searchParams.get('query[identifier]')).toBe(refundIdOfExample);
    expect(data?.data[0]?.identifier).toBe(identifier);
  });
});

describe('createPayopClient', () => {
  it('uses the given base URL and extra headers, and keeps its own auth, accept and content-type', async () => {
    const recorder = recordingFetch(() => jsonResponse({ data: [], status: 1 }));
    const client = createPayopClient({
      token,
      baseUrl: 'http://127.0.0.1:4010/payop/',
      headers: {
        'X-Trace': 'abc',
        authorization: 'Bearer other',
        accept: 'text/html',
        'content-type': 'text/plain',
      },
      fetch: recorder.fetch,
    });
    await client.GET(listPath);
    expect(recorder.requests[0]?.url.href).toBe('http://127.0.0.1:4010/payop/v1/refunds/user-refunds');
    expect(recorder.requests[0]?.headers.get('x-trace')).toBe('abc');
    expectCommonHeaders(recorder.requests[0]!.headers);
  });

  it('defaults to https://api.payop.com', async () => {
    const recorder = recordingFetch(() => jsonResponse({ data: [], status: 1 }));
    await createPayopClient({ token, fetch: recorder.fetch }).GET(listPath);
    expect(recorder.requests[0]?.url.origin).toBe('https://api.payop.com');
  });

  it('accepts a JWT with an empty signature segment', () => {
    expect(() => createPayopClient({ token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.' })).not.toThrow();
  });

  const jwtMessage =
    'createPayopClient: option "token" must be a PayOp JWT (three base64url segments separated by dots).';
  const requiredMessage = 'createPayopClient: option "token" is required and must be a non-empty string.';

  it.each([
    [{}, requiredMessage],
    [{ token: '' }, requiredMessage],
    [{ token: '   ' }, requiredMessage],
    [{ token: 42 }, requiredMessage],
    [{ token: 'not-a-jwt' }, jwtMessage],
    [{ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0' }, jwtMessage],
    [{ token: `Bearer ${token}` }, jwtMessage],
    [{ token: `${token}.extra` }, jwtMessage],
    [{ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIi+0ZXN0In0=.c2lnbmF0dXJl' }, jwtMessage],
    [{ token, baseUrl: 'api.payop.com' }, 'createPayopClient: option "baseUrl" must be an absolute URL.'],
    [{ token, fetch: 'fetch' }, 'createPayopClient: option "fetch" must be a function.'],
    [
      { token, headers: 'X-Trace: abc' },
      'createPayopClient: option "headers" must be an object of header names to values.',
    ],
  ])('throws a TypeError for bad options %#', (options, message) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      return jsonResponse({});
    };
    expect(() => createPayopClient({ fetch, ...(options as { token: string }) })).toThrow(
      new TypeError(message),
    );
    expect(calls).toBe(0);
  });

  it('never shows the token in util.inspect or errors', () => {
    const client = createPayopClient({ token });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(token);
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain('c2lnbmF0dXJl');
    for (const options of [
      { token: `${token}!` },
      { token: `${token}.extra` },
      { token, baseUrl: 'api.payop.com' },
      { token, fetch: 'fetch' as never },
    ]) {
      expect(() => createPayopClient(options)).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('c2lnbmF0dXJl') }),
      );
    }
  });
});
