import { describe, expectTypeOf, it } from 'vitest';
import {
  createGeinsClient,
  type GeinsEnvelope,
  type GeinsIdEnvelope,
  type GeinsNewRefund,
  type GeinsRefund,
  type GeinsRefundEnvelope,
  type GeinsRefundListEnvelope,
  type GeinsRefundStatus,
  type GeinsRefundType,
} from '../src/index.js';

const client = createGeinsClient({ apiKey: 'key', username: 'api-user', password: 'secret' });
const orderId = 1042;
const refundId = '3f0b6c2e-8d4a-4b7e-9c1f-2a5d6e7f8a90';

describe('Geins client types', () => {
  it('requires the fields the spec requires', () => {
    void client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      // @ts-expect-error RefundAmount is required
      body: { Description: 'Damaged on arrival' },
    });
    // @ts-expect-error the body of createRefund is required
    void client.POST('/API/Order/{orderId}/Refund', { params: { path: { orderId } } });
  });

  it('rejects wrong bodies and values outside the enums', () => {
    void client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      // @ts-expect-error RefundAmount is a number, not a string
      body: { RefundAmount: '499.00' },
    });
    void client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      // @ts-expect-error RefundType is 0 | 1 | 2 | 3
      body: { RefundAmount: 49, RefundType: 4 },
    });
    void client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      // @ts-expect-error JSON property names are PascalCase on the wire
      body: { refundAmount: 49 },
    });
    // @ts-expect-error RefundStatus is 0 … 7
    void client.POST('/API/Refund/Query', { body: { IncludeStatuses: [8] } });
    void client.POST('/API/Order/{orderId}/Refund/{refundId}/SetApproval', {
      params: { path: { orderId, refundId } },
      // @ts-expect-error Approved is a boolean
      body: { Approved: 'yes' },
    });
  });

  it('requires every path parameter', () => {
    // @ts-expect-error refundId is a required path parameter
    void client.GET('/API/Order/{orderId}/Refund/{refundId}', { params: { path: { orderId } } });
    void client.DELETE('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}', {
      // @ts-expect-error refundRowId is a required path parameter
      params: { path: { orderId, refundId } },
    });
    // @ts-expect-error orderId is an int32, not a string
    void client.GET('/API/Order/{orderId}/Refund/List', { params: { path: { orderId: '1042' } } });
  });

  it('rejects undeclared methods and paths', () => {
    // @ts-expect-error refunds cannot be replaced with PUT
    void client.PUT('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      body: { RefundAmount: 1 },
    });
    // @ts-expect-error there is no GET on the query path
    void client.GET('/API/Refund/Query', {});
    // @ts-expect-error refund queries are not paged
    void client.POST('/API/Refund/Query/{page}', { body: {} });
  });

  it('narrows data and error', async () => {
    const created = await client.POST('/API/Order/{orderId}/Refund', {
      params: { path: { orderId } },
      body: { RefundAmount: 499, RefundType: 0 },
    });
    if (created.error) {
      expectTypeOf(created.data).toEqualTypeOf<undefined>();
      expectTypeOf(created.error).toEqualTypeOf<GeinsIdEnvelope | GeinsEnvelope>();
    } else {
      expectTypeOf(created.data).toEqualTypeOf<GeinsIdEnvelope>();
      expectTypeOf(created.data.Resource).toEqualTypeOf<string | null | undefined>();
    }

    const retrieved = await client.GET('/API/Order/{orderId}/Refund/{refundId}', {
      params: { path: { orderId, refundId } },
    });
    if (retrieved.error) {
      expectTypeOf(retrieved.data).toEqualTypeOf<undefined>();
      expectTypeOf(retrieved.error).toEqualTypeOf<GeinsEnvelope>();
      expectTypeOf(retrieved.error.Details).toEqualTypeOf<string[] | null | undefined>();
    } else {
      expectTypeOf(retrieved.data).toEqualTypeOf<GeinsRefundEnvelope>();
      expectTypeOf(retrieved.data.Resource).toEqualTypeOf<GeinsRefund | null | undefined>();
      const refund = retrieved.data.Resource;
      if (refund) {
        expectTypeOf(refund.Approved).toEqualTypeOf<boolean | null | undefined>();
        expectTypeOf(refund.RefundedTotal).toEqualTypeOf<number>();
        expectTypeOf(refund.RefundRows).toEqualTypeOf<GeinsRefund['RefundRows']>();
        expectTypeOf(refund.RefundRows?.[0]?.RefundType).toEqualTypeOf<GeinsRefundType | undefined>();
      }
    }

    const queried = await client.POST('/API/Refund/Query', { body: { ExcludeStatuses: [2, 3] } });
    if (!queried.error) {
      expectTypeOf(queried.data).toEqualTypeOf<GeinsRefundListEnvelope>();
    }

    const deleted = await client.DELETE('/API/Order/{orderId}/Refund/{refundId}/RefundRow/{refundRowId}', {
      params: { path: { orderId, refundId, refundRowId: 8801 } },
    });
    if (!deleted.error) expectTypeOf(deleted.data).toEqualTypeOf<GeinsEnvelope>();
  });

  it('exposes the schema aliases', () => {
    expectTypeOf<GeinsNewRefund['RefundAmount']>().toEqualTypeOf<number>();
    expectTypeOf<GeinsRefundType>().toEqualTypeOf<0 | 1 | 2 | 3>();
    expectTypeOf<GeinsRefundStatus>().toEqualTypeOf<0 | 1 | 2 | 3 | 4 | 5 | 6 | 7>();
  });

  it('requires all three credentials', () => {
    // @ts-expect-error password is required
    createGeinsClient({ apiKey: 'key', username: 'api-user' });
    // @ts-expect-error apiKey is required
    createGeinsClient({ username: 'api-user', password: 'secret' });
  });
});
