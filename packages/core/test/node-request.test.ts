// The default transport on Node, against a real server on 127.0.0.1: what attempts see must match what
// `fetch` gives them (a Response, the caller's abort reason, error codes the classifier knows).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deadline, isUnsentFailure, RefundError, runAttempt } from '../src/index.js';
import { nodeRequest } from '../src/node-request.js';

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
  request.on('end', () => routes[request.url ?? '']?.(request, response, body));
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
