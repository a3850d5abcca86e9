// Fails when committed generated code differs from what the specs produce now.
// (openapi-typescript --check is not used: with several apis in redocly.yaml it exits 0 on stale output.)
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['scripts/generate.mjs'], { stdio: 'inherit' });
const changed = execFileSync(
  'git',
  ['status', '--porcelain', '--untracked-files=all', '--', ':(glob)packages/*/src/generated/**'],
  { encoding: 'utf8' },
).trim();
if (changed) {
  console.error(
    `Generated code is out of sync with specs/ (or was edited by hand):\n${changed}\n\n` +
      'To fix this, run `pnpm generate` and commit the result.',
  );
  process.exit(1);
}
console.log('Generated code matches the specs.');
