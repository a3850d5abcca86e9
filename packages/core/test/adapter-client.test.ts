import { describe, expect, it } from 'vitest';
import { createAdapterClient } from '../src/adapter-client.js';
import type { AdapterCall } from '../src/refund.js';

// A small spec-shaped `paths` type: the client's runtime does not read it, the type test does.
interface Paths {
  '/orders/{orderId}/refunds': {
    get: {
      parameters: { path: { orderId: number }; query?: { 'page[size]'?: number; include?: string } };
      responses: { 200: { content: { 'application/json': { data: { id: string }[] } } } };
    };
    post: {
      parameters: { path: { orderId: number }; header: { 'Idempotency-Key': string } };
      requestBody: { content: { 'application/json': { amount: number } } };
      responses: {
        201: { content: { 'application/json': { id: string } } };
        400: { content: { 'application/json': { message: string } } };
      };
    };
  };
}

function recorder(respond: () => Response) {
  const sent: { url: string; init: RequestInit }[] = [];
  const call: AdapterCall = {
    fetch: async (url, init) => {
      sent.push({ url, init });
      return respond();
    },
    signal: new AbortController().signal,
  };
  return { call, sent };
}

const client = createAdapterClient<Paths>({
  baseUrl: 'https://api.example/v1',
  headers: { Accept: 'application/json', Authorization: 'Basic secret' },
});

describe('createAdapterClient', () => {
  it('fills and encodes path parameters, serializes flat queries and sends through the call', async () => {
    const { call, sent } = recorder(() => Response.json({ data: [{ id: 'r1' }] }));
    const result = await client.GET(
      '/orders/{orderId}/refunds',
      { params: { path: { orderId: 1042 }, query: { 'page[size]': 25, include: 'a b&c' } } },
      call,
    );
    expect(result.data).toEqual({ data: [{ id: 'r1' }] });
    expect(sent).toEqual([
      {
        url: 'https://api.example/v1/orders/1042/refunds?page[size]=25&include=a%20b%26c',
        init: {
          method: 'GET',
          headers: { accept: 'application/json', authorization: 'Basic secret' },
          body: undefined,
          signal: call.signal,
        },
      },
    ]);
  });

  it('sends JSON bodies with a content type and header parameters, and parses error bodies', async () => {
    const { call, sent } = recorder(() => Response.json({ message: 'too much' }, { status: 400 }));
    const result = await client.POST(
      '/orders/{orderId}/refunds',
      { params: { path: { orderId: 7 }, header: { 'Idempotency-Key': 'k1' } }, body: { amount: 5 } },
      call,
    );
    expect(result.error).toEqual({ message: 'too much' });
    expect(result.data).toBeUndefined();
    expect(sent[0]?.init).toMatchObject({
      method: 'POST',
      body: '{"amount":5}',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
    });
  });

  it('keeps a configured content type, leaves error text that is not JSON as text, and skips absent query values', async () => {
    const jsonApi = createAdapterClient<Paths>({
      baseUrl: 'https://api.example',
      headers: { 'Content-Type': 'application/vnd.api+json' },
    });
    const { call, sent } = recorder(() => new Response('Bad Gateway', { status: 502 }));
    const result = await jsonApi.POST(
      '/orders/{orderId}/refunds',
      { params: { path: { orderId: 1 }, header: { 'Idempotency-Key': 'k' } }, body: { amount: 1 } },
      call,
    );
    expect(result.error).toBe('Bad Gateway');
    expect(sent[0]?.init.headers).toMatchObject({ 'content-type': 'application/vnd.api+json' });
    await jsonApi.GET('/orders/{orderId}/refunds', { params: { path: { orderId: 1 }, query: {} } }, call);
    expect(sent[1]?.url).toBe('https://api.example/orders/1/refunds');
  });

  it('gives undefined for answers without a body, and leaves a 2xx body unread with parseAs stream', async () => {
    for (const response of [
      new Response(null, { status: 204 }),
      new Response('', { status: 200, headers: { 'content-length': '0' } }),
    ]) {
      const { call } = recorder(() => response);
      const result = await client.GET(
        '/orders/{orderId}/refunds',
        { params: { path: { orderId: 1 } } },
        call,
      );
      expect(result).toEqual({ data: undefined, response });
    }
    const { call } = recorder(() => Response.json({ id: 'r1' }, { status: 201 }));
    const streamed = await client.POST(
      '/orders/{orderId}/refunds',
      {
        params: { path: { orderId: 1 }, header: { 'Idempotency-Key': 'k' } },
        body: { amount: 1 },
        parseAs: 'stream',
      },
      call,
    );
    expect(streamed.response.bodyUsed).toBe(false);
    expect(await streamed.response.json()).toEqual({ id: 'r1' });
  });

  it('throws on a 2xx body that is not JSON, as openapi-fetch does', async () => {
    const { call } = recorder(() => new Response('<html>', { status: 200 }));
    await expect(
      client.GET('/orders/{orderId}/refunds', { params: { path: { orderId: 1 } } }, call),
    ).rejects.toThrow(SyntaxError);
  });
});
