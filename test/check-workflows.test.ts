// `pnpm check:workflows` on a copy of the repository's workflows plus a broken one: only the broken one is
// reported, each problem with its line, and the check exits 1, so a mistake in a workflow fails `verify`.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'refundkit-workflows-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const broken = `name: Broken
on:
  push:
jobs:
  test:
    runs-on: ubuntu-24.04
    needs: build
    steps:
      - uses: actions/checkout@v7
      - run: echo "\${{ matrix.node }}"
`;

function check(directory: string) {
  return spawnSync(process.execPath, ['scripts/check-workflows.mjs', directory], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('pnpm check:workflows', () => {
  it('reports each problem of a broken workflow with its line, passes the real ones, and exits 1', () => {
    cpSync(join(root, '.github/workflows'), dir, { recursive: true });
    writeFileSync(join(dir, 'broken.yml'), broken);

    const run = check(dir);
    expect(run.status).toBe(1);
    const problems = run.stderr.split('\n').filter((line) => /^\S+\.yml:\d+:\d+: /.test(line));
    expect(problems.every((line) => line.includes('broken.yml:'))).toBe(true);
    expect(problems).toEqual([
      expect.stringMatching(
        /broken\.yml:5:3: job "test" needs job "build" which does not exist in this workflow \[job-needs\]$/,
      ),
      expect.stringMatching(
        /broken\.yml:9:15: "actions\/checkout@v7" is not pinned to a full commit SHA.*\[pin\]/,
      ),
      expect.stringMatching(
        /broken\.yml:10:24: property "node" is not defined in object type \{\} \[expression\]$/,
      ),
    ]);
    expect(run.stderr).toContain('✖ check:workflows: 3 problem(s) in 3 workflow(s)');
  }, 90_000);

  it('fails when there is no workflow to check', () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const run = check(empty);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^check:workflows: no workflow \(\*\.yml\) in /);
  });
});
