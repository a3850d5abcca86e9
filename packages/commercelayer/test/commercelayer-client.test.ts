import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  jsonResponse,
  recordingFetch,
  requestExample,
  responseExample,
} from '../../../test/support/recording-fetch.js';
import { commercelayerOpenApi } from '../src/generated/commercelayer.openapi.gen.js';
import { type CommercelayerClient, commercelayerBaseUrl, createCommercelayerClient } from '../src/index.js';

const jsonApi = 'application/vnd.api+json';
const organization = 'acme';
// A made-up JWT (header, payload and signature are base64url; the signature is not real).
const accessToken =
  'eyJhbGciOiJSUzUxMiIsInR5cCI6IkpXVCIsImtpZCI6InRlc3QifQ.eyJvcmdhbml6YXRpb24iOnsic2x1ZyI6ImFjbWUiLCJpZCI6IldYbEVPRnJqbnIifSwiYXBwbGljYXRpb24iOnsia2luZCI6ImludGVncmF0aW9uIn0sInRlc3QiOnRydWV9.bm90LWEtcmVhbC1zaWduYXR1cmU';
const api = 'https://acme.commercelayer.io/api';

/** A client whose fetch answers every request with `body` as a JSON:API document. */
function clientAnswering(body: unknown, status = 200, headers?: Record<string, string>) {
  const recorder = recordingFetch(() => jsonResponse(body, { status, contentType: jsonApi, headers }));
  const client = createCommercelayerClient({ organization, accessToken, fetch: recorder.fetch });
  return { client, requests: recorder.requests };
}

function expectJsonApiHeaders(headers: Headers) {
  expect(headers.get('authorization')).toBe(`Bearer ${accessToken}`);
  expect(headers.get('accept')).toBe(jsonApi);
  // Sent on every request, as the official SDK does; on bodies it replaces openapi-fetch's application/json.
  expect(headers.get('content-type')).toBe(jsonApi);
}

const example = (path: string, method: string, status: string, name: string) =>
  responseExample(commercelayerOpenApi, path, method, status, name);

describe('listRefunds', () => {
  const page = example('/refunds', 'get', '200', 'page');

  it('listRefunds: only required params', async () => {
    const { client, requests } = clientAnswering(page);
    const { data, error, response } = await client.GET('/refunds');
    expect(error).toBeUndefined();
    // A JSON:API content type is parsed as JSON (openapi-fetch's default parseAs: 'json').
    expect(response.headers.get('content-type')).toBe(jsonApi);
    expect(data).toEqual(page);
    expect(data?.meta).toEqual({ record_count: 1, page_count: 1 });
    const [request] = requests;
    expect(request?.method).toBe('GET');
    expect(request?.url.href).toBe(`${api}/refunds`);
    expectJsonApiHeaders(request!.headers);
    expect(request?.body).toBeUndefined();
  });

  it('listRefunds: required and optional params', async () => {
    const { client, requests } = clientAnswering(page);
    const { data } = await client.GET('/refunds', {
      params: {
        query: {
          'page[number]': 2,
          'page[size]': 25,
          sort: '-created_at,number',
          include: 'reference_capture,order',
          'fields[refunds]': 'number,amount_cents,succeeded',
          'fields[captures]': 'number,refund_balance_cents',
          'filter[q]': {
            reference_eq: 'ANY-EXTERNAL-REFEFERNCE',
            succeeded_true: 'true',
            created_at_gteq: '2024-05-01T00:00:00Z',
          },
        },
      },
    });
    expect(data).toEqual(page);
    const [request] = requests;
    expect(request?.method).toBe('GET');
    // Brackets go out as is (the docs accept them raw or percent-encoded); values are percent-encoded.
    expect(request?.url.href).toBe(
      `${api}/refunds?page[number]=2&page[size]=25&sort=-created_at%2Cnumber&include=reference_capture%2Corder` +
        '&fields[refunds]=number%2Camount_cents%2Csucceeded&fields[captures]=number%2Crefund_balance_cents' +
        '&filter[q][reference_eq]=ANY-EXTERNAL-REFEFERNCE&filter[q][succeeded_true]=true' +
        '&filter[q][created_at_gteq]=2024-05-01T00%3A00%3A00Z',
    );
    expect(Object.fromEntries(request!.url.searchParams)).toEqual({
      'page[number]': '2',
      'page[size]': '25',
      sort: '-created_at,number',
      include: 'reference_capture,order',
      'fields[refunds]': 'number,amount_cents,succeeded',
      'fields[captures]': 'number,refund_balance_cents',
      'filter[q][reference_eq]': 'ANY-EXTERNAL-REFEFERNCE',
      'filter[q][succeeded_true]': 'true',
      'filter[q][created_at_gteq]': '2024-05-01T00:00:00Z',
    });
    expectJsonApiHeaders(request!.headers);
  });

  it('listRefunds: encodes a _jcont filter value (a JSON object) as one query value', async () => {
    const { client, requests } = clientAnswering(page);
    await client.GET('/refunds', { params: { query: { 'filter[q]': { metadata_jcont: '{"foo":"bar"}' } } } });
    expect(requests[0]?.url.search).toBe('?filter[q][metadata_jcont]=%7B%22foo%22%3A%22bar%22%7D');
    expect(requests[0]?.url.searchParams.get('filter[q][metadata_jcont]')).toBe('{"foo":"bar"}');
  });
});

describe('createRefund (deprecated)', () => {
  const created = example('/refunds', 'post', '201', 'seed');

  it('createRefund: only required params', async () => {
    const { client, requests } = clientAnswering(created, 201);
    const body = requestExample(commercelayerOpenApi, '/refunds', 'post', 'seed') as never;
    const { data, error, response } = await client.POST('/refunds', { body });
    expect(error).toBeUndefined();
    expect(response.status).toBe(201);
    expect(data).toEqual(created);
    // The seed example with its types corrected: numbers and a boolean, not strings.
    expect(data?.data.attributes.amount_cents).toBe(1500);
    expect(data?.data.attributes.amount_float).toBe(15);
    expect(data?.data.attributes.succeeded).toBe(false);
    expect(data?.data.attributes.formatted_amount).toBe('€15,00');
    const [request] = requests;
    expect(request?.method).toBe('POST');
    expect(request?.url.href).toBe(`${api}/refunds`);
    expectJsonApiHeaders(request!.headers);
    expect(request?.body).toEqual({ data: { type: 'refunds' } });
  });

  it('createRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(created, 201);
    const body = {
      data: {
        type: 'refunds' as const,
        attributes: {
          reference: 'ANY-EXTERNAL-REFEFERNCE',
          reference_origin: 'ANY-EXTERNAL-REFEFERNCE-ORIGIN',
          metadata: { foo: 'bar' },
        },
      },
    };
    const { data } = await client.POST('/refunds', { body });
    expect(data?.data.attributes.reference).toBe('ANY-EXTERNAL-REFEFERNCE');
    expect(requests[0]?.method).toBe('POST');
    expect(requests[0]?.url.href).toBe(`${api}/refunds`);
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toEqual(body);
  });
});

describe('retrieveRefund', () => {
  const refund = example('/refunds/{refundId}', 'get', '200', 'withCapture');

  it('retrieveRefund: only required params', async () => {
    const { client, requests } = clientAnswering(refund);
    const { data } = await client.GET('/refunds/{refundId}', {
      params: { path: { refundId: 'xYZkjABcde' } },
    });
    expect(data).toEqual(refund);
    expect(data?.data.attributes.amount_cents).toBe(500);
    expect(data?.included?.[0]?.type).toBe('captures');
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(`${api}/refunds/xYZkjABcde`);
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toBeUndefined();
  });

  it('retrieveRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(refund);
    const { data } = await client.GET('/refunds/{refundId}', {
      params: {
        path: { refundId: 'xYZkjABcde' },
        query: {
          include: 'reference_capture',
          'fields[refunds]': 'number,amount_cents,succeeded,reference_capture',
          'fields[captures]': 'number,refund_balance_cents',
        },
      },
    });
    expect(data).toEqual(refund);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      `${api}/refunds/xYZkjABcde?include=reference_capture` +
        '&fields[refunds]=number%2Camount_cents%2Csucceeded%2Creference_capture' +
        '&fields[captures]=number%2Crefund_balance_cents',
    );
    expectJsonApiHeaders(requests[0]!.headers);
  });

  it('retrieveRefund: percent-encodes the path parameter', async () => {
    const { client, requests } = clientAnswering(refund);
    await client.GET('/refunds/{refundId}', { params: { path: { refundId: '../orders/x y' } } });
    expect(requests[0]?.url.href).toBe(`${api}/refunds/..%2Forders%2Fx%20y`);
  });
});

describe('updateRefund', () => {
  const updated = example('/refunds/{refundId}', 'patch', '200', 'seed');

  it('updateRefund: only required params', async () => {
    const { client, requests } = clientAnswering(updated);
    // Seed 001's body, unchanged: the required data.type, data.id and data.attributes.
    const body = requestExample(commercelayerOpenApi, '/refunds/{refundId}', 'patch', 'seed') as never;
    const { data, error } = await client.PATCH('/refunds/{refundId}', {
      params: { path: { refundId: 'xYZkjABcde' } },
      body,
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(updated);
    expect(data?.data.attributes.amount_cents).toBe(1500);
    expect(data?.data.attributes.succeeded).toBe(false);
    const [request] = requests;
    expect(request?.method).toBe('PATCH');
    expect(request?.url.href).toBe(`${api}/refunds/xYZkjABcde`);
    expectJsonApiHeaders(request!.headers);
    expect(request?.body).toEqual({
      data: { type: 'refunds', id: 'xYZkjABcde', attributes: { reference: 'ANY-EXTERNAL-REFEFERNCE' } },
    });
  });

  it('updateRefund: required and optional params', async () => {
    const { client, requests } = clientAnswering(updated);
    const body = {
      data: {
        type: 'refunds' as const,
        id: 'xYZkjABcde',
        attributes: {
          succeeded: true,
          reference: 'ANY-EXTERNAL-REFEFERNCE',
          reference_origin: 'ANY-EXTERNAL-REFEFERNCE-ORIGIN',
          metadata: { foo: 'bar' },
        },
        relationships: {},
      },
    };
    const { data } = await client.PATCH('/refunds/{refundId}', {
      params: {
        path: { refundId: 'xYZkjABcde' },
        query: { include: 'reference_capture', 'fields[refunds]': 'number', 'fields[captures]': 'number' },
      },
      body,
    });
    expect(data).toEqual(updated);
    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.href).toBe(
      `${api}/refunds/xYZkjABcde?include=reference_capture&fields[refunds]=number&fields[captures]=number`,
    );
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toEqual(body);
  });

  it('updateRefund: sends the forward trigger example as is', async () => {
    const { client, requests } = clientAnswering(updated);
    const body = requestExample(commercelayerOpenApi, '/refunds/{refundId}', 'patch', 'forward') as never;
    await client.PATCH('/refunds/{refundId}', { params: { path: { refundId: 'xYZkjABcde' } }, body });
    expect(requests[0]?.body).toEqual({
      data: { type: 'refunds', id: 'xYZkjABcde', attributes: { _forward: true } },
    });
    expect(requests[0]?.headers.get('content-type')).toBe(jsonApi);
  });
});

describe('retrieveCapture', () => {
  const capture = example('/captures/{captureId}', 'get', '200', 'partlyRefunded');

  it('retrieveCapture: only required params', async () => {
    const { client, requests } = clientAnswering(capture);
    const { data } = await client.GET('/captures/{captureId}', {
      params: { path: { captureId: 'kQWhMCvDPm' } },
    });
    expect(data).toEqual(capture);
    expect(data?.data.attributes.refund_balance_cents).toBe(1000);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(`${api}/captures/kQWhMCvDPm`);
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toBeUndefined();
  });

  it('retrieveCapture: required and optional params', async () => {
    const { client, requests } = clientAnswering(capture);
    await client.GET('/captures/{captureId}', {
      params: {
        path: { captureId: 'kQWhMCvDPm' },
        query: {
          include: 'refunds',
          'fields[captures]': 'number,refund_balance_cents,refunds',
          'fields[refunds]': 'number,amount_cents,succeeded',
        },
      },
    });
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      `${api}/captures/kQWhMCvDPm?include=refunds&fields[captures]=number%2Crefund_balance_cents%2Crefunds` +
        '&fields[refunds]=number%2Camount_cents%2Csucceeded',
    );
    expectJsonApiHeaders(requests[0]!.headers);
  });
});

describe('updateCapture', () => {
  const refunded = example('/captures/{captureId}', 'patch', '200', 'afterPartialRefund');

  it('updateCapture: only required params', async () => {
    const { client, requests } = clientAnswering(refunded);
    // The full refund: the required data.type, data.id and data.attributes with the _refund trigger.
    const body = requestExample(
      commercelayerOpenApi,
      '/captures/{captureId}',
      'patch',
      'fullRefund',
    ) as never;
    const { data, error } = await client.PATCH('/captures/{captureId}', {
      params: { path: { captureId: 'kQWhMCvDPm' } },
      body,
    });
    expect(error).toBeUndefined();
    expect(data).toEqual(refunded);
    const [request] = requests;
    expect(request?.method).toBe('PATCH');
    expect(request?.url.href).toBe(`${api}/captures/kQWhMCvDPm`);
    expectJsonApiHeaders(request!.headers);
    expect(request?.body).toEqual({
      data: { type: 'captures', id: 'kQWhMCvDPm', attributes: { _refund: true } },
    });
  });

  it('updateCapture: required and optional params', async () => {
    const { client, requests } = clientAnswering(refunded);
    const body = requestExample(
      commercelayerOpenApi,
      '/captures/{captureId}',
      'patch',
      'partialRefund',
    ) as never;
    const { data } = await client.PATCH('/captures/{captureId}', {
      params: {
        path: { captureId: 'kQWhMCvDPm' },
        query: {
          include: 'refunds',
          'fields[captures]': 'refund_balance_cents',
          'fields[refunds]': 'number',
        },
      },
      body,
    });
    expect(data).toEqual(refunded);
    expect(data?.data.attributes.refund_amount_cents).toBe(500);
    expect(data?.data.attributes.refund_balance_cents).toBe(1000);
    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.href).toBe(
      `${api}/captures/kQWhMCvDPm?include=refunds&fields[captures]=refund_balance_cents&fields[refunds]=number`,
    );
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toEqual({
      data: { type: 'captures', id: 'kQWhMCvDPm', attributes: { _refund: true, _refund_amount_cents: 500 } },
    });
  });
});

describe('listCaptureRefunds', () => {
  const page = example('/captures/{captureId}/refunds', 'get', '200', 'twoRefunds');

  it('listCaptureRefunds: only required params', async () => {
    const { client, requests } = clientAnswering(page);
    const { data } = await client.GET('/captures/{captureId}/refunds', {
      params: { path: { captureId: 'kQWhMCvDPm' } },
    });
    expect(data).toEqual(page);
    expect(data?.data.map((refund) => refund.attributes.succeeded)).toEqual([true, false]);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(`${api}/captures/kQWhMCvDPm/refunds`);
    expectJsonApiHeaders(requests[0]!.headers);
    expect(requests[0]?.body).toBeUndefined();
  });

  it('listCaptureRefunds: required and optional params', async () => {
    const { client, requests } = clientAnswering(page);
    await client.GET('/captures/{captureId}/refunds', {
      params: {
        path: { captureId: 'kQWhMCvDPm' },
        query: {
          'page[number]': 1,
          'page[size]': 10,
          sort: 'created_at',
          include: 'order',
          'fields[refunds]': 'number,succeeded',
          'fields[captures]': 'number',
          'filter[q]': { succeeded_true: 'true' },
        },
      },
    });
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      `${api}/captures/kQWhMCvDPm/refunds?page[number]=1&page[size]=10&sort=created_at&include=order` +
        '&fields[refunds]=number%2Csucceeded&fields[captures]=number&filter[q][succeeded_true]=true',
    );
    expectJsonApiHeaders(requests[0]!.headers);
  });
});

describe('refund relationships', () => {
  const order = example('/refunds/{refundId}/order', 'get', '200', 'paid');
  const path = { params: { path: { refundId: 'xYZkjABcde' } } };

  it('retrieveRefundOrder: GET /refunds/{refundId}/order', async () => {
    const { client, requests } = clientAnswering(order);
    const { data } = await client.GET('/refunds/{refundId}/order', path);
    expect(data).toEqual(order);
    expect(data?.data.attributes.payment_status).toBe('paid');
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(`${api}/refunds/xYZkjABcde/order`);
    expectJsonApiHeaders(requests[0]!.headers);
  });

  it('retrieveRefundReferenceCapture: GET /refunds/{refundId}/reference_capture', async () => {
    const capture = example('/captures/{captureId}', 'get', '200', 'partlyRefunded');
    const { client, requests } = clientAnswering(capture);
    const { data } = await client.GET('/refunds/{refundId}/reference_capture', path);
    expect(data?.data.attributes.refund_balance_cents).toBe(1000);
    expect(requests[0]?.url.href).toBe(`${api}/refunds/xYZkjABcde/reference_capture`);
  });

  it('retrieveRefundReturn: GET /refunds/{refundId}/return, data null without a return', async () => {
    const none = example('/refunds/{refundId}/return', 'get', '200', 'none');
    const { client, requests } = clientAnswering(none);
    const { data } = await client.GET('/refunds/{refundId}/return', path);
    expect(data).toEqual({ data: null });
    expect(requests[0]?.url.href).toBe(`${api}/refunds/xYZkjABcde/return`);
    // With a return, data is the return (the example of updateReturn).
    const refunded = example('/returns/{returnId}', 'patch', '200', 'refunded') as { data: unknown };
    const withReturn = clientAnswering({ data: refunded.data });
    const found = await withReturn.client.GET('/refunds/{refundId}/return', path);
    expect(found.data?.data?.attributes.status).toBe('refunded');
  });

  it.each([
    ['listRefundAttachments', '/refunds/{refundId}/attachments'],
    ['listRefundEvents', '/refunds/{refundId}/events'],
  ] as const)('%s: GET %s, paginated', async (_operationId, template) => {
    const empty = example('/refunds/{refundId}/attachments', 'get', '200', 'empty');
    const { client, requests } = clientAnswering(empty);
    const { data } = await client.GET(template, {
      params: { path: { refundId: 'xYZkjABcde' }, query: { 'page[number]': 1, 'page[size]': 25 } },
    });
    expect(data).toEqual(empty);
    expect(data?.meta.record_count).toBe(0);
    expect(requests[0]?.url.href).toBe(
      `${api}${template.replace('{refundId}', 'xYZkjABcde')}?page[number]=1&page[size]=25`,
    );
    expectJsonApiHeaders(requests[0]!.headers);
  });
});

describe('updateOrder', () => {
  const refunded = example('/orders/{orderId}', 'patch', '200', 'refunded');

  it('updateOrder: sends the _refund trigger example', async () => {
    const { client, requests } = clientAnswering(refunded);
    const body = requestExample(commercelayerOpenApi, '/orders/{orderId}', 'patch', 'refund') as never;
    const { data } = await client.PATCH('/orders/{orderId}', {
      params: { path: { orderId: 'qaMAhZkZvd' }, query: { include: 'refunds' } },
      body,
    });
    expect(data).toEqual(refunded);
    expect(data?.data.attributes.payment_status).toBe('refunded');
    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.href).toBe(`${api}/orders/qaMAhZkZvd?include=refunds`);
    expect(requests[0]?.body).toEqual({
      data: { type: 'orders', id: 'qaMAhZkZvd', attributes: { _refund: true } },
    });
    expectJsonApiHeaders(requests[0]!.headers);
  });
});

describe('listOrderRefunds', () => {
  const page = example('/captures/{captureId}/refunds', 'get', '200', 'twoRefunds');

  it('listOrderRefunds: GET /orders/{orderId}/refunds with the list parameters', async () => {
    const { client, requests } = clientAnswering(page);
    const { data } = await client.GET('/orders/{orderId}/refunds', {
      params: {
        path: { orderId: 'qaMAhZkZvd' },
        query: {
          'page[size]': 25,
          sort: '-created_at',
          include: 'return',
          'filter[q]': { return_id_null: 'true' },
        },
      },
    });
    expect(data).toEqual(page);
    expect(requests[0]?.method).toBe('GET');
    expect(requests[0]?.url.href).toBe(
      `${api}/orders/qaMAhZkZvd/refunds?page[size]=25&sort=-created_at&include=return&filter[q][return_id_null]=true`,
    );
    expectJsonApiHeaders(requests[0]!.headers);
  });
});

describe('updateReturn', () => {
  const refunded = example('/returns/{returnId}', 'patch', '200', 'refunded');

  it('updateReturn: sends the _refund trigger example with its amount', async () => {
    const { client, requests } = clientAnswering(refunded);
    const body = requestExample(commercelayerOpenApi, '/returns/{returnId}', 'patch', 'refund') as never;
    const { data } = await client.PATCH('/returns/{returnId}', {
      params: { path: { returnId: 'dPvKhwBRvj' }, query: { include: 'reference_refund' } },
      body,
    });
    expect(data).toEqual(refunded);
    expect(data?.data.relationships.reference_refund?.data).toEqual({ type: 'refunds', id: 'PbEhkwMvqN' });
    expect(requests[0]?.method).toBe('PATCH');
    expect(requests[0]?.url.href).toBe(`${api}/returns/dPvKhwBRvj?include=reference_refund`);
    expect(requests[0]?.body).toEqual({
      data: { type: 'returns', id: 'dPvKhwBRvj', attributes: { _refund: true, _refund_amount_cents: 500 } },
    });
    expectJsonApiHeaders(requests[0]!.headers);
  });

  it('updateReturn: status triggers and the reference_capture relationship', async () => {
    const { client, requests } = clientAnswering(refunded);
    await client.PATCH('/returns/{returnId}', {
      params: { path: { returnId: 'dPvKhwBRvj' } },
      body: {
        data: {
          type: 'returns',
          id: 'dPvKhwBRvj',
          attributes: { _receive: true },
          relationships: { reference_capture: { data: { type: 'captures', id: 'kQWhMCvDPm' } } },
        },
      },
    });
    expect(requests[0]?.body).toEqual({
      data: {
        type: 'returns',
        id: 'dPvKhwBRvj',
        attributes: { _receive: true },
        relationships: { reference_capture: { data: { type: 'captures', id: 'kQWhMCvDPm' } } },
      },
    });
  });
});

describe('retrieveReturnReferenceRefund', () => {
  it('retrieveReturnReferenceRefund: GET /returns/{returnId}/reference_refund', async () => {
    const retrieved = example('/refunds/{refundId}', 'get', '200', 'withCapture');
    const { client, requests } = clientAnswering(retrieved);
    const { data } = await client.GET('/returns/{returnId}/reference_refund', {
      params: { path: { returnId: 'dPvKhwBRvj' }, query: { include: 'reference_capture' } },
    });
    expect(data?.data?.attributes.amount_cents).toBe(500);
    expect(requests[0]?.url.href).toBe(
      `${api}/returns/dPvKhwBRvj/reference_refund?include=reference_capture`,
    );
    const none = example('/returns/{returnId}/reference_refund', 'get', '200', 'none');
    const empty = clientAnswering(none);
    expect(
      (
        await empty.client.GET('/returns/{returnId}/reference_refund', {
          params: { path: { returnId: 'dPvKhwBRvj' } },
        })
      ).data,
    ).toEqual({ data: null });
  });
});

describe('documented error bodies are parsed into error', () => {
  type Call = (
    client: CommercelayerClient,
  ) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  const refundId = { params: { path: { refundId: 'aBcDeFgHiJ' } } };
  const captureId = { params: { path: { captureId: 'aBcDeFgHiJ' } } };
  const refundBody = { data: { type: 'refunds' as const, id: 'aBcDeFgHiJ', attributes: {} } };

  const cases: [string, string, string, string, string, Call][] = [
    ['listRefunds', '/refunds', 'get', '401', 'unauthorized', (c) => c.GET('/refunds')],
    ['listRefunds', '/refunds', 'get', '406', 'notAcceptable', (c) => c.GET('/refunds')],
    [
      'createRefund',
      '/refunds',
      'post',
      '415',
      'unsupportedMediaType',
      (c) => c.POST('/refunds', { body: { data: { type: 'refunds' } } }),
    ],
    [
      'createRefund',
      '/refunds',
      'post',
      '422',
      'blank',
      (c) => c.POST('/refunds', { body: { data: { type: 'refunds' } } }),
    ],
    [
      'retrieveRefund',
      '/refunds/{refundId}',
      'get',
      '401',
      'invalidToken',
      (c) => c.GET('/refunds/{refundId}', refundId),
    ],
    [
      'retrieveRefund',
      '/refunds/{refundId}',
      'get',
      '404',
      'recordNotFound',
      (c) => c.GET('/refunds/{refundId}', refundId),
    ],
    [
      'updateRefund',
      '/refunds/{refundId}',
      'patch',
      '400',
      'keyNotIncludedInUrl',
      (c) => c.PATCH('/refunds/{refundId}', { ...refundId, body: refundBody }),
    ],
    [
      'updateRefund',
      '/refunds/{refundId}',
      'patch',
      '422',
      'blank',
      (c) => c.PATCH('/refunds/{refundId}', { ...refundId, body: refundBody }),
    ],
    [
      'retrieveCapture',
      '/captures/{captureId}',
      'get',
      '404',
      'recordNotFound',
      (c) => c.GET('/captures/{captureId}', captureId),
    ],
    [
      'updateCapture',
      '/captures/{captureId}',
      'patch',
      '422',
      'amountExceedsBalance',
      (c) =>
        c.PATCH('/captures/{captureId}', {
          ...captureId,
          body: {
            data: {
              type: 'captures',
              id: 'aBcDeFgHiJ',
              attributes: { _refund: true, _refund_amount_cents: 2000 },
            },
          },
        }),
    ],
    [
      'listCaptureRefunds',
      '/captures/{captureId}/refunds',
      'get',
      '404',
      'recordNotFound',
      (c) => c.GET('/captures/{captureId}/refunds', captureId),
    ],
    [
      'retrieveRefundOrder',
      '/refunds/{refundId}/order',
      'get',
      '404',
      'recordNotFound',
      (c) => c.GET('/refunds/{refundId}/order', refundId),
    ],
    [
      'updateOrder',
      '/orders/{orderId}',
      'patch',
      '422',
      'notRefundable',
      (c) =>
        c.PATCH('/orders/{orderId}', {
          params: { path: { orderId: 'aBcDeFgHiJ' } },
          body: { data: { type: 'orders', id: 'aBcDeFgHiJ', attributes: { _refund: true } } },
        }),
    ],
    [
      'updateReturn',
      '/returns/{returnId}',
      'patch',
      '422',
      'notReceived',
      (c) =>
        c.PATCH('/returns/{returnId}', {
          params: { path: { returnId: 'aBcDeFgHiJ' } },
          body: { data: { type: 'returns', id: 'aBcDeFgHiJ', attributes: { _refund: true } } },
        }),
    ],
  ];

  it.each(cases)('%s: %s %s %s %s', async (_operationId, path, method, status, name, call) => {
    const body = example(path, method, status, name);
    const { client } = clientAnswering(body, Number(status));
    const { data, error, response } = await call(client);
    expect(data).toBeUndefined();
    expect(response.status).toBe(Number(status));
    expect(error).toEqual(body);
    expect((error as { errors: { status: string }[] }).errors[0]?.status).toBe(status);
  });

  it('updateCapture: the 422 names the attribute and the failed check', async () => {
    const body = example('/captures/{captureId}', 'patch', '422', 'amountExceedsBalance');
    const { client } = clientAnswering(body, 422);
    const { error } = await client.PATCH('/captures/{captureId}', {
      ...captureId,
      body: {
        data: {
          type: 'captures',
          id: 'aBcDeFgHiJ',
          attributes: { _refund: true, _refund_amount_cents: 2000 },
        },
      },
    });
    expect(error?.errors[0]?.code).toBe('VALIDATION_ERROR');
    expect(error?.errors[0]?.source?.pointer).toBe('/data/attributes/_refund_amount_cents');
    expect(error?.errors[0]?.meta).toEqual({ error: 'less_than_or_equal_to', value: 2000, count: 1000 });
  });

  it('listRefunds: a 429 (body wording undocumented) is an error with the rate-limit headers', async () => {
    const body = { errors: [{ title: 'Too many requests', code: 'TOO_MANY_REQUESTS', status: '429' }] };
    const { client } = clientAnswering(body, 429, {
      'X-Ratelimit-Limit': '200',
      'X-Ratelimit-Interval': '60',
      'X-Ratelimit-Remaining': '0',
    });
    const { data, error, response } = await client.GET('/refunds');
    expect(data).toBeUndefined();
    expect(error).toEqual(body);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});

describe('createCommercelayerClient', () => {
  it('builds the base URL from the organization slug, lower-cased', async () => {
    expect(commercelayerBaseUrl('Acme-Store')).toBe('https://acme-store.commercelayer.io/api');
    const recorder = recordingFetch(() => jsonResponse({}, { contentType: jsonApi }));
    const client = createCommercelayerClient({
      organization: 'Acme-Store',
      accessToken,
      fetch: recorder.fetch,
    });
    await client.GET('/refunds');
    expect(recorder.requests[0]?.url.href).toBe('https://acme-store.commercelayer.io/api/refunds');
  });

  it('commercelayerBaseUrl rejects what is not a slug', () => {
    expect(() => commercelayerBaseUrl('evil.example/#')).toThrow(
      new TypeError(
        'commercelayerBaseUrl: option "organization" must be an organization slug (letters, digits and dashes).',
      ),
    );
  });

  it('uses the given base URL (organization then optional) and extra headers', async () => {
    const recorder = recordingFetch(() => jsonResponse({}, { contentType: jsonApi }));
    const client = createCommercelayerClient({
      accessToken,
      baseUrl: 'http://127.0.0.1:4010/commercelayer/',
      headers: { 'X-Trace': 'abc' },
      fetch: recorder.fetch,
    });
    await client.GET('/refunds/{refundId}', { params: { path: { refundId: 'xYZkjABcde' } } });
    expect(recorder.requests[0]?.url.href).toBe('http://127.0.0.1:4010/commercelayer/refunds/xYZkjABcde');
    expect(recorder.requests[0]?.headers.get('x-trace')).toBe('abc');
    expectJsonApiHeaders(recorder.requests[0]!.headers);
  });

  it('keeps its media type and token over the same headers given as options', async () => {
    const recorder = recordingFetch(() => jsonResponse({}, { contentType: jsonApi }));
    const client = createCommercelayerClient({
      organization,
      accessToken,
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: 'Bearer x.y.z',
      },
      fetch: recorder.fetch,
    });
    await client.PATCH('/refunds/{refundId}', {
      params: { path: { refundId: 'xYZkjABcde' } },
      body: { data: { type: 'refunds', id: 'xYZkjABcde', attributes: {} } },
    });
    expectJsonApiHeaders(recorder.requests[0]!.headers);
  });

  const notEmpty = (name: string) =>
    `createCommercelayerClient: option "${name}" is required and must be a non-empty string.`;
  const badSlug =
    'createCommercelayerClient: option "organization" must be an organization slug (letters, digits and dashes).';
  const badToken =
    'createCommercelayerClient: option "accessToken" must be a Commerce Layer access token (a JWT).';
  const badBaseUrl = 'createCommercelayerClient: option "baseUrl" must be an absolute URL.';

  it.each([
    [{}, notEmpty('organization')],
    [{ accessToken }, notEmpty('organization')],
    [{ organization: '', accessToken }, notEmpty('organization')],
    [{ organization: 'acme.commercelayer.io', accessToken }, badSlug],
    [{ organization: 'https://acme.commercelayer.io/api', accessToken }, badSlug],
    [{ organization: 'bad slug', accessToken, baseUrl: 'http://127.0.0.1:4010' }, badSlug],
    [{ organization }, notEmpty('accessToken')],
    [{ organization, accessToken: ' ' }, notEmpty('accessToken')],
    [{ organization, accessToken: 'sk_test_Ho1BrYTcg3gAX4vTKk1taz' }, badToken],
    [{ organization, accessToken: `Bearer ${accessToken}` }, badToken],
    [{ organization, accessToken, baseUrl: 'acme.commercelayer.io/api' }, badBaseUrl],
    [{ accessToken, baseUrl: '' }, badBaseUrl],
    [
      { organization, accessToken, headers: null },
      'createCommercelayerClient: option "headers" must be an object of header names to values.',
    ],
    [
      { organization, accessToken, fetch: 'fetch' },
      'createCommercelayerClient: option "fetch" must be a function.',
    ],
  ])('throws a TypeError for bad options %#', (options, message) => {
    let calls = 0;
    const fetch = async () => {
      calls += 1;
      return jsonResponse({});
    };
    expect(() => createCommercelayerClient({ fetch, ...options } as never)).toThrow(new TypeError(message));
    expect(calls).toBe(0);
  });

  it('never shows the access token in util.inspect or errors', () => {
    const client = createCommercelayerClient({ organization, accessToken });
    const [, payload = '', signature = ''] = accessToken.split('.');
    const shown = inspect(client, { depth: 10, showHidden: true });
    expect(shown).not.toContain(accessToken);
    expect(shown).not.toContain(payload);
    expect(shown).not.toContain(signature);
    for (const bad of [`${accessToken}!`, `Bearer ${accessToken}`, `${accessToken}.extra`]) {
      expect(() => createCommercelayerClient({ organization, accessToken: bad })).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining(payload) }),
      );
    }
    expect(() => createCommercelayerClient({ organization: 'bad slug', accessToken })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining(payload) }),
    );
  });
});
