// The refundkit facade: `createRefunds({ providers: { <p>: <p>(options) } }).create(...)`, validation,
// reference and idempotency key, deadline and per-attempt timeout included.
import { credentials, facadeInputs } from '../lib/fixtures.mjs';
import { load, Skip } from './skip.mjs';

/**
 * `module` is what exports `createRefunds` and the adapter factories (the built `refundkit` package);
 * `variant` names a non-default setup (e.g. hooks on).
 */
export const facade = (provider, { id, label, group = 'refundkit', module = 'refundkit', hooks } = {}) => ({
  id: id ?? `facade:${provider}`,
  label: label ?? `refundkit refunds.create → ${provider}`,
  group,
  provider,
  async setup({ baseUrl }) {
    const refundkit = typeof module === 'function' ? await module() : await load(module);
    const adapter = refundkit[provider];
    if (typeof refundkit.createRefunds !== 'function') throw new Skip('createRefunds is not exported');
    if (typeof adapter !== 'function')
      throw new Skip(`refundkit does not export the ${provider}() adapter yet`);
    const refunds = refundkit.createRefunds({
      providers: { [provider]: adapter({ ...credentials[provider], baseUrl: baseUrl(provider) }) },
      ...(hooks ? { hooks } : {}),
    });
    const input = { provider, ...facadeInputs[provider] };
    return () => refunds.create(input);
  },
});

/** Hooks that do nothing, to measure what observing a call costs (header redaction, events). */
export const noopHooks = { onRequest() {}, onResponse() {}, onRetry() {}, onError() {} };
