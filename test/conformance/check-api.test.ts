// `pnpm check:api` compares the built packages' public surface with the committed API reports and changes
// nothing; `pnpm api:report` writes them. Run against a copy of the reports in a temporary directory, one
// of them edited as if the committed surface had another export: needs `pnpm build` (verify builds first).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const copy = mkdtempSync(join(tmpdir(), 'refundkit-api-reports-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

// Two packages keep it quick: the edited one and one that must still match.
const run = (...args: string[]) =>
  spawnSync(
    process.execPath,
    ['scripts/api-report.mjs', '--reports', copy, '--only', 'payop,refundkit', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    },
  );

describe('check:api', () => {
  it('reports a changed export with a diff, a missing and a stale report, touches nothing; api:report mends them', () => {
    for (const built of ['payop', 'refundkit'].map((p) => join(root, 'packages', p, 'dist/index.d.ts')))
      if (!existsSync(built))
        throw new Error(`${built} is missing: run \`pnpm build\` first (pnpm verify does)`);
    for (const folder of readdirSync(join(root, 'packages'))) {
      const etc = join(root, 'packages', folder, 'etc');
      if (existsSync(etc)) cpSync(etc, join(copy, 'packages', folder, 'etc'), { recursive: true });
    }
    const report = join(copy, 'packages/payop/etc/payop.api.md');
    const committed = readFileSync(report, 'utf8');
    expect(committed).toContain('export const payopBaseUrl = "https://api.payop.com";');
    // The committed surface had `payopUrl` where the build now exports `payopBaseUrl`: a renamed export.
    const edited = committed.replace('export const payopBaseUrl', 'export const payopUrl');
    writeFileSync(report, edited);
    const testingReport = join(copy, 'packages/payop/etc/payop-testing.api.md');
    const testingCommitted = readFileSync(testingReport, 'utf8');
    rmSync(testingReport);
    // A report of an entry point that is gone.
    const stale = join(copy, 'packages/refundkit/etc/refundkit-cli.api.md');
    writeFileSync(stale, readFileSync(join(copy, 'packages/refundkit/etc/refundkit.api.md')));

    const check = run('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toContain('packages/payop/etc/payop.api.md: differs');
    expect(check.stderr).toContain('-export const payopUrl = "https://api.payop.com";');
    expect(check.stderr).toContain('+export const payopBaseUrl = "https://api.payop.com";');
    expect(check.stderr).toContain('Nothing was changed. If the change is intended, run `pnpm api:report`');
    // Only the edited reports are reported: refundkit's own match.
    expect(check.stderr).toContain('packages/payop/etc/payop-testing.api.md: missing');
    expect(check.stderr).toContain('packages/refundkit/etc/refundkit-cli.api.md: no entry point produces it');
    expect(check.stderr.match(/: (differs|missing|no entry point)/g)).toHaveLength(3);
    expect(readFileSync(report, 'utf8')).toBe(edited);
    expect(existsSync(testingReport)).toBe(false);
    expect(existsSync(stale)).toBe(true);

    const write = run();
    expect(write.stdout).toContain('API reports of 4 entry points written, 3 changed or removed');
    expect(write.status).toBe(0);
    expect(readFileSync(report, 'utf8')).toBe(committed);
    expect(readFileSync(testingReport, 'utf8')).toBe(testingCommitted);
    expect(existsSync(stale)).toBe(false);
  }, 180_000);
});
