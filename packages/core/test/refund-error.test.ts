import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it, vi } from 'vitest';
import { isRefundError, RefundError } from '../src/refund-error.js';
import { isUnsentFailure, markUnsent } from '../src/transport.js';

describe('RefundError', () => {
  const error = new RefundError({
    code: 'insufficient_funds',
    message: 'Only ¥500 is left to refund on payment_test_1.',
    provider: 'smartpay',
    status: 403,
    providerCode: 'amount.insufficient',
    raw: { errorCode: 'amount.insufficient' },
  });

  it('is an Error with a stable shape', () => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('RefundError');
    expect(error.retryable).toBe(false);
    expect(isRefundError(error)).toBe(true);
    expect(isRefundError(new Error('x'))).toBe(false);
  });

  it('serializes every field to JSON', () => {
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'RefundError',
      code: 'insufficient_funds',
      message: 'Only ¥500 is left to refund on payment_test_1.',
      provider: 'smartpay',
      status: 403,
      providerCode: 'amount.insufficient',
      retryable: false,
      raw: { errorCode: 'amount.insufficient' },
    });
    expect(inspect(error)).toContain('amount.insufficient');
  });

  it('prints as RefundError from a bundle too, where esbuild renames the class _RefundError', async () => {
    // Bundled as scripts/build-package.mjs bundles every entry, and as a user's bundler bundles the facade.
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../src/refund-error.ts', import.meta.url))],
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20.19',
      write: false,
      logLevel: 'silent',
    });
    const code = bundle.outputFiles[0]!.text;
    const bundled: typeof import('../src/refund-error.js') = await import(
      `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`
    );
    for (const Class of [RefundError, bundled.RefundError]) {
      const printed = new Class({ code: 'network', message: 'not sent', provider: 'smartpay' });
      expect(Class.name).toBe('RefundError');
      expect(inspect(printed)).toMatch(/^RefundError: not sent\n/);
      expect(inspect(printed)).not.toContain('_RefundError');
      expect(String(printed)).toBe('RefundError: not sent');
    }
  });

  it('serializes only its own fields, whatever else is set on it', () => {
    const decorated = Object.assign(new RefundError({ code: 'network', message: 'x' }), {
      request: { headers: { authorization: 'Bearer sk_live_secret' } },
    });
    expect(JSON.stringify(decorated)).not.toContain('sk_live_secret');
  });

  it('is recognised across copies of the module, as when the facade bundles its own', async () => {
    vi.resetModules();
    const copy = await import('../src/index.js');
    expect(copy.RefundError).not.toBe(RefundError);
    const foreign = copy.markUnsent(new copy.RefundError({ code: 'network', message: 'not sent' }));
    expect(foreign instanceof RefundError).toBe(true);
    expect(isRefundError(foreign)).toBe(true);
    expect(isUnsentFailure(foreign)).toBe(true);
    expect(error instanceof copy.RefundError).toBe(true);
    expect(copy.isUnsentFailure(markUnsent(new RefundError({ code: 'network', message: 'x' })))).toBe(true);
    expect(isUnsentFailure(error)).toBe(false);
    // Only the brand counts: a look-alike Error named RefundError is not one, and subclasses keep instanceof.
    expect(Object.assign(new Error('x'), { name: 'RefundError' }) instanceof RefundError).toBe(false);
    class Narrower extends RefundError {}
    expect(error instanceof Narrower).toBe(false);
    expect(new Narrower({ code: 'conflict', message: 'x' }) instanceof Narrower).toBe(true);
  });
});
