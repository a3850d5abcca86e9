// How attempts send when the adapter was given no `fetch`, on Node: `node:http(s)` with Node's keep-alive
// global agents. undici's `fetch` builds a `Request` and registers every signal it is given with a WeakRef
// and a FinalizationRegistry; that costs 10–20 % of a loopback call, and an attempt always has a signal
// (its timeout). Elsewhere (edge runtimes, Deno, browsers) attempts use the global `fetch`.
import type * as Http from 'node:http';

type NodeHttp = Pick<typeof Http, 'request'>;

// `getBuiltinModule` (Node ≥ 20.16) instead of a static import, so the module still loads where there is
// no `node:http`, and bundlers for other platforms have nothing to resolve. Loaded at the first request:
// `node:https` alone takes milliseconds to load, which an import of refundkit should not pay.
const nodeProcess = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
const modules: Record<string, NodeHttp | undefined> = {};
function clientFor(url: string): NodeHttp | undefined {
  const scheme = /^(https?):/.exec(url)?.[1];
  if (!scheme || !nodeProcess?.getBuiltinModule) return undefined;
  modules[scheme] ??= nodeProcess.getBuiltinModule(`node:${scheme}`) as NodeHttp;
  return modules[scheme];
}

/** Statuses whose `Response` must have a null body (Node reports 1xx answers as events, not responses). */
const nullBodyStatuses = new Set([204, 205, 304]);

/**
 * Sends `init` to `url` with `node:http(s)` and resolves with the whole answer as a `Response`, or
 * `undefined` when it cannot: not on Node, or a body other than a string.
 */
export function nodeRequest(url: string, init: RequestInit): Promise<Response> | undefined {
  const client = clientFor(url);
  if (!client || (init.body != null && typeof init.body !== 'string')) return undefined;
  const { signal } = init;
  return new Promise<Response>((resolve, reject) => {
    // Destroying the request on abort rejects with the signal's reason, as `fetch` does. (A listener of our
    // own: with `http.request`'s `signal` option, a loopback call took 6–8 % more CPU in our A/B runs.)
    const fail = (error: unknown) => reject(signal?.aborted ? signal.reason : error);
    const abort = () => request.destroy(signal?.reason);
    let request: Http.ClientRequest;
    try {
      request = client.request(
        url,
        {
          method: init.method ?? 'GET',
          // Our adapter client passes a plain record, sent as is (a `Headers` per call costs ~15 µs of CPU);
          // `Headers` or pairs from a custom adapter are flattened.
          headers:
            init.headers instanceof Headers || Array.isArray(init.headers)
              ? Object.fromEntries(new Headers(init.headers))
              : (init.headers as Http.OutgoingHttpHeaders | undefined),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            const headers = new Headers();
            const raw = response.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
            const status = response.statusCode ?? 0;
            resolve(
              new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: response.statusMessage ?? '',
                headers,
              }),
            );
          });
        },
      );
    } catch (error) {
      // Thrown before anything was sent (e.g. a header value Node refuses): a TypeError without a `code`, as
      // fetch throws for the same header, so it is not mistaken for a network failure.
      throw new TypeError((error as Error).message);
    }
    request.on('error', fail);
    request.on('close', () => signal?.removeEventListener('abort', abort));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    request.end(init.body ?? undefined);
  });
}
