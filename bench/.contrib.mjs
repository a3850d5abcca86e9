import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const file = process.argv[2];
const r = await build({
  entryPoints: [file],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  legalComments: 'none',
  write: false,
  metafile: true,
  tsconfigRaw: {},
  absWorkingDir: process.cwd(),
});
const code = r.outputFiles[0].contents;
console.log('min', code.length, 'gzip', gzipSync(code, { level: 9 }).length);
for (const [k, v] of Object.entries(Object.values(r.metafile.outputs)[0].inputs).sort(
  (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
))
  if (v.bytesInOutput) console.log(v.bytesInOutput, k);
if (process.argv[3]) (await import('node:fs')).writeFileSync(process.argv[3], code);
