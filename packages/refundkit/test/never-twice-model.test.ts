// The model-based proof of "never twice, never lost" (test/support/never-twice-model.ts): a fixed seed in
// `pnpm verify`, a random one with `pnpm chaos` (the seed is printed; `pnpm chaos --seed N` replays it).
// Bounded in count and in time (per provider): the counts reached are printed.
import { describe, expect, it } from 'vitest';
import { type ModelProvider, runNeverTwiceModel } from '../../../test/support/never-twice-model.js';

const seed = Number(process.env.CHAOS_SEED ?? 20_261_201);
const creates = Number(process.env.CHAOS_CREATES ?? 2_000);
const maxMs = Number(process.env.CHAOS_MAX_MS ?? 60_000);
// Fewer proves too little: a slow machine runs on (up to twice maxMs) until it has this many.
const minCreates = Math.min(creates, 200);

describe.each<ModelProvider>(['smartpay', 'payop', 'geins', 'commercelayer', 'commercelayer-sole-writer'])(
  'never twice on %s',
  (provider) => {
    it(
      `holds over up to ${creates} logical creates in ${maxMs / 1000} s (at least ${minCreates}), with random faults, concurrency and shared names (seed ${seed})`,
      async () => {
        const report = await runNeverTwiceModel({ provider, seed, creates, minCreates, maxMs });
        // biome-ignore lint/suspicious/noConsole: the counts reached and the seed are the report of this test
        console.log(
          `${provider}: seed ${seed}, ${report.creates} creates in ${report.rounds} rounds: ` +
            `${report.made} made, ${report.unknown} outcome_unknown, ${report.refused} refused, ` +
            `${report.crashed} abandoned in crashes; recover() made ${report.recovered.made}, ` +
            `not made ${report.recovered.notMade}, in doubt ${report.recovered.inDoubt}`,
        );
        // One line per problem, with the round's faults and calls to replay it.
        expect(
          report.failures
            .slice(0, 5)
            .map(
              ({ round, problem, faults, calls }) =>
                `round ${round}: ${problem}\n  faults ${JSON.stringify(faults)}\n  calls ${JSON.stringify(calls.map(({ after, ...call }) => call))}`,
            ),
        ).toEqual([]);
        // Bounded by time on a slow machine, but never so much that it proves little.
        expect(report.creates).toBeGreaterThanOrEqual(minCreates);
        // Every ending is exercised, or the faults are not doing their job.
        expect(report.made).toBeGreaterThan(0);
        expect(report.unknown + report.refused).toBeGreaterThan(0);
      },
      2 * maxMs + 30_000,
    );
  },
);
