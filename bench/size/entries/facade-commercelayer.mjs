// The facade with Commerce Layer alone.
import { commercelayer, createRefunds } from 'refundkit';

const accessToken = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl';
const refunds = createRefunds({
  providers: { commercelayer: commercelayer({ organization: 'example', accessToken }) },
});

export const refund = (payment, value) =>
  refunds.create({ provider: 'commercelayer', payment, amount: { value, currency: 'EUR' } });
