// `pnpm bench:journal`: what a refund journal costs per create, on each store — the default memoryJournal,
// pgliteJournal (a fresh data directory), postgresJournal on a throwaway cluster (scripts/postgres-cluster.mjs,
// a unix socket) with fsync off as the tests run it, and on one with PostgreSQL's durable defaults. Two
// measurements per store:
// - facade: `refunds.create` → Smartpay through `createRefunds({ providers, journal })`, against the loopback
//   server of `pnpm bench` (its own process): N sequential creates, N with `concurrency` in flight on
//   different payments, and N with `concurrency` in flight on one payment (which its lease serializes);
// - journal: the store operations of one create alone (record, lease, transition to sent, to made, release),
//   no HTTP, N sequential and N concurrent, each on its own payment.
// Per round every store runs every phase, stores in a different order each round. Prints medians over
// rounds of µs per create, the added cost against the memory journal (median of per-round differences),
// client CPU µs per create, and writes results/journal.json.
//
//   pnpm bench:journal [--rounds 5] [--n 100] [--concurrency 8] [--warmup 20] [--filter postgres]
//                      [--max-seconds 150] [--out bench/results/journal.json]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryJournal } from '@refundkit/core';
import { pgliteJournal, postgresJournal } from '@refundkit/journal';
import { createRefunds, smartpay } from 'refundkit';
import { postgresMissing, startPostgres } from '../scripts/postgres-cluster.mjs';
import { parseArgs } from './lib/args.mjs';
import { credentials, facadeInputs } from './lib/fixtures.mjs';
import { concurrent, median, sequential, shuffled } from './lib/measure.mjs';
import { startServer } from './lib/server-process.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = parseArgs(process.argv.slice(2), {
  rounds: 5,
  n: 100,
  concurrency: 8,
  warmup: 20,
  filter: '',
  maxSeconds: 150,
  out: resolve(here, 'results/journal.json'),
});
const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
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

/** A throwaway cluster and a journal on it (durable: every commit flushed, PostgreSQL's default). */
async function onPostgres(durable) {
  if (postgresMissing) throw new Error(postgresMissing);
  const server = await startPostgres({ durable });
  cleanups.unshift(() => server.stop());
  return postgresJournal({ connectionString: server.url, maxConnections: options.concurrency });
}

// `facadeJournal` is what `createRefunds` is given: for memory, nothing (its default, as today).
const stores = [
  {
    id: 'memory',
    label: 'memoryJournal (the default, one process)',
    open: async () => memoryJournal(),
    facadeJournal: () => undefined,
  },
  {
    id: 'pglite',
    label: 'pgliteJournal (embedded, data dir on local disk)',
    open: async () => pgliteJournal({ dataDir: join(home, 'pglite') }),
  },
  {
    id: 'postgres',
    label: 'postgresJournal (PostgreSQL, unix socket, fsync off)',
    open: () => onPostgres(false),
  },
  {
    id: 'postgres-durable',
    label: 'postgresJournal (PostgreSQL, unix socket, fsync on)',
    open: () => onPostgres(true),
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

/** The loopback server's Smartpay create requests so far. */
const creates = async (server) => (await server.stats())['POST /smartpay/v1/refunds'] ?? 0;
const onePayment = 'payment_test_benchOnePayment';
/** `refunds.create` → Smartpay on loopback, each on a payment of its own (or all on `onePayment`). */
function facadeOn(refunds, samePayment) {
  return async () => {
    sequence += 1;
    const payment = samePayment ? onePayment : `payment_test_bench${sequence}`;
    const refund = await refunds.create({ provider: 'smartpay', ...facadeInputs.smartpay, payment });
    if (refund?.status === undefined) throw new Error('refunds.create returned no refund');
  };
}

const phases = [
  ['facadeSequential', (store) => sequential(store.facade, options.n)],
  ['facadeConcurrent', (store) => concurrent(store.facade, options.n, options.concurrency)],
  ['facadeOnePayment', (store) => concurrent(store.facadeOnePayment, options.n, options.concurrency)],
  ['journalSequential', (store) => sequential(store.journalOnly, options.n)],
  ['journalConcurrent', (store) => concurrent(store.journalOnly, options.n, options.concurrency)],
];

const loadBefore = loadavg();
const server = await startServer({ limitMs: options.maxSeconds * 2000 });
cleanups.push(() => server.stop());
const active = [];
let roundsRun = 0;
try {
  for (const store of stores) {
    const setupStarted = performance.now();
    try {
      const journal = await store.open();
      cleanups.unshift(() => journal.close());
      const journalOnly = createOn(journal);
      await journalOnly(); // opens the database and migrates: set-up, not measured
      const setupMs = performance.now() - setupStarted;
      const refunds = createRefunds({
        providers: { smartpay: smartpay({ ...credentials.smartpay, baseUrl: server.baseUrl('smartpay') }) },
        journal: store.facadeJournal ? store.facadeJournal() : journal,
      });
      const entry = {
        ...store,
        setupMs,
        journalOnly,
        facade: facadeOn(refunds, false),
        facadeOnePayment: facadeOn(refunds, true),
        samples: Object.fromEntries(phases.map(([name]) => [name, []])),
      };
      // Checked: one create request per facade create reaches the server.
      const before = await creates(server);
      for (let i = 0; i < options.warmup; i += 1) {
        await entry.facade();
        await entry.journalOnly();
      }
      const made = (await creates(server)) - before;
      if (made !== options.warmup) throw new Error(`${options.warmup} creates sent ${made} requests`);
      active.push(entry);
      log(`set up ${store.id} in ${(setupMs / 1000).toFixed(1)} s`);
    } catch (error) {
      log(`skipped ${store.id}: ${error.message}`);
    }
  }
  for (let round = 0; round < options.rounds; round += 1) {
    // Keep within the time bound: at least 3 rounds, then stop when the next one would not fit.
    const perRound = roundsRun ? elapsedS() / (roundsRun + 1) : 0;
    if (roundsRun >= 3 && elapsedS() + perRound > options.maxSeconds * 0.95) {
      log(`note: stopping after ${roundsRun} rounds to stay within ${options.maxSeconds} s.`);
      break;
    }
    for (const store of shuffled(active, round + 1)) {
      for (const [name, run] of phases) {
        globalThis.gc?.();
        store.samples[name].push(await run(store));
      }
    }
    roundsRun += 1;
    log(`round ${roundsRun}/${options.rounds} done (${elapsedS().toFixed(0)} s)`);
  }
} finally {
  for (const cleanup of cleanups) await cleanup();
}

const memory = active.find((store) => store.id === 'memory');
const results = active.map((store) => ({
  id: store.id,
  label: store.label,
  setupMs: Math.round(store.setupMs),
  ...Object.fromEntries(
    phases.map(([name]) => {
      const samples = store.samples[name];
      return [
        name,
        {
          usPerCreate: median(samples.map((m) => m.wallUs)),
          cpuUsPerCreate: median(samples.map((m) => m.cpuUs)),
          // Per round, so that load drift between rounds cancels.
          addedUsVsMemory: memory
            ? median(samples.map((m, round) => m.wallUs - memory.samples[name][round].wallUs))
            : Number.NaN,
        },
      ];
    }),
  ),
}));
const fmt = (us) =>
  Number.isNaN(us) ? '–' : Math.abs(us) >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(0)} µs`;
const added = (us) => (Number.isNaN(us) ? '–' : `${us >= 0 ? '+' : '−'}${fmt(Math.abs(us))}`);
const load = (averages) => averages.map((l) => l.toFixed(1)).join(' ');
log(
  `\n${roundsRun} rounds × ${options.n} creates per phase, concurrency ${options.concurrency}; node ` +
    `${process.version}, ${cpus().length} CPUs, load average ${load(loadBefore)} before, ${load(loadavg())} after`,
);
log('\nFacade refunds.create → Smartpay on loopback, per create (added: vs memoryJournal, same round)\n');
const c = `c${options.concurrency}`;
log(
  `| store | sequential | added | CPU | ${c}, different payments | added | CPU | ${c}, one payment | added |`,
);
log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const r of results) {
  const { facadeSequential: s, facadeConcurrent: c, facadeOnePayment: o } = r;
  log(
    `| ${r.label} | ${fmt(s.usPerCreate)} | ${added(s.addedUsVsMemory)} | ${fmt(s.cpuUsPerCreate)} | ` +
      `${fmt(c.usPerCreate)} | ${added(c.addedUsVsMemory)} | ${fmt(c.cpuUsPerCreate)} | ` +
      `${fmt(o.usPerCreate)} | ${added(o.addedUsVsMemory)} |`,
  );
}
log('\nJournal writes alone per create (record + lease + 2 transitions + release), no HTTP\n');
log(`| store | sequential | CPU | ${c} | CPU | set-up |`);
log('|---|--:|--:|--:|--:|--:|');
for (const r of results) {
  const { journalSequential: s, journalConcurrent: c } = r;
  log(
    `| ${r.label} | ${fmt(s.usPerCreate)} | ${fmt(s.cpuUsPerCreate)} | ${fmt(c.usPerCreate)} | ` +
      `${fmt(c.cpuUsPerCreate)} | ${(r.setupMs / 1000).toFixed(1)} s |`,
  );
}
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(
  options.out,
  `${JSON.stringify({ options, roundsRun, node: process.version, load: { before: loadBefore, after: loadavg() }, results }, null, 2)}\n`,
);
log(
  `\nWrote ${options.out}. Rerun: pnpm bench:journal --rounds ${options.rounds} --n ${options.n} ` +
    `--concurrency ${options.concurrency}`,
);
