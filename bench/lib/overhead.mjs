// Per-call costs without any I/O, so they can be told apart more finely than on loopback: each ingredient
// of a facade call on its own (µs per operation, median of rounds), and the facade itself with a stub
// adapter (validation, reference and key, signals; no HTTP).
import { createRequests, credentials, facadeInputs } from './fixtures.mjs';
import { median } from './measure.mjs';

async function perOp(fn, { ops = 3000, rounds = 5 } = {}) {
  const results = [];
  for (let round = 0; round < rounds; round += 1) {
    globalThis.gc?.();
    const started = performance.now();
    for (let i = 0; i < ops; i += 1) await fn();
    results.push(((performance.now() - started) * 1000) / ops);
  }
  return median(results);
}

const stubRefund = {
  provider: 'smartpay',
  id: 'refund_test_1',
  payment: 'payment_test_1',
  status: 'succeeded',
  amount: { value: 1500, currency: 'JPY' },
  reference: 'r',
  createdAt: '2026-01-01T00:00:00.000Z',
  raw: {},
};

/** A Smartpay-like adapter that answers at once: what is left is the facade's own work. */
function stubAdapter(real) {
  return { ...real, create: async () => stubRefund };
}

export async function measureOverhead({ loadRefundkit }) {
  const { method, headers, body } = createRequests.smartpay;
  const url = 'http://127.0.0.1:1/smartpay/v1/refunds';
  const payload = JSON.stringify(body);
  const answer = JSON.stringify({ id: 'refund_test_1', amount: 1500 });
  const responseInit = { status: 200, headers: { 'content-type': 'application/json' } };
  const rows = [];
  const add = async (id, label, fn) => rows.push({ id, label, usPerOp: await perOp(fn) });

  await add(
    'request',
    'new Request(url, init)',
    () => new Request(url, { method, headers: new Headers(headers), body: payload }),
  );
  await add('headers', 'new Headers(init)', () => new Headers(headers));
  await add('response', 'new Response(body) + .json()', () => new Response(answer, responseInit).json());
  await add('timeout', 'AbortSignal.timeout(30 s)', () => AbortSignal.timeout(30_000));
  await add('any', 'AbortSignal.any([timeout 30 s, deadline 120 s])', () =>
    AbortSignal.any([AbortSignal.timeout(30_000), AbortSignal.timeout(120_000)]),
  );
  await add('controller', 'AbortController + setTimeout + clearTimeout', () => {
    const controller = new AbortController();
    clearTimeout(setTimeout(() => controller.abort(), 30_000));
    return controller.signal;
  });
  await add('uuid', 'crypto.randomUUID()', () => crypto.randomUUID());

  const { default: createClient } = await import('openapi-fetch');
  const { createAdapterClient } = await import('@refundkit/core');
  const stubFetch = () => Promise.resolve(new Response(answer, responseInit));
  const client = createClient({ baseUrl: 'http://127.0.0.1:1/smartpay', headers, fetch: stubFetch });
  const adapterClient = createAdapterClient({ baseUrl: 'http://127.0.0.1:1/smartpay', headers });
  const call = { fetch: stubFetch, signal: new AbortController().signal };
  await add('openapi-fetch', 'openapi-fetch POST, stub fetch (WHATWG Request)', () =>
    client.POST('/v1/refunds', { body }),
  );
  await add('adapter-client', 'refundkit adapter client POST, stub fetch (url, init)', () =>
    adapterClient.POST('/v1/refunds', { body }, call),
  );

  const input = { provider: 'smartpay', ...facadeInputs.smartpay };
  for (const [id, label, load] of [
    ['facade-shell', 'refundkit refunds.create, stub adapter (no HTTP)', loadRefundkit],
  ]) {
    try {
      const refundkit = await load();
      const adapter = stubAdapter(
        refundkit.smartpay({ ...credentials.smartpay, baseUrl: 'http://127.0.0.1:1' }),
      );
      const refunds = refundkit.createRefunds({ providers: { smartpay: adapter } });
      await add(id, label, () => refunds.create(input));
    } catch (error) {
      rows.push({ id, label, error: error.message.split('\n')[0] });
    }
  }
  return rows;
}
