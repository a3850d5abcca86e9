import { spawnSync } from 'node:child_process';

const cmds = Object.fromEntries(
  process.argv
    .slice(2)
    .map((c) => [
      c,
      c === '0' ? ['-e', '0'] : ['--input-type=module', '-e', `await import(${JSON.stringify(c)})`],
    ]),
);
const s = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]));
for (let r = 0; r < 21; r++)
  for (const [k, a] of Object.entries(cmds)) {
    const t = performance.now();
    const x = spawnSync(process.execPath, a, { stdio: ['ignore', 'ignore', 'inherit'] });
    s[k].push(performance.now() - t);
    if (x.status) throw new Error(k);
  }
const med = (v) => v.sort((a, b) => a - b)[v.length >> 1];
const base = med(s['0']);
for (const k in s) console.log(k, (med(s[k]) - base).toFixed(1));
