// Fails when the generated code on disk differs from what its sources produce now, and touches nothing:
// the generator runs on a copy of its inputs in a temporary directory, and that output is compared with
// packages/*/src/generated as it is on disk (committed or not). `pnpm generate` stays the only writer.
// (openapi-typescript --check is not used: with several apis in redocly.yaml it exits 0 on stale output.)
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'refundkit-check-generated-'));

/** Every file below `dir`, as paths relative to `base`. */
function filesBelow(dir, base) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(base, join(entry.parentPath, entry.name)));
}

const generatedDirs = (base) =>
  readdirSync(join(base, 'packages')).map((name) => join(base, 'packages', name, 'src/generated'));

const problems = [];
try {
  // The generator's inputs: specs, its config and plugin, the packages' manifests (versions), itself.
  for (const path of ['specs', 'redocly.yaml', 'scripts', 'package.json']) {
    cpSync(join(root, path), join(scratch, path), { recursive: true });
  }
  for (const name of readdirSync(join(root, 'packages'))) {
    cpSync(join(root, 'packages', name, 'package.json'), join(scratch, 'packages', name, 'package.json'));
  }
  symlinkSync(join(root, 'node_modules'), join(scratch, 'node_modules'));
  execFileSync(process.execPath, [join(scratch, 'scripts/generate.mjs')], { cwd: scratch, stdio: 'inherit' });

  const expected = new Set(generatedDirs(scratch).flatMap((dir) => filesBelow(dir, scratch)));
  const actual = new Set(generatedDirs(root).flatMap((dir) => filesBelow(dir, root)));
  for (const file of [...new Set([...expected, ...actual])].sort()) {
    if (!actual.has(file)) problems.push(`${file}: missing (the specs produce it)`);
    else if (!expected.has(file)) problems.push(`${file}: not produced by the specs`);
    else if (readFileSync(join(scratch, file), 'utf8') !== readFileSync(join(root, file), 'utf8')) {
      // A short diff of what the specs produce against what is on disk.
      const diff = spawnSync(
        'git',
        ['diff', '--no-index', '--stat', '--', join(root, file), join(scratch, file)],
        {
          encoding: 'utf8',
        },
      );
      const lines = spawnSync(
        'git',
        ['diff', '--no-index', '--unified=1', '--', join(root, file), join(scratch, file)],
        { encoding: 'utf8' },
      )
        .stdout.split('\n')
        .filter((line) => /^[-+](?![-+]{2} )/.test(line))
        .slice(0, 8);
      const stat = diff.stdout.trim().split('\n').at(-1)?.trim() ?? '';
      problems.push(
        `${file}: differs (${stat})\n${lines.map((line) => `    ${line.slice(0, 120)}`).join('\n')}`,
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(
    `Generated code on disk differs from what specs/ produce (stale, or edited by hand; - on disk, + produced):\n\n${problems.join('\n')}\n\n` +
      'Nothing was changed. To fix this, run `pnpm generate` (the only writer of generated code) and commit the result.',
  );
  process.exit(1);
}
console.log('Generated code matches the specs.');
