// `pnpm bench`: every target of targets/index.mjs against the loopback server (its own process), in one
// process, interleaved: per round each target makes N sequential calls, then N calls 16 at a time, in a
// different order each round. Prints medians over rounds, ratios to a bare fetch() of the same request,
// client CPU per call and peak RSS (each target alone in a child process), and writes results/latest.json.
//
//   pnpm bench [--rounds 7] [--n 300] [--concurrency 16] [--warmup 100] [--filter smartpay]
//              [--max-seconds 170] [--no-memory] [--out bench/results/latest.json]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args.mjs';
import { concurrent, median, sequential, shuffled } from './lib/measure.mjs';
import { measureOverhead } from './lib/overhead.mjs';
import { startServer } from './lib/server-process.mjs';
import { targets } from './targets/index.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const options = parseArgs(process.argv.slice(2), {
  rounds: 7,
  n: 300,
  concurrency: 16,
  warmup: 100,
  filter: '',
  maxSeconds: 170,
  memory: true,
  noMemory: false,
  overhead: true,
  noOverhead: false,
  out: resolve(here, 'results/latest.json'),
});
if (options.noMemory) options.memory = false;
if (options.noOverhead || options.filter) options.overhead = false;
const started = performance.now();
const elapsedS = () => (performance.now() - started) / 1000;
const log = (...args) => console.log(...args);

// Every loop below is bounded in count; this bounds the whole run in time, whatever hangs.
const watchdog = setTimeout(() => {
  console.error(`\n✖ bench: still running after ${Math.round(options.maxSeconds * 1.5)} s, giving up.`);
  process.exit(2);
}, options.maxSeconds * 1500);
watchdog.unref();

const server = await startServer({ limitMs: options.maxSeconds * 2000 });
const ctx = { baseUrl: server.baseUrl, origin: server.origin };
const loadBefore = loadavg();

// Set up every target and check it with one call; count the requests it makes per call.
const selected = targets.filter((t) => !options.filter || t.id.includes(options.filter));
const active = [];
const skipped = [];
for (const target of selected) {
  try {
    const call = await target.setup(ctx);
    const before = await server.stats();
    const calls = 5;
    for (let i = 0; i < calls; i += 1) {
      const result = await call();
      if (result === undefined || result === null) throw new Error('the call returned nothing');
    }
    const after = await server.stats();
    const routes = {};
    let requests = 0;
    for (const [route, count] of Object.entries(after)) {
      const made = count - (before[route] ?? 0);
      if (made > 0) {
        routes[route] = made / calls;
        requests += made;
      }
    }
    if (Object.keys(routes).some((route) => route.endsWith('(404)'))) {
      throw new Error(
        `it called a path the loopback server does not serve: ${Object.keys(routes).join(', ')}`,
      );
    }
    active.push({ target, call, requestsPerCall: requests / calls, routes, seq: [], conc: [] });
  } catch (error) {
    const reason = error.name === 'Skip' ? error.message : `failed: ${error.message.split('\n')[0]}`;
    skipped.push({ id: target.id, label: target.label, reason });
    log(`skip ${target.id} — ${reason}`);
  }
}
if (!active.some((a) => a.target.id.startsWith('fetch:'))) {
  console.error('✖ bench: no bare fetch baseline ran; nothing to compare with.');
  await server.stop();
  process.exit(1);
}

log(
  `\nbench: ${active.length} targets, ${options.rounds} rounds × (${options.n} sequential + ${options.n} at ` +
    `concurrency ${options.concurrency}), node ${process.version}, ${cpus().length} CPUs, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
);
const gc = globalThis.gc ?? (() => {});
for (const entry of active) for (let i = 0; i < options.warmup; i += 1) await entry.call();
await Promise.all(Array.from({ length: options.concurrency }, () => active[0].call()));

let roundsRun = 0;
for (let round = 0; round < options.rounds; round += 1) {
  // Keep within the time bound: at least 3 rounds, then stop when the next one would not fit.
  const perRound = roundsRun ? elapsedS() / (roundsRun + 1) : 0;
  if (roundsRun >= 3 && elapsedS() + perRound > options.maxSeconds * (options.memory ? 0.75 : 0.95)) {
    log(`note: stopping after ${roundsRun} rounds to stay within ${options.maxSeconds} s.`);
    break;
  }
  for (const entry of shuffled(active, round + 1)) {
    gc();
    entry.seq.push(await sequential(entry.call, options.n));
    gc();
    entry.conc.push(await concurrent(entry.call, options.n, options.concurrency));
  }
  roundsRun += 1;
  process.stdout.write(`round ${roundsRun}/${options.rounds} done (${elapsedS().toFixed(0)} s)\n`);
}

// The same ingredients without I/O, finer grained than loopback timings can be.
let overhead = [];
if (options.overhead) {
  overhead = await measureOverhead({ loadRefundkit: () => import('refundkit') });
}

// Peak RSS of each target alone: a child process that sets it up and makes the same calls.
async function peakRss(target) {
  const child = spawn(
    process.execPath,
    [
      resolve(here, 'lib/memory-probe.mjs'),
      target.id,
      server.origin,
      String(options.n),
      String(options.concurrency),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: process.env },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const timer = setTimeout(() => child.kill(), 30_000);
  const code = await new Promise((done) => child.on('exit', done));
  clearTimeout(timer);
  if (code !== 0) return undefined;
  try {
    return JSON.parse(output.trim().split('\n').pop());
  } catch {
    return undefined;
  }
}
if (options.memory) {
  process.stdout.write('peak RSS per target ');
  for (const entry of active) {
    if (elapsedS() > options.maxSeconds) {
      log('\nnote: out of time, the remaining targets have no peak RSS.');
      break;
    }
    entry.memory = await peakRss(entry.target);
    process.stdout.write('.');
  }
  process.stdout.write('\n');
}
await server.stop();

// Medians, and per-round ratios to the bare fetch of the same provider (so load drifts cancel out).
const baseline = (provider) => active.find((a) => a.target.id === `fetch:${provider}`);
const results = active.map((entry) => {
  const base = baseline(entry.target.provider);
  const ratio = (mode) =>
    base ? median(entry[mode].map((m, i) => m.wallUs / (base[mode][i]?.wallUs ?? Number.NaN))) : Number.NaN;
  return {
    id: entry.target.id,
    label: entry.target.label,
    group: entry.target.group,
    provider: entry.target.provider,
    requestsPerCall: entry.requestsPerCall,
    routes: entry.routes,
    sequential: {
      medianUs: median(entry.seq.map((m) => m.wallUs)),
      ratioToFetch: ratio('seq'),
      cpuUsPerCall: median(entry.seq.map((m) => m.cpuUs)),
      rounds: entry.seq,
    },
    concurrent: {
      concurrency: options.concurrency,
      medianUs: median(entry.conc.map((m) => m.wallUs)),
      ratioToFetch: ratio('conc'),
      cpuUsPerCall: median(entry.conc.map((m) => m.cpuUs)),
      rounds: entry.conc,
    },
    peakRssMB: entry.memory?.peakRssMB,
  };
});

// Tables.
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const groups = { baseline: 0, refundkit: 1, official: 2, breakdown: 3 };
const order = ['smartpay', 'commercelayer', 'payop', 'geins'];
const sorted = [...results].sort(
  (a, b) =>
    order.indexOf(a.provider) - order.indexOf(b.provider) ||
    groups[a.group] - groups[b.group] ||
    a.sequential.medianUs - b.sequential.medianUs,
);
const header =
  '| provider | target | req/call | sequential µs/call | × fetch | c16 µs/call | × fetch | × fetch per request (seq / c16) | CPU µs/call | peak RSS MB |';
const rule = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|';
const row = (r) =>
  `| ${r.provider} | ${r.label} | ${fmt(r.requestsPerCall)} | ${fmt(r.sequential.medianUs)} | ${fmt(r.sequential.ratioToFetch, 2)} | ` +
  `${fmt(r.concurrent.medianUs)} | ${fmt(r.concurrent.ratioToFetch, 2)} | ` +
  `${fmt(r.sequential.ratioToFetch / r.requestsPerCall, 2)} / ${fmt(r.concurrent.ratioToFetch / r.requestsPerCall, 2)} | ` +
  `${fmt(r.sequential.cpuUsPerCall)} | ${fmt(r.peakRssMB, 1)} |`;
log(
  '\nCalls (medians over rounds; × fetch = median of per-round ratios to a bare fetch() of the same request)\n',
);
log(header);
log(rule);
for (const r of sorted.filter((r) => r.group !== 'breakdown')) log(row(r));
const breakdown = sorted.filter(
  (r) =>
    r.group === 'breakdown' ||
    r.id === 'fetch:smartpay' ||
    (r.id.endsWith(':smartpay') &&
      ['facade:smartpay', 'facade-proto:smartpay', 'openapi-fetch:smartpay', 'client:smartpay'].includes(
        r.id,
      )),
);
if (breakdown.length > 1) {
  log("\nWhere the facade's time goes (Smartpay create)\n");
  log(header);
  log(rule);
  for (const r of breakdown.sort((a, b) => a.sequential.ratioToFetch - b.sequential.ratioToFetch))
    log(row(r));
}

if (overhead.length) {
  log('\nPer-call costs without I/O (µs per operation, median of 5 rounds of 3000)\n');
  log('| operation | µs/op |');
  log('|---|--:|');
  for (const o of overhead) log(`| ${o.label} | ${o.error ? `– (${o.error})` : fmt(o.usPerOp, 1)} |`);
}

// The issue's targets: reported, never gated. Compared per request: a PayOp or Geins create makes two
// requests (the create, then reading the refund back, as their create answers only an id) where the bare
// fetch() baseline makes one.
const byId = new Map(results.map((r) => [r.id, r]));
const officials = results.filter((r) => r.group === 'official' && r.id.startsWith('sdk:'));
const perRequest = (r, mode) => r[mode].ratioToFetch / r.requestsPerCall;
const checks = [];
for (const r of results.filter((r) => r.group === 'refundkit')) {
  if (!r.id.startsWith('facade')) continue;
  const within = (mode) => perRequest(r, mode) <= 1.05;
  checks.push({
    target: r.id,
    requestsPerCall: r.requestsPerCall,
    sequentialWithin105: within('sequential'),
    concurrentWithin105: within('concurrent'),
    notSlowerThanOfficialSdks: officials.every(
      (o) =>
        perRequest(r, 'sequential') <= perRequest(o, 'sequential') &&
        perRequest(r, 'concurrent') <= perRequest(o, 'concurrent'),
    ),
  });
}
if (checks.length) {
  log(
    '\nTargets (reported, not gated; × fetch per request): facade ≤ 1.05× fetch, and no slower than any official SDK\n',
  );
  for (const c of checks) {
    const mark = (ok) => (ok ? 'yes' : 'NO');
    log(
      `  ${c.target.padEnd(28)} seq ≤1.05×: ${mark(c.sequentialWithin105)}  c16 ≤1.05×: ${mark(c.concurrentWithin105)}  ` +
        `≤ official SDKs: ${mark(c.notSlowerThanOfficialSdks)}`,
    );
  }
}
for (const s of skipped) log(`  skipped ${s.id}: ${s.reason}`);

let commit;
try {
  commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
} catch {}
const report = {
  date: new Date().toISOString(),
  command: `pnpm bench --rounds ${options.rounds} --n ${options.n} --concurrency ${options.concurrency} --warmup ${options.warmup}${options.filter ? ` --filter ${options.filter}` : ''}`,
  environment: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadavgBefore: loadBefore,
    loadavgAfter: loadavg(),
    commit,
    gcExposed: typeof globalThis.gc === 'function',
  },
  options: { ...options, roundsRun },
  harnessPeakRssMB: process.resourceUsage().maxRSS / 1024,
  results,
  skipped,
  overhead,
  checks,
  byId: undefined,
};
byId.clear();
mkdirSync(dirname(options.out), { recursive: true });
writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
log(`\nwrote ${options.out} (${elapsedS().toFixed(0)} s). Rerun: ${report.command}`);
process.exit(0);
