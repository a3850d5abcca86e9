// Everything CI checks, in order: `pnpm verify`. Stops at the first failing step.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const testResults = join(tmpdir(), `refundkit-vitest-${process.pid}.json`);
const steps = [
  ['code lint', 'pnpm', ['run', 'lint']],
  ['spec lint', 'pnpm', ['run', 'lint:specs']],
  ['workflow lint', 'pnpm', ['run', 'check:workflows']],
  ['generated code is up to date', 'pnpm', ['run', 'check:generated']],
  ['spec changes have their changesets', 'pnpm', ['run', 'check:breaking']],
  ['build, publint, attw', 'pnpm', ['run', 'build']],
  ['API reports are up to date', 'pnpm', ['run', 'check:api']],
  ['size budgets', 'node', ['bench/size/size-report.mjs', '--no-import-time']],
  ['typecheck', 'pnpm', ['run', 'typecheck']],
  // The browser test (test/reference-docs.test.ts) opens what this builds.
  ['reference docs', 'pnpm', ['run', 'docs']],
  [
    'tests',
    'pnpm',
    ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${testResults}`],
  ],
];

for (const [name, command, args] of steps) {
  const started = performance.now();
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  try {
    execFileSync(command, args, { stdio: 'inherit', env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' } });
  } catch {
    console.error(`\n✖ ${name} failed.`);
    process.exit(1);
  }
  console.log(`✔ ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

const results = JSON.parse(readFileSync(testResults, 'utf8'));
rmSync(testResults, { force: true });
console.log(`\ntests: ${results.numPassedTests} passed, ${results.numFailedTests} failed`);
if (results.numFailedTests > 0 || results.numPassedTests === 0) process.exit(1);
