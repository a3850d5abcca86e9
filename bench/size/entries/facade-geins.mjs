// The facade with Geins alone.
import { createRefunds, geins } from 'refundkit';

const refunds = createRefunds({
  providers: { geins: geins({ apiKey: 'example-key', username: 'example', password: 'example-password' }) },
});

export const refund = (payment, value) =>
  refunds.create({ provider: 'geins', payment, amount: { value, currency: 'SEK' } });
