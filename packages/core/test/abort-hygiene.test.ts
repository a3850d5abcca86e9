// What attempts and waits leave on a caller's signal and in the process: one abort listener however many
// share the signal, none once they end, no timer of a finished attempt, and a timer that keeps a process
// alive while a refund is in flight.
import { execFile } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AttemptOptions, Deadline, RefundError, runAttempt, sleep } from '../src/index.js';

const listeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

let warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
});
/** The warnings emitted so far: `process.emitWarning` reports them on a later tick. */
async function emittedWarnings(): Promise<string[]> {
  await new Promise((resolve) => setImmediate(resolve));
  return warnings.map((warning) => warning.name);
}

function options(signal: AbortSignal, fetch: AttemptOptions['fetch']): AttemptOptions {
  return {
    provider: 'acme',
    operation: 'create',
    attempt: 0,
    fetch,
    timeoutMs: 10_000,
    deadline: new Deadline(10_000),
    signal,
    hooks: undefined,
  };
}

describe('one shared caller signal', () => {
  it('gets one abort listener from 50 concurrent attempts, and none once they end', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    let release = () => {};
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetch = async () => {
      await answered;
      return new Response('{}');
    };
    const timersBefore = timers();
    const calls = Array.from({ length: 50 }, () =>
      runAttempt(options(signal, fetch), (call) =>
        call.fetch('https://acme.test/refunds', { method: 'POST' }),
      ),
    );
    expect(listeners(signal)).toBe(1);
    release();
    expect((await Promise.all(calls)).map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(listeners(signal)).toBe(0);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    expect(await emittedWarnings()).not.toContain('MaxListenersExceededWarning');
  });

  it('aborts 50 concurrent attempts with the caller reason, leaving no listener and no timer', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    const timersBefore = timers();
    const calls = Array.from({ length: 50 }, () =>
      runAttempt(
        options(signal, () => new Promise(() => {})),
        (call) => call.fetch('https://acme.test/refunds', { method: 'POST' }),
      ).catch((error: unknown) => error),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(listeners(signal)).toBe(1);
    const reason = new Error('stopped by the caller');
    controller.abort(reason);
    expect(await Promise.all(calls)).toEqual(Array(50).fill(reason));
    expect(listeners(signal)).toBe(0);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    expect(await emittedWarnings()).not.toContain('MaxListenersExceededWarning');
  });

  it('gets one listener from 50 concurrent waits, and none once they end or abort', async () => {
    const { signal } = new AbortController();
    const deadline = new Deadline(10_000);
    const timersBefore = timers();
    const waits = [
      ...Array.from({ length: 25 }, () => deadline.wait(5, signal)),
      ...Array.from({ length: 25 }, () => sleep(5, signal)),
    ];
    expect(listeners(signal)).toBe(1);
    await Promise.all(waits);
    expect(listeners(signal)).toBe(0);
    expect(timers()).toBeLessThanOrEqual(timersBefore);

    const controller = new AbortController();
    const aborted = Array.from({ length: 50 }, (_, index) =>
      (index % 2 ? sleep(10_000, controller.signal) : deadline.wait(10_000, controller.signal)).catch(
        (error: unknown) => error,
      ),
    );
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error('stop'));
    expect(await Promise.all(aborted)).toEqual(Array(50).fill(controller.signal.reason));
    expect(listeners(controller.signal)).toBe(0);
    expect(timers()).toBeLessThanOrEqual(timersBefore);
    expect(await emittedWarnings()).not.toContain('MaxListenersExceededWarning');
  });

  it('keeps attempts and waits of one signal apart: one ending leaves the others listening', async () => {
    const controller = new AbortController();
    const first = sleep(5, controller.signal);
    const second = sleep(10_000, controller.signal).catch((error: unknown) => error);
    await first;
    expect(listeners(controller.signal)).toBe(1);
    controller.abort(new Error('later'));
    expect(await second).toBe(controller.signal.reason);
    // Registering again after an abort starts afresh.
    await expect(sleep(5, controller.signal)).rejects.toBe(controller.signal.reason);
    expect(listeners(controller.signal)).toBe(0);
  });
});

describe('Deadline.wait', () => {
  it('rejects with a TimeoutError once the deadline has passed, not before', async () => {
    const deadline = new Deadline(40);
    const error = await deadline.wait(10_000).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(deadline.aborted).toBe(true);
    await expect(new Deadline(0).wait(5)).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it("rejects with the caller's reason when it aborts, even past the deadline", async () => {
    const reason = new Error('mine');
    await expect(new Deadline(0).wait(5, AbortSignal.abort(reason))).rejects.toBe(reason);
    await expect(new Deadline(10_000).wait(5, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

// A child process with the core sources bundled: whether it stays alive is decided by its handles alone.
describe('the process', () => {
  const run = promisify(execFile);
  const core = fileURLToPath(new URL('../src/index.ts', import.meta.url));

  async function runChild(script: string): Promise<{ stdout: string; elapsedMs: number }> {
    const bundle = await build({
      stdin: { contents: script, resolveDir: process.cwd(), loader: 'ts' },
      alias: { '@refundkit/core': core },
      bundle: true,
      format: 'esm',
      platform: 'node',
      write: false,
      logLevel: 'silent',
    });
    const dir = await mkdtemp(join(tmpdir(), 'refundkit-hygiene-'));
    try {
      const file = join(dir, 'child.mjs');
      await writeFile(file, bundle.outputFiles[0]?.text ?? '');
      const started = performance.now();
      const { stdout } = await run(process.execPath, [file], { timeout: 10_000 });
      return { stdout: stdout.trim(), elapsedMs: performance.now() - started };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('stays alive while an attempt is in flight, though its fetch holds no handle', async () => {
    const { stdout } = await runChild(`
      import { Deadline, runAttempt } from '@refundkit/core';
      const started = performance.now();
      runAttempt(
        {
          provider: 'acme', operation: 'create', attempt: 0, hooks: undefined,
          // Never settles and holds nothing: only the attempt's own timer keeps the process alive.
          fetch: () => new Promise(() => {}),
          timeoutMs: 300,
          deadline: new Deadline(60_000),
        },
        (call) => call.fetch('https://acme.test/refunds', { method: 'POST' }),
      ).then(
        () => console.log('resolved'),
        (error) => console.log(JSON.stringify({ code: error.code, ms: performance.now() - started })),
      );
    `);
    const result = JSON.parse(stdout || '{}');
    expect(result.code).toBe('timeout');
    expect(result.ms).toBeGreaterThanOrEqual(290);
  });

  it('exits as soon as attempts and waits are over: they leave no timer behind', async () => {
    const { stdout, elapsedMs } = await runChild(`
      import { Deadline, runAttempt, sleep } from '@refundkit/core';
      const controller = new AbortController();
      const deadline = new Deadline(60_000);
      const response = await runAttempt(
        {
          provider: 'acme', operation: 'create', attempt: 0, hooks: undefined,
          fetch: async () => new Response('{}'),
          timeoutMs: 60_000, deadline, signal: controller.signal,
        },
        (call) => call.fetch('https://acme.test/refunds', { method: 'POST' }),
      );
      const waits = [deadline.wait(60_000, controller.signal), sleep(60_000, controller.signal)];
      controller.abort(new Error('done'));
      const outcomes = await Promise.allSettled(waits);
      console.log(response.status, outcomes.map((outcome) => outcome.status).join(','));
    `);
    expect(stdout).toBe('200 rejected,rejected');
    // Far below the 60 s of any timer left running.
    expect(elapsedMs).toBeLessThan(8000);
  });
});

it('classifies an attempt timeout as before', async () => {
  const error = await runAttempt(
    { ...options(new AbortController().signal, () => new Promise(() => {})), timeoutMs: 20 },
    (call) => call.fetch('https://acme.test/refunds', { method: 'POST' }),
  ).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(RefundError);
  expect(error).toMatchObject({ code: 'timeout' });
});
