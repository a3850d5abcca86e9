// Misuse of the sandbox server (`refundkit sandbox`), as a seeded property over the four providers: random
// paths (templated ones with known, malformed and odd ids; others), methods, query strings, headers and
// bodies (mutated spec examples, any JSON, broken JSON, oversized), and the control API. Without an injected
// fault no request may get a 5xx, and every 4xx on an operation has the shape of that operation's errors.
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commercelayerOpenApi } from '../../commercelayer/src/generated/commercelayer.openapi.gen.js';
import { OpenApiValidator } from '../../core/src/testing/openapi-validator.js';
import { geinsOpenApi } from '../../geins/src/generated/geins.openapi.gen.js';
import { payopOpenApi } from '../../payop/src/generated/payop.openapi.gen.js';
import { smartpayOpenApi } from '../../smartpay/src/generated/smartpay.openapi.gen.js';
import { startSandboxServer } from '../src/testing/index.js';

type Json = Record<string, unknown>;
/** Requests per provider: a few seconds each on a shared machine. */
const runs = 250;
const maxBodyBytes = 4096;
const specs = {
  commercelayer: commercelayerOpenApi,
  payop: payopOpenApi,
  smartpay: smartpayOpenApi,
  geins: geinsOpenApi,
} as const;
type Provider = keyof typeof specs;

function authHeaders(provider: Provider, credentials: Record<string, string>): Record<string, string> {
  switch (provider) {
    case 'smartpay':
      return { authorization: `Basic ${credentials.secretKey}` };
    case 'payop':
      return { authorization: `Bearer ${credentials.token}` };
    case 'commercelayer':
      return { authorization: `Bearer ${credentials.accessToken}` };
    case 'geins':
      return {
        'x-apikey': credentials.apiKey!,
        authorization: `Basic ${btoa(`${credentials.username}:${credentials.password}`)}`,
      };
  }
}

interface Operation {
  method: string;
  template: string;
  queryNames: string[];
  mediaType: string | undefined;
  examples: unknown[];
}

/** Each operation of a spec with what a request to it is made of: its query names, body type and examples. */
function operations(spec: Json): Operation[] {
  const found: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths as Record<string, Json>)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const parameters = [...((item.parameters as Json[]) ?? []), ...((operation.parameters as Json[]) ?? [])]
        .map((node) => resolve(spec, node))
        .filter((parameter) => parameter.in === 'query')
        .map((parameter) => String(parameter.name));
      const content = (resolve(spec, (operation.requestBody as Json) ?? {}).content ?? {}) as Record<
        string,
        Json
      >;
      const [mediaType, media] = Object.entries(content)[0] ?? [];
      const examples = [
        ...(media?.example === undefined ? [] : [media.example]),
        ...Object.values((media?.examples ?? {}) as Record<string, Json>).map(
          (example) => resolve(spec, example).value,
        ),
      ];
      found.push({ method: method.toUpperCase(), template, queryNames: parameters, mediaType, examples });
    }
  }
  return found;
}

function resolve(spec: Json, node: Json): Json {
  if (typeof node.$ref !== 'string') return node;
  return node.$ref
    .slice(2)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<Json>((object, key) => object[key] as Json, spec);
}

/** Characters Node's client sends unescaped in a path; `%` on its own makes malformed escapes. */
const pathChar = fc.constantFrom(...'abcXYZ019-._~%!$&()*+,;=:@'.split(''));
const oddSegment = fc.oneof(
  fc.string({ unit: pathChar, maxLength: 12 }),
  fc.constantFrom('%E0%A4%A', '%zz', '%', '%00', '%2F', '..', '%C3%A9', '-1', '0', '2147483648', '1e9', ''),
);
/** A value of a request: an id the sandbox knows (resolved when sent), an odd string, or any JSON. */
const value = fc.oneof(
  { weight: 3, arbitrary: fc.nat().map((index) => ({ known: index })) },
  { weight: 2, arbitrary: oddSegment },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e21, 2 ** 53, 0.001)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** A spec example with some leaves replaced by `value`s or dropped. */
function mutated(example: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(example)) return fc.tuple(...example.map(mutated));
  if (example && typeof example === 'object') {
    const entries = Object.entries(example).map(([key, item]) =>
      fc.oneof(
        { weight: 6, arbitrary: mutated(item).map((mutation) => [key, mutation] as const) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
    );
    return fc
      .tuple(...entries)
      .map((pairs) => Object.fromEntries(pairs.filter((pair) => pair !== undefined)));
  }
  return fc.oneof({ weight: 4, arbitrary: fc.constant(example) }, { weight: 1, arbitrary: value });
}

interface Plan {
  method: string;
  path: readonly unknown[];
  query: [string, unknown][];
  auth: 'valid' | 'none' | 'wrong';
  contentType: string | undefined;
  body: { json: unknown } | { text: string } | undefined;
  control: boolean;
}

function plans(provider: Provider): fc.Arbitrary<Plan> {
  const known = operations(specs[provider] as unknown as Json);
  const method = fc.constantFrom(
    'GET',
    'POST',
    'PUT',
    'PATCH',
    'DELETE',
    'HEAD',
    'OPTIONS',
    'TRACE',
    'PROPFIND',
  );
  const body = (operation?: Operation) =>
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(undefined) },
      ...(operation && operation.examples.length > 0
        ? [{ weight: 6, arbitrary: fc.oneof(...operation.examples.map(mutated)).map((json) => ({ json })) }]
        : []),
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('{', '[1,', 'nul', '{"a":}', '\u00ff').map((text) => ({ text })),
      },
      {
        weight: 1,
        arbitrary: fc
          .integer({ min: maxBodyBytes - 16, max: maxBodyBytes + 16 })
          .map((size) => ({ text: JSON.stringify({ padding: 'x'.repeat(size) }) })),
      },
    );
  const common = {
    query: fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...known.flatMap((o) => o.queryNames), 'page[size]', 'x'), oddSegment),
        value,
      ),
      { maxLength: 3 },
    ),
    auth: fc.constantFrom('valid', 'valid', 'valid', 'valid', 'none', 'wrong') as fc.Arbitrary<Plan['auth']>,
    contentType: fc.constantFrom(undefined, 'text/plain', 'application/json', 'application/vnd.api+json'),
  };
  const onOperation = fc.constantFrom(...known).chain((operation) =>
    fc.record({
      ...common,
      method: fc.oneof(
        { weight: 5, arbitrary: fc.constant(operation.method) },
        { weight: 1, arbitrary: method },
      ),
      path: fc.tuple(
        ...operation.template
          .split('/')
          .slice(1)
          .map((segment) => (segment.startsWith('{') ? fc.oneof(value, oddSegment) : fc.constant(segment))),
      ),
      contentType: fc.oneof(
        { weight: 4, arbitrary: fc.constant(operation.mediaType) },
        { weight: 1, arbitrary: common.contentType },
      ),
      body: body(operation),
      control: fc.constant(false),
    }),
  );
  const elsewhere = fc.record({
    ...common,
    method,
    path: fc.array(oddSegment, { maxLength: 4 }),
    body: body(),
    control: fc.constant(false),
  });
  const control = fc.record({
    ...common,
    method,
    path: fc.constantFrom(
      ['_sandbox'],
      ['_sandbox', 'payments'],
      ['_sandbox', 'faults'],
      ['_sandbox', 'refunds'],
      ['_sandbox', 'x'],
    ),
    body: fc.oneof(
      body(),
      fc
        .record(
          { amount: value, currency: fc.constantFrom('EUR', 'JPY', 'SEK', 'USD', 'KWD', 'XXX') },
          { requiredKeys: [] },
        )
        .map((json) => ({ json })),
      fc
        .record(
          { kind: fc.constantFrom('http-500', 'delay', 'nope'), times: value, ms: value, match: value },
          { requiredKeys: [] },
        )
        .map((json) => ({ json })),
    ),
    control: fc.constant(true),
  });
  return fc.oneof(
    { weight: 7, arbitrary: onOperation },
    { weight: 2, arbitrary: elsewhere },
    { weight: 1, arbitrary: control },
  );
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function send(origin: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const url = new URL(origin);
  return new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent,
        timeout: 10_000,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const received = new Headers();
          for (const [name, item] of Object.entries(incoming.headers)) received.set(name, String(item));
          resolve({
            status: incoming.statusCode!,
            headers: received,
            text: Buffer.concat(chunks).toString(),
          });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path}: no answer in 10 s`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('sandbox server under misuse (seeded property)', () => {
  let server: Awaited<ReturnType<typeof startSandboxServer>>;
  beforeAll(async () => {
    server = await startSandboxServer({ seed: 12, maxBodyBytes });
  });
  afterAll(async () => {
    await server.close();
    agent.destroy();
  });

  it.each(Object.keys(specs) as Provider[])(
    '%s: no 5xx, and every 4xx of an operation is one it documents',
    async (provider) => {
      const { baseUrl, credentials } = server.providers[provider]!;
      const base = new URL(baseUrl).pathname;
      const mount = `/${provider}`;
      const validator = new OpenApiValidator(specs[provider]);
      // Something to refund, so that known ids reach the handlers' paths past "not found".
      const currency = { commercelayer: 'EUR', payop: 'EUR', smartpay: 'JPY', geins: 'SEK' }[provider];
      const ids: string[] = [];
      for (const amount of [1000, 5000]) {
        const seeded = await send(
          server.origin,
          'POST',
          `${mount}/_sandbox/payments`,
          {},
          JSON.stringify({ amount, currency }),
        );
        ids.push((JSON.parse(seeded.text) as { id: string }).id);
      }
      // The payments and the refunds made so far, read again after each 2xx (which may have made one).
      const knownIds = async () => {
        const ledger = await send(server.origin, 'GET', `${mount}/_sandbox/refunds`, {});
        return [
          ...ids,
          ...(JSON.parse(ledger.text) as { refunds: { id: string }[] }).refunds.map((r) => r.id),
        ];
      };
      let known = await knownIds();
      const counted = { requests: 0, successes: 0 };

      await fc.assert(
        fc.asyncProperty(plans(provider), async (plan) => {
          const text = (item: unknown) =>
            item && typeof item === 'object' && 'known' in item
              ? known[(item as { known: number }).known % known.length]!
              : typeof item === 'string'
                ? item
                : JSON.stringify(item);
          const inUrl = (item: unknown) => text(item).replace(/[^\x21-\x7e]|[#?/]/g, encodeURIComponent);
          const resolveKnown = (json: unknown): unknown =>
            json && typeof json === 'object' && 'known' in json && Object.keys(json).length === 1
              ? text(json)
              : Array.isArray(json)
                ? json.map(resolveKnown)
                : json && typeof json === 'object'
                  ? Object.fromEntries(Object.entries(json).map(([key, item]) => [key, resolveKnown(item)]))
                  : json;
          const path = `${plan.control ? mount : base}/${plan.path.map(inUrl).join('/')}`;
          const query = plan.query.map(([key, item]) => `${inUrl(key)}=${inUrl(item)}`).join('&');
          const headers: Record<string, string> = {
            ...(plan.auth === 'valid' ? authHeaders(provider, credentials) : {}),
            ...(plan.auth === 'wrong' ? { authorization: 'Bearer wrong', 'x-apikey': 'wrong' } : {}),
            ...(plan.contentType ? { 'content-type': plan.contentType } : {}),
          };
          const body =
            plan.body === undefined
              ? undefined
              : 'text' in plan.body
                ? plan.body.text
                : (JSON.stringify(resolveKnown(plan.body.json)) ?? 'null');
          const target = query ? `${path}?${query}` : path;
          const response = await send(server.origin, plan.method, target, headers, body);
          counted.requests += 1;
          if (response.status < 300) {
            counted.successes += 1;
            known = await knownIds();
          }
          // A fault armed through the control API would apply to the next request: disarm it at once.
          if (plan.control && response.status === 201 && plan.path[1] === 'faults') {
            await send(server.origin, 'DELETE', `${mount}/_sandbox/faults`, {});
          }
          const where = `${plan.method} ${target} → ${response.status} ${response.text.slice(0, 300)}`;
          expect(response.status, where).toBeLessThan(500);
          if (response.status < 400 || plan.method === 'HEAD') return;
          let parsed: unknown;
          expect(() => {
            parsed = JSON.parse(response.text);
          }, where).not.toThrow();
          if (plan.control) return;
          const matched = validator.match(plan.method, path.slice(base.length) || '/');
          if (!matched) return;
          const violations = validator.validateResponse(matched, {
            status: response.status,
            headers: response.headers,
            body: parsed,
          });
          expect(violations, where).toEqual([]);
        }),
        // No shrinking: the server's state moves on with every run, so a shrunk plan is not the same request.
        { seed: 20261201, numRuns: runs, endOnFailure: true },
      );
      // The runs reached past the 4xx: some requests were answered 2xx (what a handler does with them).
      expect(counted.requests).toBe(runs);
      expect(counted.successes).toBeGreaterThan(0);
    },
  );
});
