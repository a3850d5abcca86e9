import { describe, expectTypeOf, it } from 'vitest';
import { createAdapterClient } from '../src/adapter-client.js';
import type { AdapterCall } from '../src/refund.js';

interface Paths {
  '/refunds/{refundId}': {
    get: {
      parameters: { path: { refundId: string } };
      responses: { 200: { content: { 'application/json': { id: string; amount: number } } } };
    };
    post?: never;
  };
  '/refunds': {
    post: {
      parameters: { header: { 'Idempotency-Key': string } };
      requestBody: { content: { 'application/json': { amount: number } } };
      responses: { 201: { content: { 'application/json': { id: string } } } };
    };
  };
}

declare const call: AdapterCall;
const client = createAdapterClient<Paths>({ baseUrl: 'https://api.example', headers: {} });

describe('adapter client types', () => {
  it('types paths, parameters, bodies and results from the generated paths', async () => {
    const { data } = await client.GET('/refunds/{refundId}', { params: { path: { refundId: 'r1' } } }, call);
    expectTypeOf(data).toEqualTypeOf<{ id: string; amount: number } | undefined>();
    // @ts-expect-error: no POST on this path
    client.POST('/refunds/{refundId}', { params: { path: { refundId: 'r1' } } }, call);
    // @ts-expect-error: the path parameter is required
    client.GET('/refunds/{refundId}', {}, call);
    client.POST(
      '/refunds',
      // @ts-expect-error: amount must be a number
      { params: { header: { 'Idempotency-Key': 'k' } }, body: { amount: '5' } },
      call,
    );
    // @ts-expect-error: the header parameter is required
    client.POST('/refunds', { body: { amount: 5 } }, call);
  });
});
