// `pnpm bench:journal`: what a journal costs per create, without any HTTP: the store operations the facade
// makes for one create (record, lease, transition to sent, transition to made, release) on each store —
// memoryJournal, pgliteJournal (a fresh data directory) and postgresJournal (a throwaway cluster on a unix
// socket, scripts/postgres-cluster.mjs). Per round, each store makes N sequential creates, then N with
// `concurrency` in flight (each create on its own payment, so no lease waits), in a different order each round.
// Prints medians over rounds of µs per create and client CPU µs per create, and writes results/journal.json.
//
//   pnpm bench:journal [--rounds 5] [--n 200] [--concurrency 8] [--warmup 20] [--filter postgres]
//                      [--max-seconds 150] [--out bench/results/journal.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryJournal } from '@refundkit/core';
import { pgliteJournal, postgresJournal } from '@refundkit/journal';
import { postgresMissing, startPostgres } from '../scripts/postgres-cluster.mjs';
import { parseArgs } from './lib/args.mjs';
import { concurrent, median, sequential, shuffled } from './lib/measure.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = parseArgs(process.argv.slice(2), {
  rounds: 5,
  n: 200,
  concurrency: 8,
  warmup: 20,
  filter: '',
  maxSeconds: 150,
  out: resolve(here, 'results/journal.json'),
});
const log = (...args) => console.log(...args);

// Every loop is bounded in count; this bounds the whole run in time, whatever hangs.
const watchdog = setTimeout(() => {
  console.error(
    `\n✖ bench:journal: still running after ${Math.round(options.maxSeconds * 1.5)} s, giving up.`,
  );
  process.exit(2);
}, options.maxSeconds * 1500);
watchdog.unref();

const home = mkdtempSync(join(tmpdir(), 'refundkit-journal-bench-'));
// The PGlite directory goes however the run ends (the Postgres cluster stops by itself when this process does).
process.on('exit', () => rmSync(home, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
const cleanups = [];

const stores = [
  { id: 'memory', label: 'memoryJournal (one process)', open: async () => memoryJournal() },
  {
    id: 'pglite',
    label: 'pgliteJournal (embedded, data dir on local disk)',
    open: async () => pgliteJournal({ dataDir: join(home, 'pglite') }),
  },
  {
    id: 'postgres',
    label: 'postgresJournal (PostgreSQL on a unix socket)',
    open: async () => {
      if (postgresMissing) throw new Error(postgresMissing);
      const server = await startPostgres();
      cleanups.unshift(() => server.stop());
      return postgresJournal({ connectionString: server.url, maxConnections: options.concurrency });
    },
  },
].filter((store) => !options.filter || store.id.includes(options.filter));

let sequence = 0;
/** One create's journal writes, on a payment of its own. */
function createOn(journal) {
  return async () => {
    sequence += 1;
    const key = `bench-${sequence}`;
    const payment = `pay-${sequence}`;
    const input = {
      payment,
      amount: { value: 1505, currency: 'EUR' },
      reason: 'requested_by_customer',
      reference: key,
      metadata: { rma: key },
      idempotencyKey: key,
    };
    const intent = {
      account: 'payop',
      key,
      provider: 'payop',
      payment,
      reference: key,
      fingerprint: key,
      input,
    };
    const recorded = await journal.record(intent);
    if (!recorded.recorded) throw new Error(`${key} was already recorded`);
    if (!(await journal.lease('payop', payment, 'bench', 30_000))) throw new Error(`${payment} is leased`);
    await journal.transition('payop', key, 'bench', { state: 'sent', memo: { before: [] } });
    const refund = {
      provider: 'payop',
      id: `refund-${sequence}`,
      payment,
      status: 'succeeded',
      amount: input.amount,
      reference: key,
      createdAt: '2026-12-01T10:00:00.000Z',
      raw: { id: `refund-${sequence}`, state: 2 },
    };
    if (!(await journal.transition('payop', key, 'bench', { state: 'made', refund })))
      throw new Error('fenced');
    await journal.release('payop', payment, 'bench');
  };
}

const active = [];
try {
  for (const store of stores) {
    const started = performance.now();
    try {
      const journal = await store.open();
      cleanups.unshift(() => journal.close());
      const call = createOn(journal);
      await call(); // opens the database and migrates: set-up, not measured
      const setupMs = performance.now() - started;
      for (let i = 0; i < options.warmup; i += 1) await call();
      active.push({ ...store, call, setupMs, sequential: [], concurrent: [] });
      log(`set up ${store.id} in ${(setupMs / 1000).toFixed(1)} s`);
    } catch (error) {
      log(`skipped ${store.id}: ${error.message}`);
    }
  }
  for (let round = 0; round < options.rounds; round += 1) {
    for (const store of shuffled(active, round + 1)) {
      globalThis.gc?.();
      store.sequential.push(await sequential(store.call, options.n));
      globalThis.gc?.();
      store.concurrent.push(await concurrent(store.call, options.n, options.concurrency));
    }
  }
} finally {
  for (const cleanup of cleanups) await cleanup();
}

const results = active.map((store) => ({
  id: store.id,
  label: store.label,
  setupMs: Math.round(store.setupMs),
  sequential: {
    usPerCreate: median(store.sequential.map((m) => m.wallUs)),
    cpuUsPerCreate: median(store.sequential.map((m) => m.cpuUs)),
  },
  concurrent: {
    usPerCreate: median(store.concurrent.map((m) => m.wallUs)),
    cpuUsPerCreate: median(store.concurrent.map((m) => m.cpuUs)),
  },
}));
const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`);
log(
  `\nJournal writes per create (record + lease + 2 transitions + release), ${options.rounds} rounds × ${options.n}, ` +
    `concurrency ${options.concurrency}; ${cpus().length} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
);
log('| store | sequential per create | CPU per create | concurrent per create | CPU per create |');
log('|---|--:|--:|--:|--:|');
for (const r of results) {
  log(
    `| ${r.label} | ${fmt(r.sequential.usPerCreate)} | ${fmt(r.sequential.cpuUsPerCreate)} | ` +
      `${fmt(r.concurrent.usPerCreate)} | ${fmt(r.concurrent.cpuUsPerCreate)} |`,
  );
}
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, `${JSON.stringify({ options, node: process.version, results }, null, 2)}\n`);
log(`\nWrote ${options.out}. Rerun: pnpm bench:journal --rounds ${options.rounds} --n ${options.n}`);
