// `pnpm run docs`: the rendered reference in docs/dist (gitignored), for a reader to open offline:
// - <api>.html   one Redoc page per spec in redocly.yaml, which a browser renders offline: `--inlineBundle`
//                embeds the Redoc script instead of loading it from Redocly's CDN, REDOCLY_TELEMETRY=off turns
//                Redoc's telemetry off, and the "API docs by Redocly" logo, which Redoc 3 loads from its CDN on
//                every page, is left out
// - readme/<package>.html   the repository's and each package's README, rendered with marked
// - index.html   links to all of them
// - manifest.json   a hash of every input, so the browser test can tell a stale build from a fresh one
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { marked } from 'marked';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs/dist');
const require = createRequire(import.meta.url);
const redocly = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');

const html = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
const sha256 = (path) =>
  createHash('sha256')
    .update(readFileSync(join(root, path)))
    .digest('hex');
const page = (title, body) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1f2328; }
pre, code { font-family: ui-monospace, monospace; font-size: 0.9em; background: #f6f8fa; }
pre { padding: 0.75rem; overflow-x: auto; }
table { border-collapse: collapse; } th, td { border: 1px solid #d0d7de; padding: 0.25rem 0.5rem; }
</style>
</head>
<body>
${body}
</body>
</html>
`;

const started = performance.now();
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'readme'), { recursive: true });

const { apis } = parse(readFileSync(join(root, 'redocly.yaml'), 'utf8'));
const specs = Object.entries(apis).map(([name, api]) => {
  const path = api.root.replace(/^\.\//, '');
  const { info } = parse(readFileSync(join(root, path), 'utf8'));
  return { name, path, file: `${name}.html`, title: info.title, version: info.version };
});

const readmes = [
  { name: 'refundkit-monorepo', path: 'README.md', title: 'refundkit (repository)', description: 'Overview' },
  ...readdirSync(join(root, 'packages'))
    .sort()
    .map((dir) => {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      return { name: dir, path: `packages/${dir}/README.md`, title: pkg.name, description: pkg.description };
    }),
].map((readme) => ({ ...readme, file: `readme/${readme.name}.html` }));

// Redocly prints a banner on every run (its Node 20 notice): its output is shown only when it fails.
const results = await Promise.allSettled(
  specs.map((spec) =>
    promisify(execFile)(
      process.execPath,
      [redocly, 'build-docs', spec.name, '--inlineBundle', '--output', join(out, spec.file)],
      { cwd: root, timeout: 120_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } },
    ),
  ),
);
const failed = results.flatMap((result, i) =>
  result.status === 'rejected' ? [[specs[i], result.reason]] : [],
);
for (const [spec, error] of failed) {
  console.error(
    `✖ ${spec.path}: redocly build-docs failed\n${error.stdout ?? ''}${error.stderr ?? error.message}`,
  );
}
if (failed.length > 0) process.exit(1);
// The logo's <img> hides itself when its image fails to load, which an empty data URL does at once.
const redocLogo = /https:\/\/cdn\.redoc\.ly\/redoc\/logo-mini(-full)?\.svg/g;
for (const spec of specs) {
  const path = join(out, spec.file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(redocLogo, 'data:,'));
}

for (const readme of readmes) {
  const body = await marked.parse(readFileSync(join(root, readme.path), 'utf8'));
  writeFileSync(join(out, readme.file), page(readme.title, body));
}

const item = (href, text, note) => `  <li><a href="${html(href)}">${html(text)}</a> — ${html(note)}</li>`;
writeFileSync(
  join(out, 'index.html'),
  page(
    'refundkit reference',
    [
      '<h1>refundkit reference</h1>',
      '<h2>API references</h2>',
      '<ul>',
      ...specs.map((spec) => item(spec.file, spec.title, `${spec.path}, version ${spec.version}`)),
      '</ul>',
      '<h2>Packages</h2>',
      '<ul>',
      ...readmes.map((readme) => item(readme.file, readme.title, readme.description)),
      '</ul>',
    ].join('\n'),
  ),
);

// What the pages are built from, this script and its configuration included.
const inputs = [
  'redocly.yaml',
  'scripts/build-docs.mjs',
  ...specs.map(({ path }) => path),
  ...readmes.map(({ path }) => path),
];
const sources = Object.fromEntries(inputs.map((path) => [path, sha256(path)]));
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ sources }, null, 2)}\n`);

const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `docs/dist: ${specs.length} API references, ${readmes.length} READMEs, index.html (${seconds} s)`,
);
