import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const packages = resolve('../packages');
const plugin = {
  name: 'src',
  setup(b) {
    b.onResolve({ filter: /^(refundkit|@refundkit\/[a-z]+)$/ }, (a) => ({
      path: resolve(packages, a.path === 'refundkit' ? 'refundkit' : a.path.slice(11), 'src/index.ts'),
    }));
  },
};
const r = await build({
  entryPoints: [process.argv[2]],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  legalComments: 'none',
  write: false,
  metafile: true,
  tsconfigRaw: {},
  plugins: [plugin],
});
const code = r.outputFiles[0].contents;
console.log('min', code.length, 'gzip', gzipSync(code, { level: 9 }).length);
for (const [k, v] of Object.entries(Object.values(r.metafile.outputs)[0].inputs).sort(
  (a, b) => b[1].bytesInOutput - a[1].bytesInOutput,
))
  if (v.bytesInOutput) console.log(v.bytesInOutput, k);
(await import('node:fs')).writeFileSync('/tmp/f1.js', code);
