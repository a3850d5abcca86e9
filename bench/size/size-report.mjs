// `pnpm size`: bundle sizes and import times of one-call usages (bench/size/entries), checked against the
// budgets in bench/size/budgets.json. Exits 1 when a budget is exceeded, a main entry pulls in sandbox or
// validator code (./testing, ajv, the generated OpenAPI documents), or the facade with one provider carries
// another provider's code. Sizes gate; import times are reported.
//
// Bundles: esbuild, bundle + minify + tree-shaking, format esm, platform node (Node built-ins stay
// external; core loads node:http(s) with process.getBuiltinModule, which needs no import), target es2022,
// legal comments dropped; gzip level 9 and brotli quality 11 of the output.
//
//   node bench/size/size-report.mjs [--source] [--no-import-time] [--import-runs 15] [--only id,id]
//        [--budget name=bytes ...] [--extra-entry file] [--json bench/results/size.json]
//   --source       bundle the packages' TypeScript sources instead of their built dist (no build needed)
//   --budget       override a budget (also REFUNDKIT_SIZE_BUDGETS="client=3000,facade-one=5000")
//   --extra-entry  add an entry that is checked like a main entry (budget "client")
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const bench = resolve(here, '..');
const packages = resolve(bench, '../packages');
const entriesDir = resolve(here, 'entries');
const providers = ['commercelayer', 'payop', 'smartpay', 'geins'];

// ---- options
const args = process.argv.slice(2);
const options = {
  source: false,
  importTime: true,
  importRuns: 15,
  only: undefined,
  budgets: {},
  extraEntries: [],
  json: resolve(bench, 'results/size.json'),
};
for (let i = 0; i < args.length; i += 1) {
  const [flag, inline] = args[i].split(/=(.*)/s, 2);
  const value = () => inline ?? args[++i];
  if (flag === '--source') options.source = true;
  else if (flag === '--no-import-time') options.importTime = false;
  else if (flag === '--import-runs') options.importRuns = Math.max(1, Math.min(100, Number(value())));
  else if (flag === '--only') options.only = value().split(',');
  else if (flag === '--budget') Object.assign(options.budgets, parseBudgets(value()));
  else if (flag === '--extra-entry') options.extraEntries.push(resolve(value()));
  else if (flag === '--json') options.json = resolve(value());
  else {
    console.error(`size-report: unknown argument ${args[i]}`);
    process.exit(2);
  }
}
function parseBudgets(text) {
  const result = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const [name, bytes] = pair.split('=');
    if (!name || !Number.isFinite(Number(bytes))) throw new Error(`bad budget "${pair}" (want name=bytes)`);
    result[name.trim()] = Number(bytes);
  }
  return result;
}
const budgetsFile = resolve(here, 'budgets.json');
const budgets = {
  ...Object.fromEntries(
    Object.entries(JSON.parse(readFileSync(budgetsFile, 'utf8'))).filter(([k]) => k[0] !== '$'),
  ),
  ...parseBudgets(process.env.REFUNDKIT_SIZE_BUDGETS ?? ''),
  ...options.budgets,
};

// ---- entries: main = refundkit code that must stay free of sandbox/validator code and within budget
const entries = [
  ...providers.map((p) => ({
    id: `client:${p}`,
    label: `@refundkit/${p} client`,
    file: `client-${p}.mjs`,
    budget: 'client',
    main: true,
  })),
  // The "facade with one provider" budget is measured with Smartpay; the others are reported beside it.
  ...providers.map((p) => ({
    id: `facade:${p}`,
    label: `refundkit facade + ${p}`,
    file: `facade-${p}.mjs`,
    budget: p === 'smartpay' ? 'facade-one' : undefined,
    main: true,
    provider: p,
  })),
  {
    id: 'facade:all',
    label: 'refundkit facade + all four',
    file: 'facade-all.mjs',
    budget: 'facade-all',
    main: true,
  },
  { id: 'openapi-fetch', label: 'openapi-fetch alone', file: 'openapi-fetch.mjs' },
  { id: 'empty', label: 'an empty ES module (import-time baseline)', file: 'empty.mjs' },
  {
    id: 'sdk:commercelayer-resource',
    label: '@commercelayer/sdk (per resource)',
    file: 'sdk-commercelayer-resource.mjs',
  },
  {
    id: 'sdk:commercelayer-bundle',
    label: '@commercelayer/sdk (bundle client)',
    file: 'sdk-commercelayer-bundle.mjs',
  },
  { id: 'sdk:smartpay', label: '@smartpay/sdk-node', file: 'sdk-smartpay.mjs' },
  { id: 'sdk:geins', label: '@geins/sdk-api-mgmt-javascript', file: 'sdk-geins.mjs' },
  { id: 'axios', label: 'axios (platform node)', file: 'axios.mjs' },
  {
    id: 'axios:browser',
    label: 'axios (platform browser)',
    file: 'axios.mjs',
    platform: 'browser',
    noImport: true,
  },
  ...options.extraEntries.map((path) => ({
    id: `extra:${relative(bench, path)}`,
    label: relative(bench, path),
    path,
    budget: 'client',
    main: true,
  })),
].filter((e) => !options.only || options.only.includes(e.id) || e.id.startsWith('extra:'));
/** The package each entry imports, for the import-only timing. */
const specifiers = {
  ...Object.fromEntries(providers.map((p) => [`client:${p}`, `@refundkit/${p}`])),
  ...Object.fromEntries(providers.map((p) => [`facade:${p}`, 'refundkit'])),
  'facade:all': 'refundkit',
  'openapi-fetch': 'openapi-fetch',
  empty: './size/entries/empty.mjs',
  'sdk:commercelayer-resource': '@commercelayer/sdk',
  'sdk:commercelayer-bundle': '@commercelayer/sdk/bundle',
  'sdk:smartpay': '@smartpay/sdk-node',
  'sdk:geins': '@geins/sdk-api-mgmt-javascript',
  axios: 'axios',
};
for (const entry of entries) {
  entry.path ??= resolve(entriesDir, entry.file);
  entry.specifier ??= specifiers[entry.id];
}

// In --source mode the workspace packages resolve to their TypeScript sources.
const fromSource = {
  name: 'workspace-sources',
  setup(b) {
    b.onResolve({ filter: /^(refundkit|@refundkit\/[a-z]+)(\/testing)?$/ }, (args) => {
      const [, name, testing] = /^(refundkit|@refundkit\/[a-z]+)(\/testing)?$/.exec(args.path);
      const dir = name === 'refundkit' ? 'refundkit' : name.slice('@refundkit/'.length);
      return { path: resolve(packages, dir, 'src', testing ? 'testing/index.ts' : 'index.ts') };
    });
  },
};

/** Sandbox and validator code that must never reach a main entry's bundle. */
const forbidden = [
  { pattern: /(^|\/)testing\//, what: 'a ./testing module' },
  { pattern: /(^|\/)ajv(-formats)?\//, what: 'ajv' },
  { pattern: /openapi-validator/, what: 'the OpenAPI validator' },
  { pattern: /\.openapi\.gen\./, what: 'a generated OpenAPI document' },
];

async function bundle(entry, source = options.source) {
  const result = await build({
    entryPoints: [entry.path],
    absWorkingDir: bench,
    bundle: true,
    minify: true,
    treeShaking: true,
    format: 'esm',
    platform: entry.platform ?? 'node',
    target: 'es2022',
    legalComments: 'none',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: source ? [fromSource] : [],
    // The root tsconfig maps the workspace packages to their sources; the dist mode must not follow it.
    tsconfigRaw: {},
  });
  const code = result.outputFiles[0].contents;
  return {
    raw: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
    brotli: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    inputs: Object.keys(result.metafile.inputs),
    // Bytes each input contributes to the minified output, largest first.
    contributions: Object.entries(Object.values(result.metafile.outputs)[0].inputs)
      .map(([input, { bytesInOutput }]) => [input, bytesInOutput])
      .filter(([, bytes]) => bytes > 0)
      .sort((a, b) => b[1] - a[1]),
  };
}

// ---- sizes
const failures = [];
const notes = [];
const rows = [];
for (const entry of entries) {
  const row = { id: entry.id, label: entry.label, budget: entry.budget, main: Boolean(entry.main) };
  rows.push(row);
  try {
    Object.assign(row, await bundle(entry));
  } catch (error) {
    row.error = String(error.message).split('\n').slice(0, 3).join(' ');
    if (entry.main)
      failures.push(
        `${entry.id} did not build: ${row.error}${options.source ? '' : ' (are the packages built? `pnpm size` builds them)'}`,
      );
    else notes.push(`${entry.id} did not build: ${row.error}`);
    continue;
  }
  if (entry.main) {
    // Built packages are single-file bundles, whose inputs say nothing of the modules inside: the check
    // looks at the same entry bundled from the sources.
    const inputs = options.source ? row.inputs : (await bundle(entry, true)).inputs;
    const bad = inputs.flatMap((input) =>
      forbidden.filter((f) => f.pattern.test(input)).map((f) => `${input} (${f.what})`),
    );
    row.forbiddenInputs = bad;
    if (bad.length)
      failures.push(
        `${entry.id} pulls testing/validator code into a main entry: ${bad.slice(0, 5).join(', ')}`,
      );
  }
  if (entry.provider) {
    // The facade imports every provider package: a user importing one must get none of the others' code.
    const others = row.contributions
      .map(([input]) => input)
      .filter((input) => providers.some((p) => p !== entry.provider && input.includes(`packages/${p}/`)));
    if (others.length)
      failures.push(`${entry.id} carries other providers' code (tree-shaking failed): ${others.join(', ')}`);
  }
  if (entry.budget) {
    const limit = budgets[entry.budget];
    row.budgetBytes = limit;
    if (limit === undefined)
      failures.push(
        `${entry.id}: no budget named "${entry.budget}" in ${relative(process.cwd(), budgetsFile)}`,
      );
    else if (row.gzip > limit) {
      failures.push(
        `size budget exceeded: ${entry.id} is ${row.gzip} B gzip (${(row.gzip / 1000).toFixed(2)} kB), over its budget ` +
          `"${entry.budget}" of ${limit} B (${(limit / 1000).toFixed(2)} kB). Largest inputs (minified bytes): ` +
          row.contributions
            .slice(0, 6)
            .map(([input, bytes]) => `${relative(bench, resolve(bench, input))} ${bytes}`)
            .join(', '),
      );
    }
  }
  delete row.inputs;
}

// ---- import times: cold `node` starts, interleaved, medians. Per entry:
//   import:     `node --input-type=module -e "await import('<package>')"` minus a bare `node -e 0`, the
//               module graph alone (start-up noise on a shared machine is several ms either way);
//   in-process: the same start, timed inside it with performance.now() around the import(): no start-up
//               noise, and still a cold import (it includes initialising Node's ESM loader);
//   ready:      `node <entry>.mjs` minus `node -e 0`, the import plus creating the client (openapi-fetch
//               reads `globalThis.Request` when a client is created, which makes Node load its undici).
function timeOnce(command, cwd) {
  const started = performance.now();
  const result = spawnSync(process.execPath, command, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20_000,
  });
  const ms = performance.now() - started;
  return result.status === 0
    ? { ms, inProcessMs: Number.parseFloat(String(result.stdout)) }
    : {
        error:
          String(result.stderr)
            .split('\n')
            .find((l) => /Error/.test(l)) ?? `exit ${result.status}`,
      };
}
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const timedImport = (specifier) =>
  `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stdout.write(String(performance.now() - t));`;
let baselines;
if (options.importTime) {
  const importable = entries.filter(
    (entry) => !entry.noImport && rows.find((r) => r.id === entry.id && !r.error),
  );
  const commands = new Map([
    ['node -e 0', { args: ['-e', '0'], cwd: bench }],
    ...importable.flatMap((e) => [
      ...(e.specifier
        ? [[`import ${e.id}`, { args: ['--input-type=module', '-e', timedImport(e.specifier)], cwd: bench }]]
        : []),
      [`ready ${e.id}`, { args: [e.path], cwd: entriesDir }],
    ]),
  ]);
  const samples = new Map([...commands.keys()].map((id) => [id, []]));
  const deadline = performance.now() + 150_000;
  for (let run = 0; run < options.importRuns && performance.now() < deadline; run += 1) {
    const ids = [...commands.keys()];
    for (let i = 0; i < ids.length; i += 1) {
      const id = ids[(i + run) % ids.length];
      const sample = timeOnce(commands.get(id).args, commands.get(id).cwd);
      if (!sample.error) samples.get(id).push(sample);
      else if (run === 0) notes.push(`${id} failed: ${sample.error}`);
    }
  }
  baselines = {
    nodeE0: median(samples.get('node -e 0').map((s) => s.ms)),
    runs: samples.get('node -e 0').length,
  };
  for (const row of rows) {
    const imported = samples.get(`import ${row.id}`);
    const ready = samples.get(`ready ${row.id}`);
    if (imported?.length) {
      row.importMs = median(imported.map((s) => s.ms)) - baselines.nodeE0;
      row.importInProcessMs = median(imported.map((s) => s.inProcessMs));
    }
    if (ready?.length) row.readyMs = median(ready.map((s) => s.ms)) - baselines.nodeE0;
  }
  // What an import adds to Node's own start of its ESM loader, which any first import pays (on a shared
  // machine that start alone moves by several ms between passes).
  const empty = rows.find((row) => row.id === 'empty')?.importMs;
  if (empty !== undefined) for (const row of rows) row.importOverEmptyMs = row.importMs - empty;
}

// ---- report
const kB = (bytes) => (Number.isFinite(bytes) ? (bytes / 1000).toFixed(2) : '–');
const ms = (value) => (Number.isFinite(value) ? value.toFixed(1) : '–');
console.log(
  `\nBundle sizes (esbuild ${options.source ? 'from TypeScript sources' : 'from built packages'}, minified, tree-shaken, esm, platform node; kB = 1000 B)` +
    (baselines
      ? `; import times: medians of ${baselines.runs} cold starts, minus \`node -e 0\` (${ms(baselines.nodeE0)} ms)` +
        ' or timed in the process around the `import()`'
      : '') +
    '\n',
);
console.log(
  '| bundle | min kB | gzip kB | brotli kB | gzip budget kB | import ms | import ms over an empty ES module | import ms in-process | import + client ms |',
);
console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const row of rows) {
  const over = row.budgetBytes !== undefined && row.gzip > row.budgetBytes;
  console.log(
    `| ${row.label} | ${kB(row.raw)} | ${kB(row.gzip)} | ${kB(row.brotli)} | ${row.budgetBytes ? `${kB(row.budgetBytes)}${over ? ' ✖' : ' ✔'}` : ''} | ` +
      `${ms(row.importMs)} | ${ms(row.importOverEmptyMs)} | ${ms(row.importInProcessMs)} | ${ms(row.readyMs)} |`,
  );
}
for (const note of notes) console.log(`note: ${note}`);
mkdirSync(dirname(options.json), { recursive: true });
writeFileSync(
  options.json,
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, mode: options.source ? 'source' : 'dist', budgets, baselines, rows, notes, failures }, null, 2)}\n`,
);
if (failures.length) {
  console.error('');
  for (const failure of failures) console.error(`✖ ${failure}`);
  console.error(
    `\n✖ size budgets: ${failures.length} problem(s). Budgets are in ${relative(process.cwd(), budgetsFile)}.`,
  );
  process.exit(1);
}
const gated = rows.filter((r) => r.budgetBytes !== undefined).length;
console.log(
  `\n✔ size budgets: ${gated} gated bundles within budget, no testing/validator code in main entries, ` +
    'no other provider in a one-provider facade.',
);
