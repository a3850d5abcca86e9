import http from 'node:http';
import { createAdapterClient } from '@refundkit/core';
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
const init = {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    authorization: 'Basic sk_test_x',
    accept: 'application/json',
    'idempotency-key': 'k',
  },
  body: '{"payment":"payment_test_1","amount":1500,"currency":"JPY","reason":"requested_by_customer","reference":"r"}',
};
const refunds = createRefunds({
  providers: { smartpay: smartpay({ secretKey: 'sk_test_abc', baseUrl: base }) },
});
const client = createAdapterClient({
  baseUrl: base,
  headers: { Accept: 'application/json', Authorization: 'Basic sk_test_x' },
});
const variants = {
  fetch: async () => (await fetch(base + '/v1/refunds', init)).json(),
  fetchController: async () => {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(), 30000);
    try {
      return await (await fetch(base + '/v1/refunds', { ...init, signal: c.signal })).json();
    } finally {
      clearTimeout(t);
    }
  },
  adapterClient: async () => {
    const c = new AbortController();
    const t = setTimeout(() => c.abort(), 30000);
    try {
      return (
        await client.POST(
          '/v1/refunds',
          { params: { header: { 'Idempotency-Key': 'k' } }, body: JSON.parse(init.body) },
          { fetch: (u, i) => fetch(u, i), signal: c.signal },
        )
      ).data;
    } finally {
      clearTimeout(t);
    }
  },
  facade: () =>
    refunds.create({
      provider: 'smartpay',
      payment: 'payment_test_1',
      amount: { value: 1500, currency: 'JPY' },
    }),
};
const conc = Number(process.argv[2] ?? 1);
const res = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let round = 0; round < 15; round++)
  for (const [k, f] of Object.entries(variants)) {
    const t0 = performance.now();
    let i = 0;
    await Promise.all(
      Array.from({ length: conc }, async () => {
        while (i < 320) {
          i++;
          await f();
        }
      }),
    );
    res[k].push(((performance.now() - t0) / 320) * 1000);
  }
const med = (v) => v.sort((a, b) => a - b)[v.length >> 1];
const f = med(res.fetch);
for (const k in res) console.log(`c${conc}`, k, med(res[k]).toFixed(0), 'µs', (med(res[k]) / f).toFixed(2));
server.close();
