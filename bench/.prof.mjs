import http from 'node:http';
import { createRefunds, smartpay } from 'refundkit';

const body = JSON.stringify({
  id: 'refund_test_1',
  object: 'refund',
  amount: 1500,
  currency: 'JPY',
  payment: 'payment_test_1',
  reason: 'requested_by_customer',
  reference: 'r',
  status: 'succeeded',
  createdAt: 1700000000000,
  test: true,
  metadata: {},
});
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;
const refunds = createRefunds({
  providers: { smartpay: smartpay({ secretKey: 'sk_test_abc', baseUrl: base }) },
});
for (let i = 0; i < 8000; i++)
  await refunds.create({
    provider: 'smartpay',
    payment: 'payment_test_1',
    amount: { value: 1500, currency: 'JPY' },
  });
server.close();
