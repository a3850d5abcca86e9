import { describe, expectTypeOf, it } from 'vitest';
import { createSmartpayClient, type SmartpayError, type SmartpayRefund } from '../src/index.js';

const client = createSmartpayClient({ secretKey: 'sk_test_x' });

describe('Smartpay client types', () => {
  it('requires the fields the spec requires', () => {
    // @ts-expect-error payment is required
    void client.POST('/v1/refunds', { body: { currency: 'JPY', reason: 'fraudulent' } });
    // @ts-expect-error reason is required
    void client.POST('/v1/refunds', { body: { payment: 'payment_test_1', currency: 'JPY' } });
  });

  it('rejects values outside the enums and wrong types', () => {
    void client.POST('/v1/refunds', {
      // @ts-expect-error only JPY is accepted
      body: { payment: 'payment_test_1', currency: 'USD', reason: 'fraudulent' },
    });
    void client.POST('/v1/refunds', {
      // @ts-expect-error not a documented reason
      body: { payment: 'payment_test_1', currency: 'JPY', reason: 'changed_mind' },
    });
    void client.POST('/v1/refunds', {
      // @ts-expect-error amount is a number of yen, not a string
      body: { payment: 'payment_test_1', currency: 'JPY', reason: 'fraudulent', amount: '1500' },
    });
    void client.POST('/v1/refunds', {
      // @ts-expect-error reason is required and never null
      body: { payment: 'payment_test_1', currency: 'JPY', reason: null },
    });
    // @ts-expect-error refundId is a required path parameter
    void client.GET('/v1/refunds/{refundId}', {});
    // @ts-expect-error no DELETE on refunds
    void client.DELETE('/v1/refunds/{refundId}', { params: { path: { refundId: 'r' } } });
  });

  it('takes null for the optional fields the official SDKs send as null', () => {
    const nulls = { reference: null, description: null, metadata: null };
    void client.POST('/v1/refunds', {
      body: { payment: 'payment_test_1', currency: 'JPY', reason: 'fraudulent', lineItems: null, ...nulls },
    });
    void client.PATCH('/v1/refunds/{refundId}', {
      params: { path: { refundId: 'refund_test_1' } },
      body: nulls,
    });
  });

  it('types a page with its own pageToken', async () => {
    const { data } = await client.GET('/v1/refunds');
    if (data) {
      expectTypeOf(data.pageToken).toEqualTypeOf<string>();
      expectTypeOf(data.nextPageToken).toEqualTypeOf<string | undefined>();
    }
  });

  it('narrows data and error', async () => {
    const { data, error } = await client.POST('/v1/refunds', {
      body: { payment: 'payment_test_1', currency: 'JPY', reason: 'fraudulent' },
    });
    if (error) {
      expectTypeOf(data).toEqualTypeOf<undefined>();
      expectTypeOf<SmartpayError>().toExtend<typeof error>();
    } else {
      expectTypeOf(data).toEqualTypeOf<SmartpayRefund>();
      expectTypeOf(data.status).toEqualTypeOf<'succeeded' | 'failed'>();
      expectTypeOf(data.createdAt).toEqualTypeOf<number>();
    }
  });

  it('requires the secret key option', () => {
    // @ts-expect-error secretKey is required
    createSmartpayClient({});
  });
});
