// The build every package runs from its own folder: declarations from tsc, JavaScript from esbuild, then check
// what npm would publish. esbuild bundles each entry point's own modules into one file because Node's cold
// import cost grows with every file it loads (tsc's one-file-per-module emit cost the facade ~30 ms). Other
// packages, the workspace's included, stay imports: the facade imports the @refundkit/* packages it depends
// on at run time, so an install holds one copy of each (the trade-off is in packages/refundkit/README.md).
//
//   node ../../scripts/build-package.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { build } from 'esbuild';

const run = (command, args) => execFileSync(command, args, { stdio: 'inherit' });
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const declared = new Set(Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }));

// The entry points are what package.json publishes: `./dist/x.js` is built from `src/x.ts`.
const source = (target) => target.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts');
const exportEntries = Object.values(pkg.exports ?? {})
  .map((target) => target.default)
  .filter(Boolean)
  .map(source);
// A bin is a committed launcher (pnpm links bins at install, before any build) that imports its bundle,
// `'../dist/x.js'`, built from `src/x.ts`.
const bins = Object.values(typeof pkg.bin === 'string' ? { bin: pkg.bin } : (pkg.bin ?? {})).map(
  (launcher) => `./${/'\.\.\/(dist\/[^']+\.js)'/.exec(readFileSync(launcher, 'utf8'))[1]}`,
);

// The package's own tsconfig, not the root one, whose `paths` map @refundkit/* to their sources.
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  outdir: 'dist',
  outbase: 'src',
  tsconfig: 'tsconfig.build.json',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
};

// The User-Agent's version is a generated constant (scripts/generate.mjs): never publish a stale one.
const versionModule = 'src/generated/version.gen.ts';
if (existsSync(versionModule) && !readFileSync(versionModule, 'utf8').includes(`'${pkg.version}'`)) {
  throw new Error(`${versionModule} is not at version ${pkg.version}: run \`pnpm generate\``);
}

rmSync('dist', { recursive: true, force: true });
run('tsc', ['-p', 'tsconfig.build.json', '--emitDeclarationOnly']);
const builds = [await build({ ...common, entryPoints: exportEntries })];
// A bin keeps its dynamic import()s as chunks beside it, so that e.g. `--help` loads none of them.
for (const bin of bins) {
  const [outdir, outbase] = [dirname(bin), dirname(source(bin))];
  builds.push(await build({ ...common, entryPoints: [source(bin)], outdir, outbase, splitting: true }));
}
// A bare import of a package that package.json does not declare would fail for users (e.g. under pnpm).
const undeclared = builds
  .flatMap((result) => Object.values(result.metafile.outputs))
  .flatMap((output) => output.imports)
  .filter((i) => i.external && !isBuiltin(i.path) && !declared.has(packageName(i.path)));
if (undeclared.length) throw new Error(`dist imports undeclared ${undeclared.map((i) => i.path)}`);
run('publint', ['--strict']);
// The esm-only profile ignores the node10 and CommonJS resolutions, but attw's table still lists them as
// "Resolution failed": it is printed only when attw finds a problem.
const attw = ['--pack', '.', '--profile', 'esm-only'];
try {
  execFileSync('attw', [...attw, '--quiet'], { stdio: 'inherit' });
  console.log('attw: no problems (esm-only profile: node16 from ESM, bundler)');
} catch {
  spawnSync('attw', [...attw, '--format', 'table-flipped'], { stdio: 'inherit' });
  process.exit(1);
}

function packageName(specifier) {
  return /^(@[^/]+\/)?[^/]+/.exec(specifier)[0];
}
