import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  jsonResponse,
  recordingFetch,
  requestExample,
  responseExample,
} from '../../../test/support/recording-fetch.js';
import { smartpayOpenApi } from '../src/generated/smartpay.openapi.gen.js';
import { createSmartpayClient } from '../src/index.js';

const secretKey = 'sk_test_Ho1BrYTcg3gAX4vTKk1taz';

function clientAnswering(body: unknown, status = 200) {
  const recorder = recordingFetch(() => jsonResponse(body, { status }));
  const client = createSmartpayClient({ secretKey, fetch: recorder.fetch });
  return { client, requests: recorder.requests };
}

function expectCommonHeaders(headers: Headers) {
  expect(headers.get('authorization')).toBe(`Basic ${secretKey}`);
  expect(headers.get('accept')).toBe('application/json');
}

describe('createRefund', () => {
  const created = responseExample(smartpayOpenApi, '/v1/refunds', 'post', '200', 'partialRefund');

  it('createRefund: only required params', async () => {
    const { client, requests } = clientAnswering(created);
    const { data, error, response } = await client.POST('/v1/refunds', {
      body: { payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4', currency: 'JPY', reason: 'fraudulent' },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toEqual(created);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://api.smartpay.co/v1/refunds');
    expectCommonHeaders(request!.headers);
    expect(request?.headers.get('content-type')).toBe('application/json');
    expect(request?.headers.has('idempotency-key')).toBe(false);
    expect(request?.body).toEqual({
      payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
      currency: 'JPY',
      reason: 'fraudulent',
    });
  });

  it('createRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(created);
    const body = requestExample(smartpayOpenApi, '/v1/refunds', 'post', 'partialRefund') as never;
    const { data } = await client.POST('/v1/refunds', {
      params: { header: { 'Idempotency-Key': '5f0c6d5e-2b7a-4c1e-9a57-0f6a3b9d8e21' } },
      body,
    });
    expect(data?.amount).toBe(1500);
    expect(requests[0]?.headers.get('idempotency-key')).toBe('5f0c6d5e-2b7a-4c1e-9a57-0f6a3b9d8e21');
    expect(requests[0]?.body).toEqual(body);
  });

  it("createRefund: sends optional fields given as null as they are (the SDKs' body)", async () => {
    const { client, requests } = clientAnswering(created);
    const body = requestExample(smartpayOpenApi, '/v1/refunds', 'post', 'nullOptionals') as never;
    const { error } = await client.POST('/v1/refunds', { body });
    expect(error).toBeUndefined();
    expect(requests[0]?.body).toEqual({
      payment: 'payment_test_GDEATBKK8XAp9XGf6J4U4',
      amount: 1,
      currency: 'JPY',
      reason: 'requested_by_customer',
      reference: null,
      description: null,
      lineItems: null,
      metadata: null,
    });
  });

  it('createRefund: parses the documented 403 amount.insufficient body as the error', async () => {
    const body = responseExample(smartpayOpenApi, '/v1/refunds', 'post', '403', 'amountInsufficient');
    const { client } = clientAnswering(body, 403);
    const { data, error, response } = await client.POST('/v1/refunds', {
      body: { payment: 'payment_test_x1', currency: 'JPY', reason: 'fraudulent', amount: 99999 },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(403);
    expect(error).toEqual(body);
    expect(error && 'errorCode' in error ? error.errorCode : undefined).toBe('amount.insufficient');
  });
});

describe('retrieveRefund', () => {
  it('retrieveRefund: only required params', async () => {
    const refund = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'get', '200', 'refund');
    const { client, requests } = clientAnswering(refund);
    const { data } = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' } },
    });
    expect(data).toEqual(refund);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      'https://api.smartpay.co/v1/refunds/refund_test_5cyuNKXxPDfZ6bqKs7kDaX',
    );
    expectCommonHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toBeUndefined();
  });

  it('retrieveRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(
      responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'get', '200', 'refund'),
    );
    await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' }, query: { expand: 'all' } },
    });
    expect(requests[0]?.url.search).toBe('?expand=all');
  });

  it('retrieveRefund: parses the expanded refund (expand=all) with Line Item objects', async () => {
    const expanded = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'get', '200', 'expanded');
    const { client } = clientAnswering(expanded);
    const { data } = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' }, query: { expand: 'all' } },
    });
    expect(data).toEqual(expanded);
    expect(data?.lineItems[0]).toMatchObject({ id: 'li_test_Lj1ofPS7HabmT3i0XsyB4V', object: 'lineItem' });
  });

  it('retrieveRefund: parses the 404 refund.not-found body', async () => {
    const body = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'get', '404', 'refundNotFound');
    const { client } = clientAnswering(body, 404);
    const { error } = await client.GET('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_missing' } },
    });
    expect(error).toEqual(body);
  });
});

describe('updateRefund', () => {
  it('updateRefund: required and optional params', async () => {
    const updated = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'patch', '200', 'updated');
    const { client, requests } = clientAnswering(updated);
    const body = requestExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'patch', 'setReference') as never;
    const { data } = await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' } },
      body,
    });
    expect(data).toEqual(updated);
    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.pathname).toBe('/v1/refunds/refund_test_5cyuNKXxPDfZ6bqKs7kDaX');
    expect(requests[0]?.headers.get('content-type')).toBe('application/json');
    expect(requests[0]?.body).toEqual(body);
  });

  it('updateRefund: sends null for fields not to change, as the php SDK does', async () => {
    const updated = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'patch', '200', 'updated');
    const { client, requests } = clientAnswering(updated);
    await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' } },
      body: { reference: 'creditmemo_000000124', description: null, metadata: null },
    });
    expect(requests[0]?.body).toEqual({
      reference: 'creditmemo_000000124',
      description: null,
      metadata: null,
    });
  });

  it('updateRefund: only required params (an empty body)', async () => {
    const updated = responseExample(smartpayOpenApi, '/v1/refunds/{refundId}', 'patch', '200', 'updated');
    const { client, requests } = clientAnswering(updated);
    await client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_5cyuNKXxPDfZ6bqKs7kDaX' } },
      body: {},
    });
    expect(requests[0]?.body).toEqual({});
  });
});

describe('listRefunds', () => {
  const page = responseExample(smartpayOpenApi, '/v1/refunds', 'get', '200', 'firstPage');

  it('listRefunds: only required params', async () => {
    const { client, requests } = clientAnswering(page);
    const { data } = await client.GET('/v1/refunds');
    expect(data).toEqual(page);
    expect(requests[0]?.url.href).toBe('https://api.smartpay.co/v1/refunds');
    // Every page, the first too, names its own token (sdk-node's Collection type).
    expect(data?.pageToken).toEqual(expect.any(String));
    expectCommonHeaders(requests[0]!.headers);
  });

  it('listRefunds: required and optional params', async () => {
    const { client, requests } = clientAnswering(page);
    await client.GET('/v1/refunds', {
      params: { query: { maxResults: 2, pageToken: 'tok_1', expand: 'no' } },
    });
    expect(Object.fromEntries(requests[0]!.url.searchParams)).toEqual({
      maxResults: '2',
      pageToken: 'tok_1',
      expand: 'no',
    });
  });
});

describe('createSmartpayClient', () => {
  it('uses the given base URL and extra headers', async () => {
    const recorder = recordingFetch(() => jsonResponse({}));
    const client = createSmartpayClient({
      secretKey,
      baseUrl: 'http://127.0.0.1:4010/smartpay/',
      headers: { 'X-Trace': 'abc' },
      fetch: recorder.fetch,
    });
    await client.GET('/v1/refunds');
    expect(recorder.requests[0]?.url.href).toBe('http://127.0.0.1:4010/smartpay/v1/refunds');
    expect(recorder.requests[0]?.headers.get('x-trace')).toBe('abc');
  });

  it.each([
    [{}, 'createSmartpayClient: option "secretKey" is required and must be a non-empty string.'],
    [
      { secretKey: '' },
      'createSmartpayClient: option "secretKey" is required and must be a non-empty string.',
    ],
    [
      { secretKey: 'pk_test_PCLEGPw9RrKIAlRcK504Bj' },
      'createSmartpayClient: option "secretKey" must be a Smartpay secret key (sk_test_… or sk_live_…).',
    ],
    [
      { secretKey, baseUrl: 'api.smartpay.co' },
      'createSmartpayClient: option "baseUrl" must be an absolute URL.',
    ],
  ])('throws a TypeError for bad options %#', (options, message) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      return jsonResponse({});
    };
    expect(() => createSmartpayClient({ ...(options as { secretKey: string }), fetch })).toThrow(
      new TypeError(message),
    );
    expect(calls).toBe(0);
  });

  it('never shows the secret key in util.inspect or errors', () => {
    const client = createSmartpayClient({ secretKey });
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(secretKey);
    expect(() => createSmartpayClient({ secretKey: `${secretKey}!` })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(secretKey) }),
    );
  });
});
