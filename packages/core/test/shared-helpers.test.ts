import { describe, expect, it } from 'vitest';
import { RefundError, sleep, successData } from '../src/index.js';

const toError = (response: Response, body: unknown) =>
  new RefundError({
    code: 'invalid_request',
    provider: 'x',
    status: response.status,
    message: 'x',
    raw: body,
  });

describe('successData', () => {
  it('returns the data of a 2xx answer', () => {
    expect(successData('x', { data: { id: 1 }, response: new Response('{}') }, toError)).toEqual({ id: 1 });
  });

  it('treats a non-2xx answer with an empty body as an error (openapi-fetch leaves error undefined)', () => {
    const response = new Response(null, { status: 502 });
    expect(() => successData('x', { error: undefined, response }, toError)).toThrow(
      expect.objectContaining({ status: 502 }),
    );
  });

  it('makes a 2xx answer without a body a retryable provider_error', () => {
    expect(() =>
      successData('x', { data: undefined, response: new Response(null, { status: 200 }) }, toError),
    ).toThrow(expect.objectContaining({ code: 'provider_error', retryable: true, status: undefined }));
  });
});

describe('sleep', () => {
  it('waits, and removes its abort listener once done', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added += 1;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed += 1;
      remove(...args);
    }) as typeof remove;
    const started = performance.now();
    await sleep(20, signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    expect([added, removed]).toEqual([1, 1]);
  });

  it("rejects with the signal's reason when aborted", async () => {
    await expect(sleep(10_000, AbortSignal.timeout(10))).rejects.toMatchObject({ name: 'TimeoutError' });
    await expect(sleep(10, AbortSignal.abort(new Error('stop')))).rejects.toThrow('stop');
  });
});
