// `pnpm generate` on a broken spec says which spec and what is wrong, and exits 1: no stack trace.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const copy = mkdtempSync(join(tmpdir(), 'refundkit-generate-errors-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('pnpm generate', () => {
  it('names the spec and its problem on a broken $ref, and exits 1 without a stack trace', () => {
    for (const path of ['redocly.yaml', 'specs', 'scripts/generate.mjs', 'scripts/redocly-plugin.js'])
      cpSync(join(root, path), join(copy, path), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'));
    const spec = join(copy, 'specs/payop.yaml');
    const text = readFileSync(spec, 'utf8');
    const target = '$ref: "#/components/schemas/RefundList"';
    expect(text).toContain(target);
    writeFileSync(spec, text.replace(target, '$ref: "#/components/schemas/NoSuchSchema"'));

    const run = spawnSync(process.execPath, ['scripts/generate.mjs'], {
      cwd: copy,
      encoding: 'utf8',
      timeout: 100_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^specs\/payop\.yaml:\n {2}Can't resolve \$ref at #\/paths\//m);
    expect(run.stderr).toContain('pnpm generate: fix the spec above');
    for (const other of ['commercelayer', 'smartpay', 'geins']) expect(run.stderr).not.toContain(other);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toContain('node_modules');
  }, 120_000);
});
