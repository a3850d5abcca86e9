import { describe, expectTypeOf, it } from 'vitest';
import {
  createPayopClient,
  type PayopError,
  type PayopRefund,
  type PayopRefundCreated,
  type PayopRefundList,
  type PayopRefundStatus,
  type PayopRefundType,
} from '../src/index.js';

const client = createPayopClient({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl' });
const transactionIdentifier = 'd839c714-7743-47cf-8f9d-73592597c6e1';

describe('PayOp client types', () => {
  it('accepts the documented bodies and query', () => {
    void client.POST('/v1/refunds/create', { body: { transactionIdentifier, refundType: 1 } });
    void client.POST('/v1/refunds/create', {
      body: { transactionIdentifier, refundType: 2, amount: 10, metadata: { 'internal merchant id': 'x' } },
    });
    void client.GET('/v1/refunds/user-refunds');
    void client.GET('/v1/refunds/user-refunds', { params: { query: { 'query[identifier]': 'r' } } });
  });

  it('requires the fields the spec requires', () => {
    // @ts-expect-error transactionIdentifier is required
    void client.POST('/v1/refunds/create', { body: { refundType: 1 } });
    // @ts-expect-error refundType is required
    void client.POST('/v1/refunds/create', { body: { transactionIdentifier } });
    // @ts-expect-error createRefund requires a body
    void client.POST('/v1/refunds/create', {});
  });

  it('rejects values outside the enums and wrong types', () => {
    void client.POST('/v1/refunds/create', {
      // @ts-expect-error refundType is 1 (full) or 2 (partial)
      body: { transactionIdentifier, refundType: 3 },
    });
    void client.POST('/v1/refunds/create', {
      // @ts-expect-error refundType is the integer code, not a name
      body: { transactionIdentifier, refundType: 'partial' },
    });
    void client.POST('/v1/refunds/create', {
      // @ts-expect-error amount is a number, not a string like the pre-2020 docs sent
      body: { transactionIdentifier, refundType: 2, amount: '10' },
    });
    void client.POST('/v1/refunds/create', {
      // @ts-expect-error metadata is an object, not a number as the seed's table says
      body: { transactionIdentifier, refundType: 1, metadata: 5 },
    });
  });

  it('rejects undeclared query parameters, methods and paths', () => {
    // There are no path parameters in this API: a refund is read through the `query[identifier]` query.
    // @ts-expect-error the query parameter is literally named query[identifier]
    void client.GET('/v1/refunds/user-refunds', { params: { query: { identifier: 'r' } } });
    // @ts-expect-error query[identifier] is a string
    void client.GET('/v1/refunds/user-refunds', { params: { query: { 'query[identifier]': 7 } } });
    // @ts-expect-error there is no get-by-id path
    void client.GET('/v1/refunds/{identifier}', { params: { path: { identifier: 'r' } } });
    // @ts-expect-error refunds are created with POST, not PUT
    void client.PUT('/v1/refunds/create', { body: { transactionIdentifier, refundType: 1 } });
    // @ts-expect-error the list endpoint is GET only
    void client.DELETE('/v1/refunds/user-refunds');
  });

  it('narrows data and error of createRefund', async () => {
    const { data, error, response } = await client.POST('/v1/refunds/create', {
      body: { transactionIdentifier, refundType: 1 },
    });
    expectTypeOf(response).toEqualTypeOf<Response>();
    if (error) {
      expectTypeOf(data).toEqualTypeOf<undefined>();
      expectTypeOf(error).toEqualTypeOf<PayopError>();
      expectTypeOf(error.message).toExtend<string | Record<string, string[]> | { message: string }[]>();
    } else {
      expectTypeOf(data).toEqualTypeOf<PayopRefundCreated>();
      expectTypeOf(data.data).toEqualTypeOf<string>();
    }
  });

  it('narrows data and error of listRefunds', async () => {
    const { data, error } = await client.GET('/v1/refunds/user-refunds', {
      params: { query: { 'query[identifier]': 'r' } },
    });
    if (error) {
      expectTypeOf(data).toEqualTypeOf<undefined>();
      expectTypeOf(error).toEqualTypeOf<PayopError>();
    } else {
      // openapi-fetch flattens SourceTransaction's `{…} & {[key: string]: unknown}` into one object type:
      // the same type structurally, but not identical for toEqualTypeOf, so check both directions.
      expectTypeOf(data).toExtend<PayopRefundList>();
      expectTypeOf<PayopRefundList>().toExtend<typeof data>();
      const refund = data.data[0]!;
      expectTypeOf(refund).toExtend<PayopRefund>();
      expectTypeOf<PayopRefund>().toExtend<typeof refund>();
      expectTypeOf(data.status).toEqualTypeOf<number>();
      expectTypeOf(refund.status).toEqualTypeOf<PayopRefundStatus>();
      expectTypeOf(refund.status).toEqualTypeOf<1 | 2 | 3 | 4>();
      // Optional: PayOp's current examples leave them out (specs/payop.yaml, Refund).
      expectTypeOf(refund.type).toEqualTypeOf<PayopRefundType | undefined>();
      expectTypeOf(refund.createdAt).toEqualTypeOf<number | undefined>();
      expectTypeOf(refund.updatedAt).toEqualTypeOf<number | null | undefined>();
      expectTypeOf(refund.sourceTransaction.identifier).toEqualTypeOf<string>();
      expectTypeOf(refund.sourceTransaction.state).toEqualTypeOf<1 | 2 | 3 | 4 | 5 | 9 | 15 | undefined>();
    }
  });

  it('requires the token option', () => {
    // @ts-expect-error token is required
    createPayopClient({});
    // @ts-expect-error token is a string
    createPayopClient({ token: 42 });
  });
});
