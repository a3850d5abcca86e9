// How attempts send when the adapter was given no `fetch`, on Node: `node:http(s)` with Node's keep-alive
// global agents. undici's `fetch` builds a `Request` and registers every signal it is given with a WeakRef
// and a FinalizationRegistry; that costs 10–20 % of a loopback call, and an attempt always has a signal
// (its timeout). Elsewhere (edge runtimes, Deno, browsers) attempts use the global `fetch`.
import type * as Http from 'node:http';
import type { Readable } from 'node:stream';

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
 * The most an answer's body may hold, as received and once decoded, so that neither a huge answer nor a
 * small compressed one that inflates to gigabytes (a zip bomb) can exhaust memory. PayOp lists every refund
 * of a merchant in one unpaginated answer, about 2 kB each: this leaves room for some 60 000.
 */
export const maxBodyBytes = 128 * 1024 * 1024;

// The content codings `Accept-Encoding` offers, by the `node:zlib` function that makes a decoder for each.
// Answers in another coding, or in several (no provider does that unasked), are left as they are, as
// `fetch` leaves an unknown one.
const decoders = new Map([
  ['gzip', 'createGunzip'],
  ['x-gzip', 'createGunzip'],
  ['deflate', 'createInflate'],
  ['br', 'createBrotliDecompress'],
]);

// What `nodeRequest` refused before writing a byte of the request.
const unsent = new WeakSet<object>();

/** Whether `error` is `nodeRequest`'s refusal of a request before any byte of it was written. */
export const refusedBeforeSending = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && unsent.has(error);

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
          const status = response.statusCode ?? 0;
          const encoding = response.headers['content-encoding'];
          // An empty body has nothing to decode (a 201 with `Content-Length: 0` may still name a coding).
          const decoder =
            !nullBodyStatuses.has(status) &&
            response.headers['content-length'] !== '0' &&
            decoders.get(encoding?.trim().toLowerCase() as string);
          // Decoded as it arrives, so that only the decoded body is held; flushed as fetch (undici) flushes, so
          // that what it reads (a gzip body without its trailer, an empty one) is read here too.
          const zlib = decoder && (nodeProcess!.getBuiltinModule!('node:zlib') as typeof import('node:zlib'));
          const body: Readable = zlib
            ? response.pipe(
                decoder === 'createBrotliDecompress'
                  ? zlib.createBrotliDecompress({
                      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
                      finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
                    })
                  : zlib[decoder as 'createGunzip' | 'createInflate']({
                      flush: zlib.constants.Z_SYNC_FLUSH,
                      finishFlush: zlib.constants.Z_SYNC_FLUSH,
                    }),
              )
            : response;
          // An answer whose body is too large or does not decode fails like one whose JSON does not parse: an
          // Error without a `code`, which runAttempt leaves as it is rather than call it a network failure,
          // so a create that got it is in doubt. zlib's messages name the fault, never the bytes.
          const unreadable = (message: string) => {
            body.destroy();
            response.destroy();
            fail(new Error(`the ${status} answer's ${decoder ? `${encoding} ` : ''}body ${message}`));
          };
          const chunks: Buffer[] = [];
          let size = 0;
          body.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= maxBodyBytes) chunks.push(chunk);
            else unreadable(`is larger than ${maxBodyBytes} bytes`);
          });
          response.on('error', fail);
          if (decoder) body.on('error', (error) => unreadable(`cannot be decoded: ${error.message}`));
          body.on('end', () => {
            // A status or header `Response` refuses (e.g. 799) is an answer that cannot be read, in doubt
            // like the others, not an exception thrown in this listener, which would crash the process.
            try {
              const headers = new Headers();
              const raw = response.rawHeaders;
              for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
              resolve(
                new Response(nullBodyStatuses.has(status) ? null : Buffer.concat(chunks), {
                  status,
                  statusText: response.statusMessage ?? '',
                  headers,
                }),
              );
            } catch (error) {
              response.destroy();
              fail(new Error(`the ${status} answer cannot be read: ${(error as Error).message}`));
            }
          });
        },
      );
    } catch (error) {
      // Thrown before anything was sent (e.g. a header value Node refuses): a TypeError without a `code`, as
      // fetch throws for the same header, so it is not mistaken for a network failure; marked as unsent.
      const refused = new TypeError((error as Error).message);
      unsent.add(refused);
      throw refused;
    }
    // Answers are decoded above; a caller's own `Accept-Encoding` is sent as it is.
    if (!request.hasHeader('accept-encoding')) request.setHeader('accept-encoding', 'gzip, deflate, br');
    request.on('error', fail);
    request.on('close', () => signal?.removeEventListener('abort', abort));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    request.end(init.body ?? undefined);
  });
}
