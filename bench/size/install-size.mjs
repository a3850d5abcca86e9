// What `npm install refundkit` puts on a user's disk: packs every published package as it is built (run
// `pnpm build` first), installs the tarballs with npm into a fresh temporary project (the @refundkit/*
// packages come from the tarballs, third-party dependencies from the npm registry or npm's cache), and
// prints the size of node_modules by package. Not part of `verify`: it needs the registry.
//
//   node bench/size/install-size.mjs
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const packages = resolve(import.meta.dirname, '../../packages');
const scratch = mkdtempSync(join(tmpdir(), 'refundkit-install-size-'));

/** Bytes of the files below `dir` (apparent sizes, as `du -sb`). */
function bytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

try {
  const tarballs = join(scratch, 'tarballs');
  for (const folder of readdirSync(packages)) {
    const manifest = JSON.parse(readFileSync(join(packages, folder, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    // pnpm pack turns `workspace:^` ranges into the versions npm will see.
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: join(packages, folder),
      stdio: 'ignore',
    });
  }
  const project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{ "name": "install-size", "private": true }\n');
  // Every tarball is named so that npm takes the @refundkit/* dependencies from them, not the registry.
  const files = readdirSync(tarballs).map((file) => join(tarballs, file));
  execFileSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', ...files],
    {
      cwd: project,
      stdio: 'ignore',
    },
  );
  const modules = join(project, 'node_modules');
  const rows = [];
  for (const name of readdirSync(modules)) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name];
    for (const full of names) rows.push([full, bytes(join(modules, full))]);
  }
  const kB = (n) => (n / 1000).toFixed(1);
  const ours = rows.filter(([name]) => name === 'refundkit' || name.startsWith('@refundkit/'));
  const sum = (list) => list.reduce((total, [, size]) => total + size, 0);
  console.log('| package | kB |\n|---|--:|');
  for (const [name, size] of ours.sort()) console.log(`| ${name} | ${kB(size)} |`);
  console.log(`| refundkit's own packages | ${kB(sum(ours))} |`);
  console.log(
    `| third-party dependencies (${rows.length - ours.length} packages) | ${kB(sum(rows) - sum(ours))} |`,
  );
  console.log(`| node_modules | ${kB(bytes(modules))} |`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
