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
    // @ts-expect-error refundId is a required path parameter
    void client.GET('/v1/refunds/{refundId}', {});
    // @ts-expect-error no DELETE on refunds
    void client.DELETE('/v1/refunds/{refundId}', { params: { path: { refundId: 'r' } } });
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
