// The `refundkit` CLI as users run it: the built bin (pnpm verify builds before it tests).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const bin = join(root, 'packages/refundkit/dist/cli/refundkit-cli.js');
const run = promisify(execFile);
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Starts `refundkit sandbox` and resolves with everything it printed once it is ready. */
function startSandbox(args: string[]): Promise<{ child: ChildProcess; output: string }> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first (pnpm verify does)`);
  const child = spawn(process.execPath, [bin, 'sandbox', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no sandbox banner within 10 s:\n${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"reason":"requested_by_customer"')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}

function readmeCurl(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /```sh\n(curl [\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no curl example');
  return block.trim();
}

describe('refundkit sandbox', () => {
  it("serves all four providers and answers the README's example curl, then stops on Ctrl-C", async () => {
    const { child, output } = await startSandbox(['--port', '0', '--seed', '7']);
    const origin = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(origin).toBeDefined();
    for (const provider of ['commercelayer', 'payop', 'smartpay', 'geins']) {
      expect(output).toContain(`${origin}/${provider}`);
    }
    const secretKey = /secretKey\s+(sk_test_\w+)/.exec(output)?.[1];
    const payment = /Smartpay payment (payment_test_\w+)/.exec(output)?.[1];
    const curl = readmeCurl()
      .replace('http://127.0.0.1:4010', origin!)
      .replace('sk_test_…', secretKey!)
      .replace('payment_test_…', payment!);
    const { stdout } = await run('sh', ['-c', curl], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toMatchObject({
      object: 'refund',
      amount: 1500,
      currency: 'JPY',
      payment,
      status: 'succeeded',
    });

    const ledger = await (await fetch(`${origin}/smartpay/_sandbox/refunds`)).json();
    expect(ledger).toMatchObject({ refunds: [{ payment, amount: 1500 }] });

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('rejects a bad port with a clear message', async () => {
    const failure = await run(process.execPath, [bin, 'sandbox', '--port', 'abc'], { timeout: 10_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining('--port must be 0–65535') });
  });

  it('prints usage for an unknown command', async () => {
    const failure = await run(process.execPath, [bin, 'refund-everything'], { timeout: 10_000 }).catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure).toMatchObject({
      code: 2,
      stdout: expect.stringContaining('refundkit sandbox [--port 4010]'),
    });
  });
});
