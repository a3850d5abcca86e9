import { build } from 'esbuild';

for (const p of ['core', 'commercelayer', 'payop', 'smartpay', 'geins', 'refundkit']) {
  await build({
    entryPoints: [`../packages/${p}/src/index.ts`],
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    outfile: `../packages/${p}/dist/index.js`,
    tsconfigRaw: {},
    allowOverwrite: true,
    minify: process.argv[2] === 'min',
  });
}
