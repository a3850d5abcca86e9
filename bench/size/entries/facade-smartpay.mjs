// The facade with one provider.
import { createRefunds, smartpay } from 'refundkit';

const refunds = createRefunds({ providers: { smartpay: smartpay({ secretKey: 'sk_test_example0000' }) } });

export const refund = (payment, value) =>
  refunds.create({ provider: 'smartpay', payment, amount: { value, currency: 'JPY' } });
