// One ingredient of the facade's per-call cost at a time, on the same Smartpay create call, so the
// difference to `fetch (bare)` shows what each one adds (see README "Where the facade's time goes").
import { createRequests } from '../lib/fixtures.mjs';
import { expectOk, load } from './skip.mjs';

function plainFetchTarget(provider, id, label, send) {
  return {
    id: `${id}:${provider}`,
    label,
    group: 'breakdown',
    provider,
    async setup({ baseUrl }) {
      const { method, path, headers, body } = createRequests[provider];
      const url = baseUrl(provider) + path;
      return async () => {
        const response = await send(url, { method, headers, body: JSON.stringify(body) });
        expectOk(response.status, label);
        return response.json();
      };
    },
  };
}

/** What openapi-fetch does: build a `Request`, then `fetch(request)` (which copies it into another one). */
export const fetchWithRequest = (provider) =>
  plainFetchTarget(provider, 'fetch-request', 'fetch(new Request(…))', (url, init) =>
    fetch(new Request(url, init)),
  );

/** The per-attempt timeout alone. */
export const fetchWithTimeout = (provider) =>
  plainFetchTarget(provider, 'fetch-timeout', 'fetch + AbortSignal.timeout', (url, init) =>
    fetch(url, { ...init, signal: AbortSignal.timeout(30_000) }),
  );

/** What the facade does per create today: a deadline, a per-attempt timeout and AbortSignal.any of both. */
export const fetchWithAny = (provider) =>
  plainFetchTarget(provider, 'fetch-any', 'fetch + AbortSignal.any(timeout, deadline)', (url, init) => {
    const deadline = AbortSignal.timeout(120_000);
    return fetch(url, { ...init, signal: AbortSignal.any([AbortSignal.timeout(30_000), deadline]) });
  });

/** The facade's attempt signal: one AbortController and one timer, cleared when the attempt settles. */
export const fetchWithController = (provider) =>
  plainFetchTarget(provider, 'fetch-controller', 'fetch + AbortController & timer', async (url, init) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 30_000);
    try {
      return await fetch(url, { ...init, signal: controller.signal });
    } finally {
      clearTimeout(timer);
    }
  });

/** The facade adapters' client (`createAdapterClient` in core): typed like openapi-fetch, `fetch(url, init)`. */
export const adapterClient = (provider) => ({
  id: `adapter-client:${provider}`,
  label: 'refundkit adapter client',
  group: 'breakdown',
  provider,
  async setup({ baseUrl }) {
    const { createAdapterClient } = await load('@refundkit/core');
    const { method, path, headers, body } = createRequests[provider];
    const client = createAdapterClient({ baseUrl: baseUrl(provider), headers });
    const call = { fetch: (url, init) => fetch(url, init), signal: new AbortController().signal };
    return async () => {
      const { data, error, response } = await client[method.toUpperCase()](path, { body }, call);
      if (error) expectOk(response.status, 'adapter client');
      return data;
    };
  },
});
