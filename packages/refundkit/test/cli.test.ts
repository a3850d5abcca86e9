// The `refundkit` CLI as users run it: the built bin (pnpm verify builds before it tests).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
      // The end of the banner: its last example.
      if (output.includes('"operationId":"createRefund"}}\'')) {
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

  it('prints a control API example that works', async () => {
    const { output } = await startSandbox(['--port', '0']);
    const curl = /curl -s -X POST \S+\/smartpay\/_sandbox\/faults[\s\S]*?\}'/.exec(output)?.[0];
    expect(curl).toBeDefined();
    const { stdout } = await run('sh', ['-c', curl!], { timeout: 10_000 });
    expect(JSON.parse(stdout)).toMatchObject({
      faults: [{ kind: 'http-503', match: { operationId: 'createRefund' } }],
    });
  });

  it('keeps serving when its reader goes away (EPIPE), and stops cleanly', async () => {
    const { child } = await startSandbox(['--port', '0']);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // `refundkit sandbox | head`: the reader is gone, so "stopped." meets EPIPE.
    child.stdout?.destroy();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });

  it('stays up on a second Ctrl-C (pnpm forwards the one the terminal sent) and exits 0', async () => {
    const { child } = await startSandbox(['--port', '0']);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('fails at run time with one line, a hint and exit 1: a port in use, an address not here', async () => {
    const { child, output } = await startSandbox(['--port', '0']);
    const port = /127\.0\.0\.1:(\d+)/.exec(output)![1]!;
    const inUse = await cli(['sandbox', '--port', port]);
    expect(inUse).toMatchObject({ code: 1, stdout: '' });
    expect(inUse.stderr).toBe(
      `refundkit sandbox: 127.0.0.1:${port} is in use (EADDRINUSE)\n` +
        'hint: choose another with --port N, or --port 0 for any free port\n',
    );
    child.kill('SIGINT');
    // TEST-NET-1: no interface of this machine has it, and listening sends nothing.
    const elsewhere = await cli(['sandbox', '--port', '0', '--host', '192.0.2.1']);
    expect(elsewhere).toMatchObject({ code: 1, stdout: '' });
    expect(elsewhere.stderr).toMatch(
      /^refundkit sandbox: cannot listen on 192\.0\.2\.1:0: .*\nhint: --host .*\n$/,
    );
  });
});

/** Runs the CLI to its end (bounded), whatever its exit code. */
async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`pnpm build\` first (pnpm verify does)`);
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number | null; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('refundkit conventions', () => {
  const version = JSON.parse(readFileSync(join(root, 'packages/refundkit/package.json'), 'utf8')).version;

  it.each([['--help'], ['-h'], ['help']])('%s prints the usage to stdout, exit 0', async (flag) => {
    const result = await cli([flag]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: refundkit <command> \[options\]\n[\s\S]*sandbox[\s\S]*demo/);
  });

  it.each([['--version'], ['-v']])('%s prints the version', async (flag) => {
    expect(await cli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [['sandbox', '--help'], 'Usage: refundkit sandbox'],
    [['sandbox', '-h'], 'Usage: refundkit sandbox'],
    [['help', 'sandbox'], 'Usage: refundkit sandbox'],
    [['demo', '--help'], 'Usage: refundkit demo'],
    [['--help', 'demo'], 'Usage: refundkit demo'],
  ])("%j prints that command's help, exit 0, and runs nothing", async (args, head) => {
    const result = await cli(args);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.startsWith(head)).toBe(true);
    expect(result.stdout).not.toContain('refundkit sandboxes on');
    expect(result.stdout).not.toContain('four providers, one API');
  });

  it('prints the usage to stderr with exit 2 when no command is given', async () => {
    const result = await cli([]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^Usage: refundkit <command>/);
  });

  it.each([
    [['bogus'], 'refundkit: unknown command "bogus"'],
    [['--prot'], 'refundkit: unknown option "--prot"'],
    [['help', 'bogus'], 'refundkit: unexpected argument "bogus"'],
    [['--version', 'x'], 'refundkit: --version takes no arguments'],
    [['sandbox', '--port'], "refundkit sandbox: Option '--port <value>' argument missing"],
    [['sandbox', '--port', '-1'], "refundkit sandbox: Option '--port' argument is ambiguous."],
    [['sandbox', '--port=-1'], 'refundkit sandbox: --port must be a whole number from 0 to 65535 (got "-1")'],
    [
      ['sandbox', '--port', 'abc'],
      'refundkit sandbox: --port must be a whole number from 0 to 65535 (got "abc")',
    ],
    [['sandbox', '--port', ''], 'refundkit sandbox: --port must be a whole number from 0 to 65535 (got "")'],
    [
      ['sandbox', '--port=0x10'],
      'refundkit sandbox: --port must be a whole number from 0 to 65535 (got "0x10")',
    ],
    [['sandbox', '--port', '65536'], '(got "65536")'],
    [['sandbox', '--port', '1e3'], '(got "1e3")'],
    [
      ['sandbox', '--seed', 'abc'],
      'refundkit sandbox: --seed must be a whole number from 0 to 4294967295 (got "abc")',
    ],
    [['sandbox', '--host', ''], 'refundkit sandbox: --host must be an address (got "")'],
    [['sandbox', '--prot', '4010'], "refundkit sandbox: Unknown option '--prot'"],
    [['sandbox', 'extra'], "refundkit sandbox: Unexpected argument 'extra'"],
    [['sandbox', '--help=yes'], "refundkit sandbox: Option '-h, --help' does not take an argument"],
    [['demo', 'extra'], "refundkit demo: Unexpected argument 'extra'"],
  ])('%j is a usage error: one line and a hint on stderr, exit 2', async (args, message) => {
    const result = await cli(args);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toMatch(/^hint: .*run "refundkit( sandbox| demo)? --help" for usage$/);
    expect(lines[2]).toBe('');
  });

  it('runs the demo to its end when its reader has gone (EPIPE)', async () => {
    const child = spawn(process.execPath, [bin, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the demo did not end within 20 s')), 20_000);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('the bin in a clone', () => {
  it('`npx refundkit` in the repository root runs the workspace CLI, never a registry download', async () => {
    // The root links the workspace package (devDependencies `refundkit: workspace:*`); --no-install makes
    // npx fail instead of fetching the npm package `refundkit` if that link were missing.
    const { stdout } = await run('npx', ['--no-install', 'refundkit', '--version'], {
      cwd: root,
      timeout: 20_000,
    });
    const version = JSON.parse(readFileSync(join(root, 'packages/refundkit/package.json'), 'utf8')).version;
    expect(stdout).toBe(`${version}\n`);
  });

  it('says to build first when the CLI is not built', async () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'refundkit-unbuilt-'));
    try {
      cpSync(join(root, 'packages/refundkit/bin'), join(unbuilt, 'bin'), { recursive: true });
      const result = await run(process.execPath, [join(unbuilt, 'bin/refundkit.js'), '--help'], {
        timeout: 10_000,
      }).catch((error: { code: number; stdout: string; stderr: string }) => error);
      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toContain('refundkit: the CLI is not built yet.');
      expect(result.stderr).toContain('run `pnpm build` first');
    } finally {
      rmSync(unbuilt, { recursive: true, force: true });
    }
  });
});
