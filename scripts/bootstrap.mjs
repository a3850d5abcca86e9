// `npm run demo` and `npm test` on a machine with Node and npm only: runs `pnpm <args>` with the pnpm pinned
// in package.json's `packageManager` (the one on PATH when it is that version, else fetched by npx, which
// puts it on PATH for the scripts that call `pnpm`), after `pnpm install --frozen-lockfile` when
// node_modules is missing or was installed from another lockfile.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const version = /^pnpm@(\d+\.\d+\.\d+)$/.exec(pinned ?? '')?.[1];
if (!version) {
  console.error(`bootstrap: package.json's packageManager must be pnpm@x.y.z (got ${pinned})`);
  process.exit(1);
}

// npm's shims are .cmd files on Windows, which need a shell.
const shell = process.platform === 'win32';
const onPath = spawnSync('pnpm', ['--version'], { encoding: 'utf8', shell }).stdout?.trim() === version;
const pnpm = onPath ? ['pnpm'] : ['npx', '--yes', `pnpm@${version}`];

/** Runs `pnpm …args` in the repository root; resolves with its exit code (128 + n for signal n). */
function run(pnpmArgs) {
  return new Promise((resolve) => {
    const child = spawn(pnpm[0], [...pnpm.slice(1), ...pnpmArgs], { cwd: root, stdio: 'inherit', shell });
    child.once('error', (error) => {
      console.error(`bootstrap: could not run ${pnpm.join(' ')} (${error.message})`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? 128 + (constants.signals[signal] ?? 0)));
  });
}

// Ctrl-C reaches the child from the terminal: this process waits for it to finish and passes on its code.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});

const installed = join(root, 'node_modules/.pnpm/lock.yaml');
const stale =
  !existsSync(installed) ||
  readFileSync(installed, 'utf8') !== readFileSync(join(root, 'pnpm-lock.yaml'), 'utf8');
if (stale) {
  console.log(`bootstrap: installing dependencies with pnpm ${version}`);
  const code = await run(['install', '--frozen-lockfile']);
  if (code !== 0) process.exit(code);
}
process.exit(await run(args));
