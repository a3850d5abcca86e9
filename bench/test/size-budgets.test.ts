// The size report is the CI gate on bundle sizes: it must fail, saying why, when a budget is exceeded, a
// main entry pulls in sandbox/validator code, or the facade with one provider carries another. Run on the TypeScript sources (--source) so no build is needed.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'bench/size/size-report.mjs');
const out = mkdtempSync(join(tmpdir(), 'refundkit-size-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function sizeReport(...args: string[]) {
  const json = join(out, `size-${Math.random().toString(36).slice(2)}.json`);
  const result = spawnSync(
    process.execPath,
    [script, '--source', '--no-import-time', '--json', json, ...args],
    { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, REFUNDKIT_SIZE_BUDGETS: '' } },
  );
  return { status: result.status, output: `${result.stdout}\n${result.stderr}`, json };
}

describe('size budgets (bench/size/size-report.mjs)', () => {
  it('fails with a clear message when a bundle exceeds a lowered budget', () => {
    const { status, output, json } = sizeReport('--only', 'client:smartpay', '--budget', 'client=1000');
    expect(status).toBe(1);
    expect(output).toMatch(
      /✖ size budget exceeded: client:smartpay is \d+ B gzip \([\d.]+ kB\), over its budget "client" of 1000 B/,
    );
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.failures).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ id: 'client:smartpay', budgetBytes: 1000 });
  });

  it('gates the facade with one provider (Smartpay)', () => {
    const { status, output } = sizeReport('--only', 'facade:smartpay', '--budget', 'facade-one=3000');
    expect(status).toBe(1);
    expect(output).toMatch(
      /✖ size budget exceeded: facade:smartpay is \d+ B gzip .* over its budget "facade-one" of 3000 B/,
    );
  });

  it('gates the facade with all four providers as well', () => {
    const { status, output } = sizeReport('--only', 'facade:all', '--budget', 'facade-all=5000');
    expect(status).toBe(1);
    expect(output).toMatch(
      /✖ size budget exceeded: facade:all is \d+ B gzip .* over its budget "facade-all" of 5000 B/,
    );
  });

  it('passes the same bundle under a budget it fits', () => {
    const { status, output } = sizeReport('--only', 'client:smartpay', '--budget', 'client=1000000');
    expect(output).toContain('✔ size budgets: 1 gated bundles within budget');
    expect(status).toBe(0);
  });

  it('takes budget overrides from REFUNDKIT_SIZE_BUDGETS too', () => {
    const result = spawnSync(
      process.execPath,
      [script, '--source', '--no-import-time', '--json', join(out, 'env.json'), '--only', 'client:payop'],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, REFUNDKIT_SIZE_BUDGETS: 'client=500' },
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('over its budget "client" of 500 B');
  });

  it('refuses testing or validator code in a main entry', () => {
    const fixture = join(root, 'bench/test/fixtures/imports-testing.mjs');
    const { status, output } = sizeReport(
      '--only',
      'none',
      '--extra-entry',
      fixture,
      '--budget',
      'client=10000000',
    );
    expect(status).toBe(1);
    expect(output).toMatch(/pulls testing\/validator code into a main entry: .*testing\//);
    expect(output).toMatch(/ajv/);
  });

  it('refuses another provider in the facade with one provider (tree-shaking broken)', () => {
    // A throwaway tree: the size report and its entries, the packages linked, and a copy of the facade whose
    // module body keeps PayOp's adapter alive, as a registry of every provider would.
    const tree = join(out, 'tree');
    mkdirSync(join(tree, 'bench'), { recursive: true });
    cpSync(join(root, 'bench/size'), join(tree, 'bench/size'), { recursive: true });
    symlinkSync(join(root, 'bench/node_modules'), join(tree, 'bench/node_modules'));
    mkdirSync(join(tree, 'packages'));
    for (const name of readdirSync(join(root, 'packages')).filter((n) => n !== 'refundkit'))
      symlinkSync(join(root, 'packages', name), join(tree, 'packages', name));
    const facade = join(tree, 'packages/refundkit');
    cpSync(join(root, 'packages/refundkit/src'), join(facade, 'src'), { recursive: true });
    symlinkSync(join(root, 'packages/refundkit/node_modules'), join(facade, 'node_modules'));
    appendFileSync(
      join(facade, 'src/index.ts'),
      "import { payop as registered } from '@refundkit/payop';\n(globalThis as Record<string, unknown>).all = { registered };\n",
    );
    const result = spawnSync(
      process.execPath,
      [join(tree, 'bench/size/size-report.mjs'), '--source', '--no-import-time', '--only', 'facade:smartpay'],
      { cwd: tree, encoding: 'utf8', timeout: 60_000, env: { ...process.env, REFUNDKIT_SIZE_BUDGETS: '' } },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /✖ facade:smartpay carries other providers' code \(tree-shaking failed\): .*packages\/payop\/src\//,
    );
  });
});
