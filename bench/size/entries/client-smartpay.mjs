// One create-refund call with the Smartpay client.
import { createSmartpayClient } from '@refundkit/smartpay';

const client = createSmartpayClient({ secretKey: 'sk_test_example0000' });

export const refund = (payment, amount, idempotencyKey) =>
  client.POST('/v1/refunds', {
    params: { header: { 'Idempotency-Key': idempotencyKey } },
    body: { payment, amount, currency: 'JPY', reason: 'requested_by_customer' },
  });
