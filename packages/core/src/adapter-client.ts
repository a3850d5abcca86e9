// The HTTP client the facade adapters call. It has openapi-fetch's types, so each call is typed by the
// provider's generated `paths` exactly like the standalone clients, but implements only what the adapters
// use (path, flat query and header parameters, JSON bodies) over the attempt's `fetch(url, init)`: no
// middleware, no serializer options and no `Request` object per call. That keeps openapi-fetch's runtime
// (6.6 kB minified) out of the facade's bundle and its `Request` construction off every call.
import type { FetchResponse, ParamsOption, RequestBodyOption } from 'openapi-fetch';
import type { AdapterCall } from './refund.js';

type Method = 'get' | 'post' | 'patch';
type PathsWith<Paths, M extends Method> = {
  [P in keyof Paths]: Paths[P] extends { [K in M]: object } ? P : never;
}[keyof Paths];
type Operation<Paths, P extends keyof Paths, M extends Method> = Paths[P][M & keyof Paths[P]];

/** `stream` leaves a 2xx body unread (for answers that must not fail once the provider acted). */
type ParseOption = { parseAs?: 'stream' };

/** One method of an adapter client: openapi-fetch's `params`/`body` and result, sent through `call`. */
export type AdapterClientMethod<Paths, M extends Method, Media extends `${string}/${string}`> = <
  P extends PathsWith<Paths, M>,
>(
  path: P,
  init: ParamsOption<Operation<Paths, P, M>> & RequestBodyOption<Operation<Paths, P, M>> & ParseOption,
  call: AdapterCall,
) => Promise<FetchResponse<Operation<Paths, P, M> & Record<string, unknown>, object, Media>>;

export interface AdapterClient<Paths, Media extends `${string}/${string}` = 'application/json'> {
  GET: AdapterClientMethod<Paths, 'get', Media>;
  POST: AdapterClientMethod<Paths, 'post', Media>;
  PATCH: AdapterClientMethod<Paths, 'patch', Media>;
}

/** What a provider's client options resolve to: the base URL without a trailing slash, and every header. */
export interface ClientConfig {
  baseUrl: string;
  headers: Record<string, string>;
}

interface Init extends ParseOption {
  params?: {
    path?: Record<string, string | number>;
    query?: Record<string, string | number | boolean | undefined>;
    header?: Record<string, string>;
  };
  body?: unknown;
}

const lowerCaseKeys = (headers: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));

/**
 * Parses an answer: no body gives `undefined`, a 2xx body is JSON (or unread, with `parseAs: 'stream'`), an
 * error body is JSON when it parses and text otherwise.
 */
async function parse(response: Response, parseAs: ParseOption['parseAs']) {
  if (response.ok && parseAs === 'stream') return { data: response.body, response };
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // Not the parser's error: its message quotes the body, which may echo a credential.
    if (response.ok) throw new SyntaxError(`The ${response.status} answer's body is not JSON`);
    body = text;
  }
  return response.ok ? { data: body, response } : { error: body, response };
}

/** Creates the client a provider's adapter sends its requests with, from its resolved client options. */
export function createAdapterClient<Paths, Media extends `${string}/${string}` = 'application/json'>(
  config: ClientConfig,
): AdapterClient<Paths, Media> {
  const baseHeaders = lowerCaseKeys(config.headers);
  const method =
    (name: string) =>
    async (path: string, { params, body, parseAs }: Init, call: AdapterCall) => {
      let url =
        config.baseUrl +
        path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(params?.path?.[name])));
      let separator = '?';
      for (const [key, value] of Object.entries(params?.query ?? {})) {
        if (value === undefined) continue;
        url += `${separator}${key}=${encodeURIComponent(String(value))}`;
        separator = '&';
      }
      const headers = { ...baseHeaders, ...lowerCaseKeys(params?.header) };
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      return parse(
        await call.fetch(url, {
          method: name,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: call.signal,
        }),
        parseAs,
      );
    };
  return { GET: method('GET'), POST: method('POST'), PATCH: method('PATCH') } as unknown as AdapterClient<
    Paths,
    Media
  >;
}
