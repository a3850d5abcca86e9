import { describe, expect, it } from 'vitest';
import { requireStringOption, resolveCommonOptions, userAgent } from '../src/client-options.js';

describe('requireStringOption', () => {
  it('returns a present string', () => {
    expect(requireStringOption({ token: 'abc' }, 'createX', 'token')).toBe('abc');
  });

  it('names the missing option', () => {
    expect(() => requireStringOption({}, 'createX', 'token')).toThrow(
      new TypeError('createX: option "token" is required and must be a non-empty string.'),
    );
    expect(() => requireStringOption(undefined, 'createX', 'token')).toThrow(TypeError);
    expect(() => requireStringOption({ token: '  ' }, 'createX', 'token')).toThrow(TypeError);
    expect(() => requireStringOption({ token: 42 }, 'createX', 'token')).toThrow(TypeError);
  });

  it('describes a malformed value without echoing it', () => {
    const secret = 'pk_live_notAsecretKey';
    let message = '';
    try {
      requireStringOption({ key: secret }, 'createX', 'key', { pattern: /^sk_/, description: 'an sk_ key' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe('createX: option "key" must be an sk_ key.');
    expect(message).not.toContain(secret);
  });
});

describe('resolveCommonOptions', () => {
  it('defaults the base URL and strips trailing slashes', () => {
    expect(resolveCommonOptions(undefined, 'createX', 'https://api.example.org/')).toBe(
      'https://api.example.org',
    );
    expect(resolveCommonOptions({ baseUrl: 'http://127.0.0.1:4010/x/' }, 'createX', 'https://a.b')).toBe(
      'http://127.0.0.1:4010/x',
    );
  });

  it('rejects a relative base URL, a non-function fetch and non-object headers', () => {
    expect(() => resolveCommonOptions({ baseUrl: '/v1' }, 'createX', 'https://a.b')).toThrow(/"baseUrl"/);
    expect(() => resolveCommonOptions({ fetch: 'no' as never }, 'createX', 'https://a.b')).toThrow(/"fetch"/);
    expect(() => resolveCommonOptions({ headers: 'x' as never }, 'createX', 'https://a.b')).toThrow(
      /"headers"/,
    );
  });
});

describe('userAgent', () => {
  it('names the package, its version and the Node version', () => {
    expect(userAgent('payop', '1.2.3')).toBe(`refundkit-payop/1.2.3 (node/${process.version})`);
  });

  it('leaves the runtime out where there is no process (edge runtimes)', () => {
    const saved = globalThis.process;
    try {
      // @ts-expect-error: simulating a runtime without `process`
      globalThis.process = undefined;
      expect(userAgent('smartpay', '1.0.0')).toBe('refundkit-smartpay/1.0.0');
    } finally {
      globalThis.process = saved;
    }
  });
});
