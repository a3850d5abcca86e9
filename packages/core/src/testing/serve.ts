// Serves sandboxes over real HTTP with node:http, on 127.0.0.1 by default.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyTooLarge, SandboxResponseError, type SandboxRuntime, violationHeader } from './sandbox.js';

export interface ListenOptions {
  /** Port to listen on; default 0 (any free port). */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
}

export interface ServedSandboxes {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

const maxHangMs = 30_000;
/** How long the rest of a refused body is read and dropped, so the client can read the 413 (nginx's lingering close). */
const maxLingerMs = 5_000;
/** Methods `Request` refuses to carry, so no sandbox can serve them. */
const unservable = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Drops the rest of a refused request's body as it arrives, for a bounded time, then closes. */
function dropRest(incoming: IncomingMessage): void {
  const timer = setTimeout(() => incoming.socket.destroy(), maxLingerMs).unref();
  const stop = () => clearTimeout(timer);
  incoming.once('end', stop).once('close', stop);
  incoming.resume();
}

/** The body, or `undefined` as soon as it passes `limit` bytes (the rest is then dropped, never kept). */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const refuse = () => {
      incoming.off('data', onData);
      dropRest(incoming);
      resolve(undefined);
    };
    if (Number(incoming.headers['content-length'] ?? 0) > limit) return refuse();
    const chunks: Buffer[] = [];
    let size = 0;
    function onData(chunk: Buffer) {
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        refuse();
      } else chunks.push(chunk);
    }
    incoming.on('data', onData);
    incoming.once('end', () => resolve(Buffer.concat(chunks)));
    incoming.once('error', reject);
  });
}

/** The request target as a URL on this server (a path, `//x` too, or the absolute form); `undefined` if it is none. */
function targetUrl(incoming: IncomingMessage, origin: string): URL | undefined {
  const target = incoming.url ?? '/';
  try {
    return new URL(target.startsWith('/') ? `${origin}${target}` : target, origin);
  } catch {
    return undefined;
  }
}

function toRequest(incoming: IncomingMessage, url: URL, body: Buffer, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
    headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
  }
  const hasBody = body.length > 0 && incoming.method !== 'GET' && incoming.method !== 'HEAD';
  return new Request(url, {
    method: incoming.method ?? 'GET',
    headers,
    body: hasBody ? body : null,
    signal,
  });
}

async function writeResponse(outgoing: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  outgoing.writeHead(response.status, Object.fromEntries(response.headers));
  outgoing.end(body);
}

/** Serves each sandbox under its mount prefix (`''` for the root) on one port. */
export async function serveSandboxes(
  mounts: Record<string, SandboxRuntime>,
  options: ListenOptions = {},
): Promise<ServedSandboxes> {
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  let origin = '';
  const server = createServer(async (incoming, outgoing) => {
    const aborter = new AbortController();
    outgoing.on('close', () => aborter.abort(new Error('client closed the connection')));
    try {
      const url = targetUrl(incoming, origin);
      const path = url?.pathname ?? '';
      const prefix = prefixes.find((candidate) => path === candidate || path.startsWith(`${candidate}/`));
      if (url === undefined || prefix === undefined) {
        outgoing.writeHead(url ? 404 : 400, { 'content-type': 'application/json' });
        outgoing.end(
          JSON.stringify({
            error: url
              ? `No sandbox is mounted at ${path}`
              : `The request target is not a URL: ${incoming.url}`,
            mounts: prefixes,
          }),
        );
        return;
      }
      const runtime = mounts[prefix]!;
      const method = incoming.method ?? 'GET';
      if (unservable.has(method.toUpperCase())) {
        dropRest(incoming);
        return await writeResponse(outgoing, runtime.refuse(405, `${method} is not served`));
      }
      // Refused before it is read whole: by its Content-Length, or as soon as it passes the limit.
      const body = await readIncoming(incoming, runtime.maxBodyBytes);
      if (body === undefined) {
        return await writeResponse(outgoing, runtime.refuse(413, bodyTooLarge(runtime.maxBodyBytes)));
      }
      const request = toRequest(incoming, url, body, aborter.signal);
      const outcome = await runtime.handle(request, path.slice(prefix.length) || '/');
      if (outcome.type === 'response') return await writeResponse(outgoing, outcome.response);
      if (outcome.type === 'reset') return void incoming.socket.destroy();
      // Lost response: keep the connection silent until the client gives up (bounded).
      const timer = setTimeout(() => incoming.socket.destroy(), maxHangMs);
      outgoing.on('close', () => clearTimeout(timer));
    } catch (error) {
      if (outgoing.headersSent || aborter.signal.aborted) return void incoming.socket.destroy();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (error instanceof SandboxResponseError)
        headers[violationHeader] = error.violations[0] ?? 'invalid response';
      outgoing.writeHead(500, headers);
      outgoing.end(JSON.stringify({ error: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
