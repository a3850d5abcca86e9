// `pnpm chaos`: the never-twice model (test/support/never-twice-model.ts) with a random seed and a larger
// budget than `pnpm verify` gives it. The seed is printed; `pnpm chaos --seed N` replays it.
// Options: --seed N, --creates N (per provider, default 5000), --max-seconds N (per provider, default 300).
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    creates: { type: 'string', default: '5000' },
    'max-seconds': { type: 'string', default: '300' },
  },
});
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
for (const [name, value] of Object.entries({
  seed,
  creates: values.creates,
  'max-seconds': values['max-seconds'],
})) {
  if (!/^\d+$/.test(value)) {
    console.error(`chaos: --${name} must be a whole number, got "${value}"`);
    process.exit(2);
  }
}
console.log(`chaos: seed ${seed} (replay with: pnpm chaos --seed ${seed})`);
try {
  execFileSync('pnpm', ['exec', 'vitest', 'run', 'packages/refundkit/test/never-twice-model.test.ts'], {
    stdio: 'inherit',
    env: {
      ...process.env,
      CHAOS_SEED: seed,
      CHAOS_CREATES: values.creates,
      CHAOS_MAX_MS: String(Number(values['max-seconds']) * 1000),
    },
  });
} catch {
  console.error(`chaos: failed with seed ${seed} (replay with: pnpm chaos --seed ${seed})`);
  process.exit(1);
}
