// `pnpm check:generated` fails when a spec changes without regenerating, in a throwaway clone of HEAD.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const clone = mkdtempSync(join(tmpdir(), 'refundkit-drift-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe('check:generated', () => {
  it('passes on a clean clone and fails, saying how to fix it, after a spec edit without regenerating', () => {
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', root, clone]);
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    const check = () =>
      spawnSync(process.execPath, ['scripts/check-generated.mjs'], {
        cwd: clone,
        encoding: 'utf8',
        timeout: 60_000,
      });

    const clean = check();
    expect(clean.stdout + clean.stderr).toContain('Generated code matches the specs.');
    expect(clean.status).toBe(0);

    const spec = join(clone, 'specs/payop.yaml');
    writeFileSync(
      spec,
      readFileSync(spec, 'utf8').replace(
        'title: PayOp refunds API (refundkit)',
        'title: PayOp refunds API (edited)',
      ),
    );
    const stale = check();
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('packages/payop/src/generated/payop.openapi.gen.ts');
    expect(stale.stderr).toContain('To fix this, run `pnpm generate` and commit the result.');
  }, 60_000);
});
