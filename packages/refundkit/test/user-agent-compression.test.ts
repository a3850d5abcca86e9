// Every client and adapter names itself in `User-Agent`, and the facade's default transport (node:http)
// reads compressed answers: each provider's sandbox served on 127.0.0.1 behind a front that records the
// request headers and compresses every answer.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { createCommercelayerClient } from '@refundkit/commercelayer';
import type { SandboxRuntime } from '@refundkit/core/testing';
import { createGeinsClient } from '@refundkit/geins';
import { createPayopClient } from '@refundkit/payop';
import { createSmartpayClient } from '@refundkit/smartpay';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AnySandbox,
  type SetupProvider as Provider,
  providerSetups,
} from '../../../test/support/provider-setups.js';
import {
  commercelayer,
  createRefunds,
  geins,
  payop,
  type RefundAdapter,
  type RefundEvent,
  smartpay,
} from '../src/index.js';

type Options = {
  baseUrl: string;
  appInfo?: { name: string; version?: string };
  headers?: Record<string, string>;
};

/** Each provider's adapter and client from the sandbox's credentials, and one read with the client. */
const packages: Record<
  Provider,
  { adapter(options: Options): RefundAdapter; read(options: Options, payment: string): Promise<Response> }
> = {
  smartpay: {
    adapter: (options) => smartpay(options as never),
    read: async (options) =>
      (
        await createSmartpayClient(options as never).GET('/v1/refunds', {
          params: { query: { maxResults: 1 } },
        })
      ).response,
  },
  payop: {
    adapter: (options) => payop(options as never),
    read: async (options) =>
      (await createPayopClient(options as never).GET('/v1/refunds/user-refunds', {})).response,
  },
  geins: {
    adapter: (options) => geins(options as never),
    read: async (options, payment) =>
      (
        await createGeinsClient(options as never).GET('/API/Order/{orderId}/Refund/List', {
          params: { path: { orderId: Number(payment) } },
        })
      ).response,
  },
  commercelayer: {
    adapter: (options) => commercelayer(options as never),
    read: async (options, payment) =>
      (
        await createCommercelayerClient(options as never).GET('/captures/{captureId}/refunds', {
          params: { path: { captureId: payment } },
        })
      ).response,
  },
};

const version = (provider: Provider): string =>
  JSON.parse(readFileSync(new URL(`../../${provider}/package.json`, import.meta.url), 'utf8')).version;

const codings: Record<string, (body: Buffer) => Buffer> = {
  gzip: gzipSync,
  br: brotliCompressSync,
  deflate: deflateSync,
};

interface Seen {
  method: string;
  userAgent: string | undefined;
  acceptEncoding: string | undefined;
  /** How the front compressed its answer. */
  coding?: string;
  request: Request;
}

/**
 * The sandbox behind a front on 127.0.0.1 that records every request and answers it compressed, in turn
 * gzip, br and deflate; `corrupt(request)` says which answers to send as bytes that do not decode.
 */
async function front(runtime: SandboxRuntime, corrupt: (request: Request) => boolean = () => false) {
  const seen: Seen[] = [];
  let origin = '';
  const server = createServer(async (incoming: IncomingMessage, outgoing) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
      headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
    }
    const request = new Request(new URL(incoming.url ?? '/', origin), {
      method: incoming.method ?? 'GET',
      headers,
      body: chunks.length && incoming.method !== 'GET' ? Buffer.concat(chunks) : null,
    });
    seen.push({
      method: request.method,
      userAgent: headers.get('user-agent') ?? undefined,
      acceptEncoding: headers.get('accept-encoding') ?? undefined,
      request: request.clone(),
    });
    const outcome = await runtime.handle(request, new URL(request.url).pathname);
    if (outcome.type !== 'response') return void incoming.socket.destroy();
    const { response } = outcome;
    const coding = Object.keys(codings)[(seen.length - 1) % 3]!;
    const answer = headers.get('accept-encoding')?.includes(coding);
    const plain = Buffer.from(await response.arrayBuffer());
    if (answer) seen.at(-1)!.coding = coding;
    const body = corrupt(seen.at(-1)!.request)
      ? Buffer.from('not compressed at all')
      : answer
        ? codings[coding]!(plain)
        : plain;
    const out = Object.fromEntries(response.headers);
    delete out['content-length'];
    outgoing.writeHead(response.status, answer ? { ...out, 'content-encoding': coding } : out);
    outgoing.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { baseUrl: `${origin}${runtime.basePath}`, seen };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const quick = { retryDelayMs: 1, maxRetryDelayMs: 20, timeoutMs: 5_000, deadlineMs: 10_000 } as const;

describe.each(Object.keys(packages) as Provider[])('%s', (provider) => {
  const setup = providerSetups[provider];
  const ours = `refundkit-${provider}/${version(provider)} (node/${process.version})`;
  const world = () => {
    const sandbox: AnySandbox = setup.sandbox(7);
    const payment = sandbox.createPayment({ amount: 10_000, currency: setup.currency });
    return { sandbox, payment };
  };

  it('the adapter names itself on every request, and reads gzip, br and deflate answers', async () => {
    const { sandbox, payment } = world();
    const { baseUrl, seen } = await front(sandbox.runtime);
    const adapter = packages[provider].adapter({ ...sandbox.credentials, baseUrl });
    const refunds = createRefunds({ providers: { [provider]: adapter }, ...quick });
    const amount = { value: 2_500, currency: setup.currency };
    const made = await refunds.create({ provider, payment, amount });
    expect(made).toMatchObject({ provider, payment, amount });
    expect(await refunds.list({ provider, payment })).toMatchObject([{ id: made.id }]);
    expect(await refunds.retrieve({ provider, payment, id: made.id })).toMatchObject({ id: made.id, amount });
    expect(new Set(seen.map((request) => request.coding))).toEqual(new Set(Object.keys(codings)));
    for (const request of seen) {
      expect(request.userAgent).toBe(ours);
      expect(request.acceptEncoding).toBe('gzip, deflate, br');
    }
  });

  it('the client, over the global fetch, sends its own User-Agent instead of undici\'s "node"', async () => {
    const { sandbox, payment } = world();
    const { baseUrl, seen } = await front(sandbox.runtime);
    const response = await packages[provider].read({ ...sandbox.credentials, baseUrl }, payment);
    expect(response.status).toBe(200);
    expect(seen.map((request) => request.userAgent)).toEqual([ours]);
  });

  it("a User-Agent in `headers`, in any case, replaces refundkit's in the client and the adapter", async () => {
    const { sandbox, payment } = world();
    const { baseUrl, seen } = await front(sandbox.runtime);
    const own = 'acme-gateway/7';
    await packages[provider].read(
      { ...sandbox.credentials, baseUrl, headers: { 'user-agent': own } },
      payment,
    );
    const adapter = packages[provider].adapter({
      ...sandbox.credentials,
      baseUrl,
      headers: { 'User-Agent': own },
    });
    await createRefunds({ providers: { [provider]: adapter }, ...quick }).list({ provider, payment });
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen.map((request) => request.userAgent))).toEqual(new Set([own]));
  });

  it('a create answered 2xx with a body that does not decode is in doubt: the refund is found, made once', async () => {
    const { sandbox, payment } = world();
    let corrupted = false;
    const first = (request: Request) => {
      if (corrupted || !setup.makes(request)) return false;
      corrupted = true;
      return true;
    };
    const { baseUrl, seen } = await front(sandbox.runtime, first);
    // Commerce Layer otherwise names a refund it cannot tell from another process's as a candidate only.
    const soleWriter = provider === 'commercelayer' ? { soleWriter: true } : {};
    const adapter = packages[provider].adapter({ ...sandbox.credentials, baseUrl, ...soleWriter });
    const refunds = createRefunds({ providers: { [provider]: adapter }, ...quick });
    const amount = { value: 1_000, currency: setup.currency };
    expect(await refunds.create({ provider, payment, amount })).toMatchObject({ provider, payment, amount });
    // Answered 2xx in a coding it offered, with bytes that do not decode.
    expect(seen.find((request) => setup.makes(request.request))?.coding).toBeDefined();
    expect(sandbox.refunds()).toHaveLength(1);
    // Sent again (under the same key) only where the provider deduplicates by key; otherwise looked for.
    expect(seen.filter((request) => setup.makes(request.request))).toHaveLength(
      setup.idempotencyKeys ? 2 : 1,
    );
  });

  it('a read whose answer does not decode fails as unreadable, naming no credential', async () => {
    const { sandbox, payment } = world();
    const { baseUrl, seen } = await front(sandbox.runtime, () => true);
    const events: RefundEvent[] = [];
    const adapter = packages[provider].adapter({ ...sandbox.credentials, baseUrl });
    const refunds = createRefunds({
      providers: { [provider]: adapter },
      ...quick,
      hooks: { onRetry: (event) => events.push(event), onError: (event) => events.push(event) },
    });
    const error = await refunds.list({ provider, payment }).catch((caught: unknown) => caught);
    // PayOp's adapter calls it an unreadable list (retried); the others' reads pass the error on as they do
    // for a body whose JSON does not parse.
    expect((error as Error).message).toMatch(/the 200 answer's (gzip|br|deflate) body cannot be decoded: /);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    const shown = inspect([error, events], { depth: Infinity, showHidden: true }) + JSON.stringify(error);
    for (const credential of Object.values(sandbox.credentials)) {
      if (credential.length >= 8) expect(shown).not.toContain(credential);
    }
  });
});
