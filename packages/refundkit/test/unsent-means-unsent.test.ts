// "Unsent" (certainly not made, so safe to send again) only when nothing reached the provider: not for a
// failure after a redirect the provider answered a create with, nor for a global fetch's TypeError (which
// outside Node is also how a network failure after sending looks).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPayopSandbox } from '@refundkit/payop/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRefunds, payop } from '../src/index.js';

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
  vi.unstubAllGlobals();
});

async function body(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A front for the PayOp sandbox on 127.0.0.1: every request is processed by the sandbox; the answer to the
 * first POST is replaced by a 303 to `location` (POST-redirect-GET, as many APIs answer a create).
 */
async function front(location: string) {
  const sandbox = createPayopSandbox();
  let posts = 0;
  const server = createServer(async (incoming, outgoing) => {
    const headers = new Headers();
    for (let i = 0; i < incoming.rawHeaders.length; i += 2)
      headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
    const raw = await body(incoming);
    const response = await sandbox.fetch(
      new Request(`http://127.0.0.1${incoming.url}`, {
        method: incoming.method,
        headers,
        body: raw.length > 0 ? raw : null,
      }),
    );
    const text = await response.text();
    if (incoming.method === 'POST' && ++posts === 1) {
      outgoing.writeHead(303, { location, 'content-length': '0' });
      return void outgoing.end();
    }
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { sandbox, baseUrl };
}

async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}/refund`;
}

describe('a create that reached PayOp is never treated as unsent', () => {
  for (const [what, location] of [
    ['a malformed Location (ERR_INVALID_URL in the cause chain)', 'http://[not-a-host/refund'],
    ["a Location on a port fetch blocks (undici's 'bad port')", 'http://127.0.0.1:1/refund'],
    // A refused connection to the redirect's target (ECONNREFUSED), once taken for the create's own.
    ['a Location on a closed port (ECONNREFUSED, pre-existing)', 'CLOSED'],
  ] as const) {
    it(`is not sent twice after a 303 with ${what}`, async () => {
      const { sandbox, baseUrl } = await front(location === 'CLOSED' ? await closedPort() : location);
      const payment = sandbox.createPayment({ amount: 10_000, currency: 'USD' });
      const refunds = createRefunds({
        // The caller's fetch is the platform's own (undici), which follows redirects.
        providers: { payop: payop({ ...sandbox.credentials, baseUrl, fetch: (request) => fetch(request) }) },
        retryDelayMs: 1,
      });
      const outcome = await refunds
        .create({ provider: 'payop', payment, amount: { value: 1000, currency: 'USD' } })
        .then(
          (refund) => ({ refund }),
          (error: unknown) => ({ error }),
        );
      // One logical create: at most one refund may exist on the provider's side.
      expect({ outcome, refundsMade: sandbox.refunds().length }).toMatchObject({ refundsMade: 1 });
    });
  }

  it('does not call a create certainly-not-made when the global fetch of a non-Node runtime fails after sending', async () => {
    const sandbox = createPayopSandbox();
    const payment = sandbox.createPayment({ amount: 10_000, currency: 'USD' });
    // A browser, Deno or a worker: no process.getBuiltinModule, so attempts use the global fetch, whose
    // network failures are TypeErrors with the platform's own message (Chrome's "Failed to fetch").
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      await sandbox.fetch(new Request(url, init)); // reached PayOp, which made the refund
      throw new TypeError('Failed to fetch'); // then the connection was lost
    });
    const builtin = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    let error: unknown;
    try {
      const refunds = createRefunds({
        providers: { payop: payop({ ...sandbox.credentials }) },
        retryDelayMs: 1,
        maxRetries: 0,
      });
      error = await refunds
        .create({ provider: 'payop', payment, amount: { value: 1000, currency: 'USD' } })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
    } finally {
      process.getBuiltinModule = builtin;
    }
    expect(sandbox.refunds()).toHaveLength(1);
    // A refund was made: the call must not end in a plain error that says "not made".
    expect(error).toMatchObject({ code: 'outcome_unknown' });
  });

  it('then sends it again for a caller who repeats the create with the same key, as "not made" allows', async () => {
    const sandbox = createPayopSandbox();
    const payment = sandbox.createPayment({ amount: 10_000, currency: 'USD' });
    let lose = true;
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const response = await sandbox.fetch(new Request(url, init));
      if (lose && init.method === 'POST') {
        lose = false;
        throw new TypeError('Failed to fetch');
      }
      return response;
    });
    const builtin = process.getBuiltinModule;
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    const first: unknown[] = [];
    try {
      const refunds = createRefunds({
        providers: { payop: payop({ ...sandbox.credentials }) },
        retryDelayMs: 1,
      });
      const input = { provider: 'payop', payment, amount: { value: 1000, currency: 'USD' } } as const;
      const options = { idempotencyKey: 'order-7-refund-1' };
      first.push(await refunds.create(input, options).catch((error: unknown) => error));
      await refunds.create(input, options).catch(() => undefined);
    } finally {
      process.getBuiltinModule = builtin;
    }
    // The first call must end made (reconciled) or outcome_unknown, never "not made"; one refund in all.
    expect({
      firstSaidNotMade: (first[0] as { code?: string }).code === 'invalid_request',
      refundsMade: sandbox.refunds().length,
    }).toEqual({ firstSaidNotMade: false, refundsMade: 1 });
  });
});
