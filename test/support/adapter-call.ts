// The `call` an adapter gets from the facade for one attempt, for tests that drive adapters directly: it
// sends every request to `fetch` as a WHATWG Request, like an attempt does for a caller-supplied fetch.
import type { AdapterCall } from '@refundkit/core';

export function adapterCall(
  fetch: ((request: Request) => Promise<Response>) | undefined,
  signal: AbortSignal = AbortSignal.timeout(5000),
): AdapterCall {
  if (!fetch) throw new TypeError('adapterCall: the adapter under test needs a fetch (e.g. sandbox.fetch)');
  return { fetch: (url, init) => fetch(new Request(url, init)), signal };
}

/**
 * Refund ids every adapter's `checkRefundId` must refuse, whatever its provider's id shape: empty, blank,
 * and what would change the URL they are sent in or could not be sent at all.
 */
export const urlBreakingIds: readonly string[] = [
  '',
  ' ',
  'a b',
  'a/b',
  'a?b',
  'a#b',
  'a%2Fb',
  'a\nb',
  '\ud800',
  '..',
];
