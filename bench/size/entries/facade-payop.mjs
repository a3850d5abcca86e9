// The facade with PayOp alone.
import { createRefunds, payop } from 'refundkit';

const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl';
const refunds = createRefunds({ providers: { payop: payop({ token }) } });

export const refund = (payment, value) =>
  refunds.create({ provider: 'payop', payment, amount: { value, currency: 'EUR' } });
