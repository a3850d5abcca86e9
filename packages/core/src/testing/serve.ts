// Serves sandboxes over real HTTP with node:http, on 127.0.0.1 by default.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SandboxResponseError, type SandboxRuntime, violationHeader } from './sandbox.js';

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

async function toRequest(incoming: IncomingMessage, origin: string, signal: AbortSignal): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) {
    headers.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
  }
  const hasBody = chunks.length > 0 && incoming.method !== 'GET' && incoming.method !== 'HEAD';
  return new Request(new URL(incoming.url ?? '/', origin), {
    method: incoming.method ?? 'GET',
    headers,
    body: hasBody ? Buffer.concat(chunks) : null,
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
      const request = await toRequest(incoming, origin, aborter.signal);
      const path = new URL(request.url).pathname;
      const prefix = prefixes.find((candidate) => path === candidate || path.startsWith(`${candidate}/`));
      if (prefix === undefined) {
        outgoing.writeHead(404, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ error: `No sandbox is mounted at ${path}`, mounts: prefixes }));
        return;
      }
      const outcome = await mounts[prefix]!.handle(request, path.slice(prefix.length) || '/');
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
