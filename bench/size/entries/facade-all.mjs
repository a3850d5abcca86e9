// The facade with all four providers.
import { commercelayer, createRefunds, geins, payop, smartpay } from 'refundkit';

const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl';
const refunds = createRefunds({
  providers: {
    commercelayer: commercelayer({ organization: 'example', accessToken: jwt }),
    payop: payop({ token: jwt }),
    smartpay: smartpay({ secretKey: 'sk_test_example0000' }),
    geins: geins({ apiKey: 'example-key', username: 'example', password: 'example-password' }),
  },
});

export const refund = (provider, payment, amount) => refunds.create({ provider, payment, amount });
