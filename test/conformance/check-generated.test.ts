// `pnpm check:generated` judges the generated code on disk against the specs and changes nothing, in a
// throwaway clone of HEAD.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const clone = mkdtempSync(join(tmpdir(), 'refundkit-drift-'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe('check:generated', () => {
  it('passes on a clean clone, fails with a diff after a spec edit, judges what is on disk, keeps a hand edit', () => {
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
    expect(stale.stderr).toContain('packages/payop/src/generated/payop.openapi.gen.ts: differs');
    expect(stale.stderr).toContain('+    "title": "PayOp refunds API (edited)",');
    expect(stale.stderr).toContain('To fix this, run `pnpm generate`');

    // Regenerated but not committed: what is on disk matches the specs.
    execFileSync(process.execPath, ['scripts/generate.mjs'], { cwd: clone, stdio: 'ignore' });
    expect(check().status).toBe(0);

    // A hand edit is reported, and left where it is.
    const generated = join(clone, 'packages/payop/src/generated/payop.gen.ts');
    const edited = `${readFileSync(generated, 'utf8')}// a hand edit\n`;
    writeFileSync(generated, edited);
    const hand = check();
    expect(hand.status).toBe(1);
    expect(hand.stderr).toContain('packages/payop/src/generated/payop.gen.ts: differs');
    expect(hand.stderr).toContain('-// a hand edit');
    expect(readFileSync(generated, 'utf8')).toBe(edited);
    expect(spawnSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' }).stdout).toContain(
      'payop.gen.ts',
    );
  }, 120_000);
});
