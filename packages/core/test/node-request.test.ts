// The default transport on Node, against a real server on 127.0.0.1: what attempts see must match what
// `fetch` gives them (a Response, the caller's abort reason, error codes the classifier knows).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { brotliCompressSync, constants, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline, isUnsentFailure, mayHaveActed, RefundError, runAttempt } from '../src/index.js';
import { maxBodyBytes, nodeRequest } from '../src/node-request.js';

const json = JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: `re_${i}`, amount: i })) });
const secret = 'sk_test_notAsecretButLooksLikeOne';
/** Compressed answers: `content-encoding` and the bytes. */
const encoded: Record<string, [string, () => Buffer]> = {
  '/gzip': ['gzip', () => gzipSync(json)],
  '/deflate': ['deflate', () => deflateSync(json)],
  '/br': ['br', () => brotliCompressSync(json)],
  // Codings listed in the order they were applied: deflate first, then gzip (not decoded).
  '/chain': ['deflate, gzip', () => gzipSync(deflateSync(json))],
  // Plain text that claims to be gzip, echoing a credential.
  '/corrupt': ['gzip', () => Buffer.from(`{"echo":"${secret}"}`)],
  '/truncated': ['gzip', () => gzipSync(json).subarray(0, 40)],
  // Without its 8-byte trailer (CRC and length): undici's fetch reads it.
  '/trailerless': ['gzip', () => gzipSync(json).subarray(0, -8)],
  '/corrupt-br': ['br', () => Buffer.from('not brotli at all')],
  // 1 MiB of zeros gzips to ~1 kB; concatenated gzip members decode one after the other.
  '/bomb': ['gzip', () => Buffer.concat(Array(130).fill(gzipSync(Buffer.alloc(1 << 20))))],
  '/bomb-br': [
    'br',
    () =>
      brotliCompressSync(Buffer.alloc(maxBodyBytes + (1 << 20)), {
        params: { [constants.BROTLI_PARAM_QUALITY]: 1 },
      }),
  ],
  '/zstd': ['zstd', () => Buffer.from('as sent')],
  '/empty-gzip': ['gzip', () => Buffer.alloc(0)],
};

const routes: Record<string, (request: IncomingMessage, response: ServerResponse, body: string) => void> = {
  '/echo': (request, response, body) => {
    response.setHeader('content-type', 'application/json');
    response.setHeader('x-request-id', 'req_1');
    response.end(JSON.stringify({ method: request.method, headers: request.headers, body }));
  },
  '/empty': (_, response) => {
    response.statusCode = 204;
    response.end();
  },
  '/fail': (_, response) => {
    response.statusCode = 503;
    response.end('unavailable');
  },
  '/reset': (request) => request.socket.destroy(),
  '/cut': (_, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    response.write('{"partial":');
    setTimeout(() => response.socket?.destroy(), 20);
  },
  '/hang': () => {},
  '/huge-chunked': (_, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(1 << 20, 0x20);
    // Until the client hangs up, or well past the limit.
    let written = 0;
    const more = () => {
      while (written < 160 && !response.destroyed) {
        written += 1;
        if (!response.write(chunk)) return void response.once('drain', more);
      }
      response.end();
    };
    more();
  },
  // A status `Response` cannot carry (200–599 only), written on the raw socket.
  '/status-799': (_, response) => {
    response.socket?.end('HTTP/1.1 799 Odd\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}');
  },
  '/stall': (_, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
    response.write('{"partial":');
  },
};

let base = '';
let closed = '';
const server = createServer((request, response) => {
  let body = '';
  request.on('data', (chunk) => {
    body += chunk;
  });
  request.on('end', () => {
    const compressed = encoded[request.url ?? ''];
    if (!compressed) return routes[request.url ?? '']?.(request, response, body);
    const [encoding, bytes] = compressed;
    response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
    response.end(bytes());
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port nothing listens on: bind one, note it, close it.
  const spare = createServer();
  await new Promise<void>((resolve) => spare.listen(0, '127.0.0.1', resolve));
  closed = `http://127.0.0.1:${(spare.address() as AddressInfo).port}`;
  await new Promise((resolve) => spare.close(resolve));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What one attempt that GETs or POSTs `url` fails with (already classified, as the facade sees it). */
async function failure(url: string, init: RequestInit = {}, timeoutMs = 2000, signal?: AbortSignal) {
  try {
    await runAttempt(
      {
        provider: 'acme',
        operation: 'create',
        attempt: 0,
        fetch: undefined,
        timeoutMs,
        deadline: new Deadline(5000),
        signal,
        hooks: undefined,
      },
      (call) => call.fetch(url, { method: 'GET', ...init, signal: call.signal }),
    );
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to fail');
}

describe('nodeRequest (the default transport on Node)', () => {
  it('sends method, headers and body, and answers with a Response', async () => {
    const response = await nodeRequest(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'k1' },
      body: '{"amount":5}',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response?.status).toBe(200);
    expect(response?.headers.get('x-request-id')).toBe('req_1');
    expect(await response?.json()).toMatchObject({
      method: 'POST',
      headers: { 'idempotency-key': 'k1', 'content-length': '12' },
      body: '{"amount":5}',
    });
  });

  it('gives a null body for 204 and keeps error bodies as they are', async () => {
    const empty = await nodeRequest(`${base}/empty`, { method: 'GET' });
    expect(empty?.status).toBe(204);
    expect(empty?.body).toBeNull();
    const failed = await nodeRequest(`${base}/fail`, {
      method: 'GET',
      headers: new Headers({ accept: 'text/plain' }),
    });
    const pairs = await nodeRequest(`${base}/echo`, { method: 'GET', headers: [['x-trace', 't1']] });
    expect(await pairs?.json()).toMatchObject({ headers: { 'x-trace': 't1' } });
    expect(failed?.ok).toBe(false);
    expect(await failed?.text()).toBe('unavailable');
  });

  it('refuses a header Node cannot send as an unsent invalid_request, not as a network failure', async () => {
    const error = await failure(`${base}/echo`, { headers: { 'x-bad': 'a\nb' } });
    expect(error).toMatchObject({ code: 'invalid_request', retryable: false });
    expect((error as RefundError).cause).toBeInstanceOf(TypeError);
    expect(isUnsentFailure(error)).toBe(true);
  });

  it('leaves what it cannot send to fetch: other schemes and non-string bodies', () => {
    expect(nodeRequest('data:text/plain,hi', { method: 'GET' })).toBeUndefined();
    expect(nodeRequest(`${base}/echo`, { method: 'POST', body: new Uint8Array([1]) })).toBeUndefined();
  });
});

describe('attempts without a fetch of their own (node:http)', () => {
  it('time out a request that never answers', async () => {
    const error = await failure(`${base}/hang`, {}, 100);
    expect(error).toBeInstanceOf(RefundError);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
  });

  it('turn a reset into a network failure that may have been sent', async () => {
    const error = await failure(`${base}/reset`, { method: 'POST', body: '{}' });
    expect(error).toMatchObject({ code: 'network', retryable: true });
    expect(isUnsentFailure(error)).toBe(false);
  });

  it('turn a refused connection into a failure that was certainly not sent', async () => {
    const error = await failure(`${closed}/echo`, { method: 'POST', body: '{}' });
    expect(error).toMatchObject({ code: 'network', message: expect.stringContaining('ECONNREFUSED') });
    expect(isUnsentFailure(error)).toBe(true);
  });

  it('turn a body cut off after the headers into a network failure', async () => {
    const error = await failure(`${base}/cut`);
    expect(error).toMatchObject({ code: 'network', retryable: true });
  });

  it('time out while the body is still arriving', async () => {
    const started = performance.now();
    const error = await failure(`${base}/stall`, {}, 100);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('send nothing when the signal is already aborted', async () => {
    const reason = new Error('stopped before sending');
    let arrived = 0;
    const counting = createServer((_, response) => {
      arrived += 1;
      response.end();
    });
    await new Promise<void>((resolve) => counting.listen(0, '127.0.0.1', resolve));
    const { port } = counting.address() as AddressInfo;
    await expect(
      nodeRequest(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: '{}',
        signal: AbortSignal.abort(reason),
      }),
    ).rejects.toBe(reason);
    await new Promise((resolve) => setTimeout(resolve, 50));
    counting.closeAllConnections();
    await new Promise((resolve) => counting.close(resolve));
    expect(arrived).toBe(0);
  });

  it("reject with the caller's abort reason, untouched", async () => {
    const controller = new AbortController();

    const reason = new Error('caller stopped');
    setTimeout(() => controller.abort(reason), 20);
    const error = await failure(`${base}/hang`, {}, 2000, controller.signal);
    expect(error).toBe(reason);
  });
});

describe('compressed answers (node:http)', () => {
  it("offers gzip, deflate and br, and sends a caller's own Accept-Encoding as it is", async () => {
    const offered = await nodeRequest(`${base}/echo`, { method: 'GET', headers: {} });
    expect(await offered?.json()).toMatchObject({ headers: { 'accept-encoding': 'gzip, deflate, br' } });
    const own = await nodeRequest(`${base}/echo`, {
      method: 'GET',
      headers: { 'Accept-Encoding': 'identity' },
    });
    expect(await own?.json()).toMatchObject({ headers: { 'accept-encoding': 'identity' } });
  });

  it.each(['/gzip', '/deflate', '/br'])('decodes %s', async (path) => {
    const response = await nodeRequest(`${base}${path}`, { method: 'GET' });
    expect(response?.status).toBe(200);
    expect(await response?.text()).toBe(json);
  });

  it('leaves a coding it did not offer, or several, as they are (as fetch leaves an unknown one)', async () => {
    expect(await (await nodeRequest(`${base}/zstd`, { method: 'GET' }))?.text()).toBe('as sent');
    const chained = await nodeRequest(`${base}/chain`, { method: 'GET' });
    expect(Buffer.from((await chained?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(
      encoded['/chain']![1](),
    );
  });

  it.each(['/truncated', '/trailerless', '/empty-gzip'])(
    'reads %s as fetch (undici) reads it: what arrived, decoded (a cut-off JSON then fails to parse)',
    async (path) => {
      const read = async (response: Promise<Response>) => {
        const answer = await response;
        return { status: answer.status, text: await answer.text() };
      };
      const viaFetch = await read(fetch(`${base}${path}`, { method: 'POST', body: '{}' }));
      expect(await read(nodeRequest(`${base}${path}`, { method: 'POST', body: '{}' })!)).toEqual(viaFetch);
      if (path === '/trailerless') expect(viaFetch.text).toBe(json);
    },
  );

  it.each([
    ['/corrupt', "the 200 answer's gzip body cannot be decoded: incorrect header check"],
    ['/corrupt-br', "the 200 answer's br body cannot be decoded: Decompression failed"],
  ])(
    'fails %s as a body that cannot be read, not as a network failure, without its bytes',
    async (path, message) => {
      const error = await failure(`${base}${path}`, { method: 'POST', body: '{}' });
      // As a body whose JSON does not parse: no `code` for the classifier, so a create that got it is in doubt
      // (the facade reports it as an unreadable answer) and the adapter may say more.
      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(RefundError);
      expect(error).toEqual(new Error(message));
      expect(error).not.toHaveProperty('code');
      expect(error).not.toHaveProperty('cause');
      expect(mayHaveActed(error)).toBe(true);
      expect(inspect(error)).not.toContain(secret);
    },
  );

  it.each(['/bomb', '/bomb-br'])('stops decoding %s at the body limit', async (path) => {
    // 130 and 129 MiB decoded from about 130 kB: the decoder is cut off once its output passes the limit.
    const started = performance.now();
    const error = await failure(`${base}${path}`, {}, 10_000);
    expect(error).toEqual(
      new Error(
        `the 200 answer's ${path === '/bomb' ? 'gzip' : 'br'} body is larger than ${maxBodyBytes} bytes`,
      ),
    );
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it('fails an answer a Response cannot hold (status 799) as unreadable, in doubt, and does not crash', async () => {
    const error = await failure(`${base}/status-799`, { method: 'POST', body: '{}' });
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RefundError);
    expect((error as Error).message).toMatch(/^the 799 answer cannot be read: /);
    expect(mayHaveActed(error)).toBe(true);
  });

  it('refuses a plain body larger than the limit', async () => {
    // 160 MiB in 1 MiB chunks without a length: the client hangs up once past the limit.
    const error = await failure(`${base}/huge-chunked`, {}, 10_000);
    expect(error).toEqual(new Error(`the 200 answer's body is larger than ${maxBodyBytes} bytes`));
  });
});
