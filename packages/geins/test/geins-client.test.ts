import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  jsonResponse,
  recordingFetch,
  requestExample,
  responseExample,
} from '../../../test/support/recording-fetch.js';
import { geinsOpenApi } from '../src/generated/geins.openapi.gen.js';
import { createGeinsClient, type GeinsClient, geinsBaseUrl } from '../src/index.js';

const apiKey = 'mgmt-key-7c2d3b4a5f609a1d7c442b3e4f508e61';
const username = 'api-user';
// Non-ASCII and a colon: the password may contain ':' (only the username may not), and 'ä' must be
// sent as its two UTF-8 bytes, not as one Latin-1 byte.
const password = 'pä55:word';
const basicToken = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');

const orderId = 1042;
const refundId = '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90';
const refundRowId = 8801;

function clientAnswering(body: unknown, status = 200) {
  const recorder = recordingFetch(() => jsonResponse(body, { status }));
  const client = createGeinsClient({ apiKey, username, password, fetch: recorder.fetch });
  return { client, requests: recorder.requests };
}

function expectCommonHeaders(headers: Headers, { json }: { json: boolean }) {
  expect(headers.get('x-apikey')).toBe(apiKey);
  expect(headers.get('authorization')).toBe(`Basic ${basicToken}`);
  expect(headers.get('accept')).toBe('application/json');
  expect(headers.get('content-type')).toBe(json ? 'application/json' : null);
}

describe('createRefund', () => {
  const created = responseExample(geinsOpenApi, '/API/Order/{orderId}/Refund', 'post', '200', 'seed');

  it('createRefund: only required params', async () => {
    const { client, requests } = clientAnswering(created);
    const { data, error, response } = await client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      body: { RefundAmount: 499 },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data).toEqual(created);
    expect(data?.Resource).toBe('3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe('https://mgmtapi.geins.io/API/Order/1042/Refund');
    expectCommonHeaders(request!.headers, { json: true });
    expect(request?.body).toEqual({ RefundAmount: 499 });
  });

  it('createRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(created);
    const body = requestExample(geinsOpenApi, '/API/Order/{orderId}/Refund', 'post', 'seed') as never;
    const { data, error } = await client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      body,
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(created);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe('https://mgmtapi.geins.io/API/Order/1042/Refund');
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({
      OrderRowId: 55812,
      Reference: 'RMA-2024-0192',
      Description: 'Damaged on arrival',
      Author: 'Anna Lindqvist',
      RefundAmount: 499,
      ToBalance: false,
      Settled: false,
      RefundType: 0,
      SkipRefundEvents: false,
      RefundsRequireApproval: true,
    });
  });

  it('createRefund: sends the shipping example body unchanged', async () => {
    const { client, requests } = clientAnswering(created);
    const body = requestExample(geinsOpenApi, '/API/Order/{orderId}/Refund', 'post', 'shipping') as never;
    await client.POST('/API/Order/{orderId}/Refund', { params: { path: { orderId } }, body });
    expect(requests[0]?.body).toEqual(body);
    expect(requests[0]?.body).toMatchObject({ RefundType: 2, Settled: true });
  });

  it('createRefund: parses the documented 400 body (Envelope-Nullable-Guid) into error', async () => {
    const body = responseExample(geinsOpenApi, '/API/Order/{orderId}/Refund', 'post', '400', 'validation');
    const { client } = clientAnswering(body, 400);
    const { data, error, response } = await client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      body: { RefundAmount: 0.01 },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(400);
    expect(error).toEqual(body);
    expect(error?.Message).toBe('Bad request.');
    expect(error?.Details).toEqual(['RefundAmount must be greater than 0.']);
  });

  it('createRefund: parses the documented 404 body into error', async () => {
    const body = responseExample(geinsOpenApi, '/API/Order/{orderId}/Refund', 'post', '404', 'notFound');
    const { client } = clientAnswering(body, 404);
    const { data, error } = await client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId: 999999 } },
      body: { RefundAmount: 1 },
    });
    expect(data).toBeUndefined();
    expect(error).toEqual({ Resource: null, Message: 'Not found.', Details: null });
  });
});

describe('retrieveRefund', () => {
  it('retrieveRefund: only required params', async () => {
    const refund = responseExample(
      geinsOpenApi,
      '/API/Order/{orderId}/Refund/{refundId}',
      'get',
      '200',
      'refund',
    );
    const { client, requests } = clientAnswering(refund);
    const { data, error } = await client.GET('/API/Order/{orderId}/Refund/{refundId}', {
      params: { path: { orderId, refundId } },
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(refund);
    expect(data?.Resource?.RefundRows?.map((row) => row.RefundType)).toEqual([0, 2]);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90',
    );
    expectCommonHeaders(requests[0]!.headers, { json: false });
    expect(requests[0]?.body).toBeUndefined();
  });
});

describe('listRefunds', () => {
  it('listRefunds: only required params', async () => {
    const refunds = responseExample(
      geinsOpenApi,
      '/API/Order/{orderId}/Refund/List',
      'get',
      '200',
      'refunds',
    );
    const { client, requests } = clientAnswering(refunds);
    const { data, error } = await client.GET('/API/Order/{orderId}/Refund/List', {
      params: { path: { orderId } },
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(refunds);
    expect(data?.Resource).toHaveLength(2);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe('https://mgmtapi.geins.io/API/Order/1042/Refund/List');
    expectCommonHeaders(requests[0]!.headers, { json: false });
    expect(requests[0]?.body).toBeUndefined();
  });
});

describe('queryRefunds', () => {
  const refunds = responseExample(geinsOpenApi, '/API/Refund/Query', 'post', '200', 'refunds');

  it('queryRefunds: only required params', async () => {
    const { client, requests } = clientAnswering(refunds);
    const { data, error } = await client.POST('/API/Refund/Query', { body: {} });
    expect(error).toBeUndefined();
    expect(data).toEqual(refunds);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe('https://mgmtapi.geins.io/API/Refund/Query');
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({});
  });

  it('queryRefunds: required and optional params', async () => {
    const { client, requests } = clientAnswering(refunds);
    const body = requestExample(geinsOpenApi, '/API/Refund/Query', 'post', 'pendingApproval') as never;
    const { data } = await client.POST('/API/Refund/Query', { body });
    expect(data).toEqual(refunds);
    expect(requests[0]?.url.href).toBe('https://mgmtapi.geins.io/API/Refund/Query');
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({ CreatedAfter: '2024-01-01T00:00:00Z', IncludeStatuses: [6] });
  });

  it('queryRefunds: sends the settledInMarch example body unchanged', async () => {
    const { client, requests } = clientAnswering(refunds);
    const body = requestExample(geinsOpenApi, '/API/Refund/Query', 'post', 'settledInMarch') as never;
    await client.POST('/API/Refund/Query', { body });
    expect(requests[0]?.body).toEqual({
      UpdatedAfter: '2024-03-01T00:00:00Z',
      UpdatedBefore: '2024-04-01T00:00:00Z',
      ExcludeStatuses: [2, 3],
    });
  });
});

describe('setRefundApproval', () => {
  const path = '/API/Order/{orderId}/Refund/{refundId}/SetApproval';
  const ok = responseExample(geinsOpenApi, path, 'post', '200', 'success');

  it('setRefundApproval: only required params', async () => {
    const { client, requests } = clientAnswering(ok);
    const { data, error } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: { path: { orderId, refundId } },
      body: {},
    });
    expect(error).toBeUndefined();
    expect(data).toEqual({ Message: 'Success.', Details: null });
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90/SetApproval',
    );
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({});
  });

  it('setRefundApproval: required and optional params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'approve') as never;
    const { data } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(data).toEqual(ok);
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({
      Approved: true,
      ApprovalDecidedBy: 'Anna Lindqvist',
      ApprovalDecidedOn: '2024-03-12T09:15:00Z',
    });
  });

  it('setRefundApproval: sends the deny example body unchanged', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'deny') as never;
    await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(requests[0]?.body).toEqual({ Approved: false, ApprovalDecidedBy: 'Erik Sandberg' });
  });
});

describe('setRefundAsProcessed', () => {
  const path = '/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed';
  const ok = responseExample(geinsOpenApi, path, 'post', '200', 'success');

  it('setRefundAsProcessed: only required params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'now') as never;
    const { data, error } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(ok);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90/SetAsProcessed',
    );
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({});
  });

  it('setRefundAsProcessed: required and optional params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'processed') as never;
    const { data } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(data).toEqual(ok);
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({
      ExternalId: 're_3OqK2bLkdIwHu7ix0a1b2c3d',
      Reference: 'RMA-2024-0192',
      ProcessedOn: '2024-03-12T10:02:41Z',
    });
  });
});

describe('setRefundAsSettled', () => {
  const path = '/API/Order/{orderId}/Refund/{refundId}/SetAsSettled';
  const ok = responseExample(geinsOpenApi, path, 'post', '200', 'success');

  it('setRefundAsSettled: only required params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'now') as never;
    const { data, error } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsSettled', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(ok);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90/SetAsSettled',
    );
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({});
  });

  it('setRefundAsSettled: required and optional params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'settled') as never;
    const { data } = await client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsSettled', {
      params: { path: { orderId, refundId } },
      body,
    });
    expect(data).toEqual(ok);
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({ SettledByAdminUserId: 17, SettledOn: '2024-03-12T10:05:00Z' });
  });
});

describe('setRefundRowAsSettled', () => {
  const path = '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled';
  const ok = responseExample(geinsOpenApi, path, 'post', '200', 'success');

  it('setRefundRowAsSettled: only required params', async () => {
    const { client, requests } = clientAnswering(ok);
    const body = requestExample(geinsOpenApi, path, 'post', 'now') as never;
    const { data, error } = await client.POST(
      '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled',
      { params: { path: { orderId, refundId, refundRowId } }, body },
    );
    expect(error).toBeUndefined();
    expect(data).toEqual(ok);
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90/RefundRow/8801/SetAsSettled',
    );
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({});
  });

  it('setRefundRowAsSettled: required and optional params', async () => {
    const { client, requests } = clientAnswering(ok);
    const { data } = await client.POST(
      '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled',
      {
        params: { path: { orderId, refundId, refundRowId } },
        body: {
          ...(requestExample(geinsOpenApi, path, 'post', 'settled') as object),
          SettledByAdminUserId: 17,
        },
      },
    );
    expect(data).toEqual(ok);
    expectCommonHeaders(requests[0]!.headers, { json: true });
    expect(requests[0]?.body).toEqual({ SettledOn: '2024-03-12T10:05:00Z', SettledByAdminUserId: 17 });
  });
});

describe('deleteRefundRow', () => {
  it('deleteRefundRow: only required params', async () => {
    const path = '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}';
    const ok = responseExample(geinsOpenApi, path, 'delete', '200', 'success');
    const { client, requests } = clientAnswering(ok);
    const { data, error } = await client.DELETE(
      '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}',
      { params: { path: { orderId, refundId, refundRowId } } },
    );
    expect(error).toBeUndefined();
    expect(data).toEqual({ Message: 'Success.', Details: null });
    expect(requests[0]?.method).toBe('DELETE');
    expect(requests[0]?.url.href).toBe(
      'https://mgmtapi.geins.io/API/Order/1042/Refund/3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90/RefundRow/8801',
    );
    expectCommonHeaders(requests[0]!.headers, { json: false });
    expect(requests[0]?.body).toBeUndefined();
  });
});

type Call = (client: GeinsClient) => Promise<{ data?: unknown; error?: unknown; response: Response }>;

// Every operation documents 400, 401 and 404 with the same example names; each body must land in `error`.
const everyOperation: [operationId: string, path: string, method: string, call: Call][] = [
  [
    'createRefund',
    '/API/Order/{orderId}/Refund',
    'post',
    (client) =>
      client.POST('/API/Order/{orderId}/Refund', {
        params: { path: { orderId } },
        body: { RefundAmount: 1 },
      }),
  ],
  [
    'retrieveRefund',
    '/API/Order/{orderId}/Refund/{refundId}',
    'get',
    (client) =>
      client.GET('/API/Order/{orderId}/Refund/{refundId}', { params: { path: { orderId, refundId } } }),
  ],
  [
    'listRefunds',
    '/API/Order/{orderId}/Refund/List',
    'get',
    (client) => client.GET('/API/Order/{orderId}/Refund/List', { params: { path: { orderId } } }),
  ],
  ['queryRefunds', '/API/Refund/Query', 'post', (client) => client.POST('/API/Refund/Query', { body: {} })],
  [
    'setRefundApproval',
    '/API/Order/{orderId}/Refund/{refundId}/SetApproval',
    'post',
    (client) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
        params: { path: { orderId, refundId } },
        body: { Approved: true },
      }),
  ],
  [
    'setRefundAsProcessed',
    '/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed',
    'post',
    (client) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsProcessed', {
        params: { path: { orderId, refundId } },
        body: {},
      }),
  ],
  [
    'setRefundAsSettled',
    '/API/Order/{orderId}/Refund/{refundId}/SetAsSettled',
    'post',
    (client) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/SetAsSettled', {
        params: { path: { orderId, refundId } },
        body: {},
      }),
  ],
  [
    'setRefundRowAsSettled',
    '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled',
    'post',
    (client) =>
      client.POST('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}/SetAsSettled', {
        params: { path: { orderId, refundId, refundRowId } },
        body: {},
      }),
  ],
  [
    'deleteRefundRow',
    '/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}',
    'delete',
    (client) =>
      client.DELETE('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}', {
        params: { path: { orderId, refundId, refundRowId } },
      }),
  ],
];

const documentedErrors: [status: string, example: string][] = [
  ['400', 'validation'],
  ['401', 'unauthorized'],
  ['404', 'notFound'],
];

describe.each(everyOperation)('%s error bodies', (_operationId, path, method, call) => {
  it.each(documentedErrors)('parses the documented %s body (%s) into error', async (status, example) => {
    const body = responseExample(geinsOpenApi, path, method, status, example);
    const { client, requests } = clientAnswering(body, Number(status));
    const { data, error, response } = await call(client);
    expect(requests).toHaveLength(1);
    expect(response.status).toBe(Number(status));
    expect(data).toBeUndefined();
    expect(error).toEqual(body);
  });
});

describe('createGeinsClient', () => {
  it('defaults to the production base URL', () => {
    expect(geinsBaseUrl).toBe('https://mgmtapi.geins.io');
  });

  it('sends Basic auth as base64 of the UTF-8 bytes of username:password', async () => {
    const { client, requests } = clientAnswering({ Message: 'Success.', Details: null });
    await client.GET('/API/Order/{orderId}/Refund/List', { params: { path: { orderId } } });
    const authorization = requests[0]?.headers.get('authorization');
    expect(authorization).toBe(`Basic ${Buffer.from('api-user:pä55:word', 'utf8').toString('base64')}`);
    expect(authorization).toBe('Basic YXBpLXVzZXI6cMOkNTU6d29yZA==');
    // Not the Latin-1 encoding that a bare btoa() of the string would give.
    expect(authorization).not.toBe(`Basic ${Buffer.from('api-user:pä55:word', 'latin1').toString('base64')}`);
  });

  it('encodes characters outside Latin-1 in the credentials without throwing', async () => {
    const recorder = recordingFetch(() => jsonResponse({ Message: 'Success.', Details: null }));
    const client = createGeinsClient({
      apiKey,
      username: 'användare-東京',
      password: 'nyckel🔑',
      fetch: recorder.fetch,
    });
    await client.POST('/API/Refund/Query', { body: {} });
    expect(recorder.requests[0]?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('användare-東京:nyckel🔑', 'utf8').toString('base64')}`,
    );
  });

  it('uses the given base URL and extra headers', async () => {
    const recorder = recordingFetch(() => jsonResponse({ Message: 'Success.', Details: null }));
    const client = createGeinsClient({
      apiKey,
      username,
      password,
      baseUrl: 'http://127.0.0.1:4010/geins/',
      headers: { 'X-Trace': 'abc' },
      fetch: recorder.fetch,
    });
    await client.POST('/API/Refund/Query', { body: {} });
    expect(recorder.requests[0]?.url.href).toBe('http://127.0.0.1:4010/geins/API/Refund/Query');
    expect(recorder.requests[0]?.headers.get('x-trace')).toBe('abc');
    expectCommonHeaders(recorder.requests[0]!.headers, { json: true });
  });

  it.each([
    [{}, 'createGeinsClient: option "apiKey" is required and must be a non-empty string.'],
    [
      { apiKey: '', username, password },
      'createGeinsClient: option "apiKey" is required and must be a non-empty string.',
    ],
    [
      { apiKey, password },
      'createGeinsClient: option "username" is required and must be a non-empty string.',
    ],
    [
      { apiKey, username: ' ', password },
      'createGeinsClient: option "username" is required and must be a non-empty string.',
    ],
    [
      { apiKey, username: 'api:user', password },
      'createGeinsClient: option "username" must not contain ":".',
    ],
    [
      { apiKey, username },
      'createGeinsClient: option "password" is required and must be a non-empty string.',
    ],
    [
      { apiKey, username, password: 42 },
      'createGeinsClient: option "password" is required and must be a non-empty string.',
    ],
    [
      { apiKey, username, password, baseUrl: 'mgmtapi.geins.io' },
      'createGeinsClient: option "baseUrl" must be an absolute URL.',
    ],
    [
      { apiKey, username, password, headers: 'X-Trace: abc' },
      'createGeinsClient: option "headers" must be an object of header names to values.',
    ],
  ])('throws a TypeError for bad options %#', (options, message) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      return jsonResponse({});
    };
    expect(() =>
      createGeinsClient({ ...(options as { apiKey: string; username: string; password: string }), fetch }),
    ).toThrow(new TypeError(message));
    expect(calls).toBe(0);
  });

  it('throws a TypeError when fetch is not a function', () => {
    expect(() =>
      createGeinsClient({ apiKey, username, password, fetch: 'fetch' as unknown as typeof globalThis.fetch }),
    ).toThrow(new TypeError('createGeinsClient: option "fetch" must be a function.'));
  });

  it('never shows the credentials in util.inspect or option errors', () => {
    const secrets = [apiKey, password, basicToken];
    const shown = inspect(createGeinsClient({ apiKey, username, password }), { depth: 10, showHidden: true });
    for (const secret of secrets) expect(shown).not.toContain(secret);

    const messages: string[] = [];
    const attempts = [
      { apiKey, username: `${username}:${password}`, password },
      { apiKey, username, password: ' ' },
      { apiKey: ' ', username, password },
      { apiKey, username, password, baseUrl: `not a url ${apiKey}` },
    ];
    for (const options of attempts) {
      try {
        createGeinsClient(options);
      } catch (error) {
        messages.push((error as Error).message);
      }
    }
    expect(messages).toHaveLength(attempts.length);
    for (const message of messages) {
      for (const secret of [...secrets, username]) expect(message).not.toContain(secret);
    }
  });
});
