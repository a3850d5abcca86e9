// `pnpm check:breaking`: classifies each spec's changes since a base (ERR breaking, WARN review, INFO
// non-breaking), prints them as a changelog, and fails when the pending changesets do not bump a package
// as far as its spec's changes need: ERR → major (also before 1.0); WARN or INFO → any changeset.
//
// No maintained OpenAPI 3.1 diff engine installs from npm alone (README, "When a provider's API changes"),
// so the classification is the compatibility our users actually get: the types openapi-typescript
// generates from the spec at the base and on disk, related by the TypeScript compiler. A request that
// type-checked before must still type-check; a response of the new spec must still satisfy the old
// types. Changes the types cannot see (constraints, formats) are WARN; description/example-only ones INFO.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import getReleasePlanModule from '@changesets/get-release-plan';
import { parse } from 'yaml';

// The compiler and the generator load only when a spec differs from its base (seconds saved on the usual run).
let ts;
let openapiTS;
let astToString;
async function loadCompilers() {
  ts ??= (await import('typescript')).default;
  ({ default: openapiTS, astToString } = await import('openapi-typescript'));
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const getReleasePlan = getReleasePlanModule.default ?? getReleasePlanModule;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const LEVELS = ['INFO', 'WARN', 'ERR'];
const BUMPS = ['none', 'patch', 'minor', 'major'];

/** git's output (trimmed unless `raw`), or undefined when git fails. */
function git(args, raw = false) {
  const run = spawnSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) return undefined;
  return raw ? run.stdout : run.stdout.trim();
}

// --- the base -------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const baseFlag = argv.indexOf('--base');
// biome-ignore lint/suspicious/noUndeclaredEnvVars: read by this script only, not by a turbo task
const explicitBase = baseFlag >= 0 ? argv[baseFlag + 1] : process.env.REFUNDKIT_BREAKING_BASE || undefined;
if (baseFlag >= 0 && !explicitBase) {
  console.error('check:breaking: --base needs a git ref, e.g. --base origin/main');
  process.exit(2);
}

/** The base given (--base or REFUNDKIT_BREAKING_BASE), else the merge-base with main, else none. */
function defaultBase() {
  if (explicitBase) {
    const commit = git(['rev-parse', '--verify', '--quiet', `${explicitBase}^{commit}`]);
    if (!commit) {
      console.error(`check:breaking: the base '${explicitBase}' is not a commit here (fetch it first).`);
      process.exit(2);
    }
    return { commit, label: explicitBase };
  }
  for (const ref of ['main', 'origin/main']) {
    const commit = git(['merge-base', 'HEAD', ref]);
    if (commit) return { commit, label: `merge-base with ${ref}` };
  }
  return undefined;
}

/** Why there is no base, for the notice. */
function noBaseReason() {
  const present = ['main', 'origin/main'].filter((ref) => git(['rev-parse', '--verify', '--quiet', ref]));
  return present.length > 0
    ? `no merge-base of HEAD with ${present.join(' or ')} in this history (a shallow clone? \`git fetch --unshallow\`)`
    : 'no release tag, no `main` or `origin/main` in this clone (a single-branch clone?)';
}

/**
 * The commit a package's spec is compared with. Unless a base is given: changesets tags each published
 * package as <name>@<version>, and the newest such tag in HEAD's history is what users have.
 */
function baseFor(packageName) {
  if (explicitBase) return defaultBase();
  const tag = git(['tag', '--merged', 'HEAD', '--list', `${packageName}@*`, '--sort=-v:refname'])?.split(
    '\n',
  )[0];
  if (tag) return { commit: git(['rev-parse', `${tag}^{commit}`]), label: `release tag ${tag}` };
  return defaultBase();
}

// --- spec → package, at the base and on disk -------------------------------------------------------

/** spec path → package dir, from a redocly.yaml's apis (the generator's own mapping). */
function specPackages(redoclyText) {
  const map = new Map();
  for (const api of Object.values(parse(redoclyText).apis ?? {})) {
    const spec = api.root.replace(/^\.\//, '');
    const output = api['x-openapi-ts']?.output?.replace(/^\.\//, '');
    if (output) map.set(spec, output.split('/').slice(0, 2).join('/'));
  }
  return map;
}

const readAt = (commit, path) => git(['show', `${commit}:${path}`], true);
const packageJsonAt = (commit, dir) => {
  const text = commit ? readAt(commit, `${dir}/package.json`) : readIfExists(join(root, dir, 'package.json'));
  return text ? JSON.parse(text) : undefined;
};
const readIfExists = (path) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

// --- spec walking ----------------------------------------------------------------------------------

// Keys that only document (they become JSDoc, or nothing, in the generated code).
const DOC_KEYS = new Set([
  'description',
  'summary',
  'example',
  'examples',
  'externalDocs',
  'title',
  'tags',
  'x-enum-descriptions',
]);
// Keys whose values are maps of names chosen by the spec's author (a property named "description" is
// not documentation).
const NAME_MAPS = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'dependentSchemas',
  'responses',
  'headers',
  'content',
  'encoding',
  'schemas',
  'parameters',
  'requestBodies',
  'securitySchemes',
  'links',
  'callbacks',
  'variables',
]);

function withoutDocs(node, isNameMap = false) {
  if (Array.isArray(node)) return node.map((item) => withoutDocs(item));
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (!isNameMap && DOC_KEYS.has(key)) continue;
    out[key] = withoutDocs(value, !isNameMap && NAME_MAPS.has(key) && !Array.isArray(value));
  }
  return out;
}

/** `node` with its local $refs replaced by their targets (a $ref back into its own chain is kept). */
function resolved(node, doc, chain = []) {
  if (Array.isArray(node)) return node.map((item) => resolved(item, doc, chain));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    if (chain.includes(node.$ref)) return { $ref: node.$ref };
    const target = node.$ref
      .slice(2)
      .split('/')
      .reduce((at, part) => at?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    const { $ref, ...siblings } = node;
    return resolved({ ...target, ...siblings }, doc, [...chain, $ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolved(value, doc, chain)]));
}

/** Canonical JSON (sorted keys), so key order is no change. */
function canonical(node) {
  if (Array.isArray(node)) return `[${node.map(canonical).join(',')}]`;
  if (node === null || typeof node !== 'object') return JSON.stringify(node);
  return `{${Object.keys(node)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonical(node[key])}`)
    .join(',')}}`;
}

/** Up to `limit` JSON paths where two values differ. */
function differingPaths(a, b, path = '', found = [], limit = 3) {
  if (found.length >= limit) return found;
  if (canonical(a) === canonical(b)) return found;
  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
  if (isObject(a) && isObject(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      differingPaths(a[key], b[key], `${path}/${key}`, found, limit);
    }
  } else found.push(path || '/');
  return found;
}

const operationsOf = (spec) =>
  Object.entries(spec.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method]).map((method) => ({
      key: `${method} ${path}`,
      path,
      method,
      operationId: item[method].operationId,
      operation: item[method],
      pathItem: item,
    })),
  );

// --- classification --------------------------------------------------------------------------------

/**
 * The facets of one operation that both specs have: its parameters by location, its request body, and
 * each response status. `request` facets must accept what they accepted; response facets must not
 * return what the old types do not describe.
 */
function facetsOf(before, after, oldSpec, newSpec) {
  const facets = [];
  // Keyed by name, so a difference is reported at /<name>.
  const paramsIn = (op, spec, location) =>
    Object.fromEntries(
      [...(op.pathItem.parameters ?? []), ...(op.operation.parameters ?? [])]
        .map((parameter) => resolved(parameter, spec))
        .filter((parameter) => parameter.in === location)
        .map((parameter) => [parameter.name, parameter]),
    );
  const typeOf = (side, op) => `${side}[${JSON.stringify(op.path)}][${JSON.stringify(op.method)}]`;
  for (const location of ['path', 'query', 'header', 'cookie']) {
    facets.push({
      label: `${location} parameters`,
      request: true,
      oldType: `Pick<${typeOf('O', before)}['parameters'], '${location}'>`,
      newType: `Pick<${typeOf('N', after)}['parameters'], '${location}'>`,
      oldSpec: paramsIn(before, oldSpec, location),
      newSpec: paramsIn(after, newSpec, location),
    });
  }
  facets.push({
    label: 'request body',
    request: true,
    oldType: `Pick<${typeOf('O', before)}, 'requestBody'>`,
    newType: `Pick<${typeOf('N', after)}, 'requestBody'>`,
    oldSpec: resolved(before.operation.requestBody ?? null, oldSpec),
    newSpec: resolved(after.operation.requestBody ?? null, newSpec),
  });
  const newResponses = after.operation.responses ?? {};
  for (const [status, response] of Object.entries(before.operation.responses ?? {})) {
    if (!(status in newResponses)) continue;
    facets.push({
      label: `response ${status}`,
      request: false,
      oldType: `${typeOf('O', before)}['responses'][${JSON.stringify(status)}]`,
      newType: `${typeOf('N', after)}['responses'][${JSON.stringify(status)}]`,
      oldSpec: resolved(response, oldSpec),
      newSpec: resolved(newResponses[status], newSpec),
    });
  }
  return facets;
}

/** The compiler's most specific reason, with long type literals elided. */
function reason(diagnostic) {
  const lines = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n').split('\n');
  return lines
    .at(-1)
    .trim()
    .replace(/'[^']{50,}'/g, "'…'")
    .replace(/\.$/, '');
}

/**
 * Relates every facet's old and new types with the TypeScript compiler, one check a line:
 * compatible (the direction users depend on), kept (every property the old types name, optional ones
 * too, is still there) and identical. Returns each facet's failed checks with the compiler's reasons.
 */
async function relate(oldSpec, newSpec, facets, scratch) {
  await loadCompilers();
  writeFileSync(join(scratch, 'old.ts'), astToString(await openapiTS(oldSpec, { silent: true })));
  writeFileSync(join(scratch, 'new.ts'), astToString(await openapiTS(newSpec, { silent: true })));
  const lines = [
    "import type { paths as O } from './old';",
    "import type { paths as N } from './new';",
    // Which properties exist, at any depth, whatever their values: every one made required, leaves unknown.
    'type Shape<T> = [T] extends [never] ? unknown : T extends readonly (infer U)[] ? Shape<U>[] : T extends object ? { [K in keyof T]-?: Shape<T[K]> } : unknown;',
    'type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;',
  ];
  const checkAt = new Map();
  facets.forEach((facet, index) => {
    const [from, to] = facet.request ? [facet.oldType, facet.newType] : [facet.newType, facet.oldType];
    checkAt.set(lines.length, { index, check: 'compatible' });
    lines.push(`declare const c${index}: ${from}; export const k${index}: ${to} = c${index};`);
    checkAt.set(lines.length, { index, check: 'kept' });
    lines.push(
      `declare const f${index}: Shape<${facet.newType}>; export const g${index}: Shape<${facet.oldType}> = f${index};`,
    );
    checkAt.set(lines.length, { index, check: 'same' });
    lines.push(`export const s${index}: Same<${facet.oldType}, ${facet.newType}> = true;`);
  });
  const checks = join(scratch, 'checks.ts');
  writeFileSync(checks, lines.join('\n'));
  const program = ts.createProgram([checks], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es5.d.ts'], // the generated types need only Record and arrays: no DOM to load
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: [],
  });
  const failed = facets.map(() => new Map());
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const line =
      diagnostic.file?.fileName === checks
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line
        : -1;
    const at = checkAt.get(line);
    if (!at) throw new Error(`check:breaking: unexpected compiler error: ${reason(diagnostic)}`);
    if (!failed[at.index].has(at.check)) failed[at.index].set(at.check, reason(diagnostic));
  }
  return failed;
}

/** Every change between two versions of a spec, as { level, where, what }. */
async function classify(oldSpec, newSpec) {
  const changes = [];
  const add = (level, where, what, docs = false) => changes.push({ level, where, what, docs });
  const name = (op) => `${op.method.toUpperCase()} ${op.path}${op.operationId ? ` (${op.operationId})` : ''}`;
  const oldOps = operationsOf(oldSpec);
  const newOps = operationsOf(newSpec);
  const newByKey = new Map(newOps.map((op) => [op.key, op]));
  const oldKeys = new Set(oldOps.map((op) => op.key));
  const pairs = [];
  for (const op of oldOps) {
    const after = newByKey.get(op.key);
    if (!after) {
      const moved = newOps.find(
        (candidate) => candidate.operationId && candidate.operationId === op.operationId,
      );
      add('ERR', name(op), moved ? `operation moved to ${name(moved)}` : 'operation removed');
      continue;
    }
    // operationId names the generated operations['…'] type and the sandbox handler users import.
    if (op.operationId !== after.operationId) {
      add(
        'ERR',
        name(op),
        `operationId renamed to ${after.operationId} (the generated operations type is renamed)`,
      );
    }
    pairs.push([op, after]);
  }
  for (const op of newOps) if (!oldKeys.has(op.key)) add('INFO', name(op), 'operation added');

  // The rest of each operation and its path item: summary, description, deprecated, security, servers.
  const rest = (op) => {
    const { parameters, requestBody, responses, operationId, ...operation } = op.operation;
    const pathItem = Object.fromEntries(
      Object.entries(op.pathItem).filter(([key]) => !METHODS.includes(key) && key !== 'parameters'),
    );
    return { operation, pathItem };
  };
  for (const [before, after] of pairs) {
    const [oldRest, newRest] = [resolved(rest(before), oldSpec), resolved(rest(after), newSpec)];
    if (canonical(oldRest) === canonical(newRest)) continue;
    const [oldBare, newBare] = [withoutDocs(oldRest), withoutDocs(newRest)];
    if (canonical(oldBare) === canonical(newBare)) {
      add(
        'INFO',
        name(after),
        `documentation changed (at ${differingPaths(oldRest, newRest).join(', ')})`,
        true,
      );
    } else add('WARN', name(after), `changed (at ${differingPaths(oldBare, newBare).join(', ')})`);
  }

  // Response statuses, with oasdiff's levels: a success status removed is ERR, the rest INFO.
  for (const [before, after] of pairs) {
    const oldStatuses = Object.keys(before.operation.responses ?? {});
    const newStatuses = Object.keys(after.operation.responses ?? {});
    for (const status of oldStatuses.filter((s) => !newStatuses.includes(s))) {
      add(status.startsWith('2') ? 'ERR' : 'INFO', name(after), `response ${status} removed`);
    }
    for (const status of newStatuses.filter((s) => !oldStatuses.includes(s))) {
      add('INFO', name(after), `response ${status} added`);
    }
  }

  const facets = pairs.flatMap(([before, after]) =>
    facetsOf(before, after, oldSpec, newSpec).map((facet) => ({ ...facet, where: name(after) })),
  );
  const changed = facets.filter((facet) => canonical(facet.oldSpec) !== canonical(facet.newSpec));
  const scratch = mkdtempSync(join(tmpdir(), 'refundkit-check-breaking-'));
  try {
    const failed = await relate(oldSpec, newSpec, changed, scratch);
    changed.forEach((facet, index) => {
      const checks = failed[index];
      const oldBare = withoutDocs(facet.oldSpec);
      const newBare = withoutDocs(facet.newSpec);
      const docsOnly = canonical(oldBare) === canonical(newBare);
      const at = ` (at ${(docsOnly ? differingPaths(facet.oldSpec, facet.newSpec) : differingPaths(oldBare, newBare)).join(', ')})`;
      const where = `${facet.where} ${facet.label}`;
      if (checks.has('compatible')) {
        const broken = facet.request ? 'refuses requests valid before' : 'no longer satisfies the old types';
        add('ERR', where, `${broken}: ${checks.get('compatible')}${at}`);
      } else if (checks.has('kept')) {
        add('WARN', where, `a property described before is gone: ${checks.get('kept')}${at}`);
      } else if (checks.has('same')) {
        add('INFO', where, `${facet.request ? 'accepts' : 'describes'} more than before${at}`);
      } else if (!docsOnly) {
        add('WARN', where, `changed where the types cannot tell${at}`);
      } else add('INFO', where, `documentation or examples changed${at}`, true);
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  // Named schemas are public types (components['schemas']['…']); the rest of the document by key.
  const oldSchemas = Object.keys(oldSpec.components?.schemas ?? {});
  const newSchemas = Object.keys(newSpec.components?.schemas ?? {});
  for (const schema of oldSchemas.filter((s) => !newSchemas.includes(s))) {
    add(
      'ERR',
      `components.schemas.${schema}`,
      "schema removed (the generated components['schemas'] type is gone)",
    );
  }
  for (const schema of newSchemas.filter((s) => !oldSchemas.includes(s))) {
    add('INFO', `components.schemas.${schema}`, 'schema added');
  }
  const { paths: _oldPaths, components: oldComponents, ...oldRest } = oldSpec;
  const { paths: _newPaths, components: newComponents, ...newRest } = newSpec;
  const others = [
    ...[...new Set([...Object.keys(oldRest), ...Object.keys(newRest)])].map((key) => [
      key,
      oldRest[key],
      newRest[key],
    ]),
    ['components.securitySchemes', oldComponents?.securitySchemes, newComponents?.securitySchemes],
  ];
  for (const [key, before, after] of others) {
    if (canonical(before) === canonical(after)) continue;
    const bare = canonical(withoutDocs(before ?? null)) !== canonical(withoutDocs(after ?? null));
    add(bare ? 'WARN' : 'INFO', key, bare ? 'changed' : 'documentation changed', !bare);
  }
  return changes;
}

function parseSpec(text, label) {
  try {
    return parse(text);
  } catch (error) {
    console.error(
      `check:breaking: ${label} is not valid YAML (${error.message.split('\n')[0]}); \`pnpm lint:specs\` says more.`,
    );
    process.exit(2);
  }
}

// --- policy ----------------------------------------------------------------------------------------

const maxOf = (order, values) =>
  values.reduce((max, value) => (order.indexOf(value) > order.indexOf(max) ? value : max), order[0]);

/** The bump a version change already made (after `changeset version`, before the release tag). */
function versionBump(from, to) {
  if (!from || !to || from === to) return 'none';
  const [a, b] = [from, to].map((version) => version.split(/[.-]/).map(Number));
  if (b[0] > a[0]) return 'major';
  if (b[1] > a[1]) return 'minor';
  return 'patch';
}

const headMap = specPackages(readFileSync(join(root, 'redocly.yaml'), 'utf8'));
const plan = await getReleasePlan(root).catch((error) => {
  console.error(`check:breaking: the pending changesets cannot be read: ${error.message}`);
  process.exit(2);
});
/** The largest bump the pending changesets give each package they name. */
const named = new Map();
for (const changeset of plan.changesets) {
  for (const release of changeset.releases) {
    named.set(release.name, maxOf(BUMPS, [named.get(release.name) ?? 'none', release.type]));
  }
}

// Every spec on disk, and those the base maps that are gone (deleted since: breaking).
const fallback = defaultBase();
const candidates = new Map(
  readdirSync(join(root, 'specs'))
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => [`specs/${file}`, headMap.get(`specs/${file}`)]),
);
for (const [spec, dir] of specPackages((fallback && readAt(fallback.commit, 'redocly.yaml')) ?? 'apis: {}')) {
  if (!candidates.has(spec)) candidates.set(spec, dir);
}

const report = [];
const problems = [];
let compared = 0;
const changedPackages = new Set();
for (const [spec, dir] of [...candidates].sort()) {
  if (!dir) continue; // not generated into a package: nothing is published from it
  const current = packageJsonAt(undefined, dir);
  const base = current ? baseFor(current.name) : fallback;
  if (!base) continue;
  compared += 1;
  const packageName = current?.name ?? packageJsonAt(base.commit, dir)?.name ?? dir;
  const oldText = readAt(base.commit, spec);
  const newText = readIfExists(join(root, spec));
  const header = `${spec} → ${packageName} (against ${base.label}, ${base.commit.slice(0, 7)})`;
  if (oldText === undefined) {
    report.push(`${header}\n  new since the base: nothing to compare`);
    continue;
  }
  let changes;
  if (newText === undefined) changes = [{ level: 'ERR', where: spec, what: 'spec removed' }];
  else if (oldText === newText) changes = [];
  else {
    const [oldSpec, newSpec] = [parseSpec(oldText, `${spec} at ${base.label}`), parseSpec(newText, spec)];
    changes = await classify(oldSpec, newSpec);
    // A safety net: a difference no rule above describes is still reported.
    if (changes.length === 0 && canonical(oldSpec) !== canonical(newSpec)) {
      changes = [
        { level: 'WARN', where: spec, what: `changed (at ${differingPaths(oldSpec, newSpec).join(', ')})` },
      ];
    }
  }
  changes.sort((a, b) => LEVELS.indexOf(b.level) - LEVELS.indexOf(a.level));
  const level = maxOf(
    ['none', ...LEVELS],
    changes.map((change) => change.level),
  );
  report.push(
    changes.length === 0
      ? `${header}\n  no changes`
      : `${header}\n${changes.map((c) => `  ${c.level.padEnd(4)} ${c.where}: ${c.what}`).join('\n')}`,
  );
  if (level === 'none') continue;
  changedPackages.add(packageName);

  const need = level === 'ERR' ? 'major' : 'patch';
  const has = maxOf(BUMPS, [
    named.get(packageName) ?? 'none',
    versionBump(packageJsonAt(base.commit, dir)?.version, current?.version),
  ]);
  if (BUMPS.indexOf(has) >= BUMPS.indexOf(need)) continue;
  // A suggestion: major for ERR, patch when only documentation changed, minor otherwise.
  const bump = level === 'ERR' ? 'major' : changes.every((change) => change.docs) ? 'patch' : 'minor';
  const provider = dir.split('/')[1];
  const lines = changes.filter((change) => change.level === level).slice(0, 5);
  problems.push(
    `${packageName}: ${level === 'ERR' ? 'breaking changes' : 'changes'} in ${spec}, and ${
      has === 'none' ? 'no pending changeset names it' : `the pending changesets bump it only ${has}`
    }.\n` +
      `Add .changeset/${provider}-api-${bump === 'major' ? 'breaking' : 'change'}.md (edit the sentence for users${
        level === 'WARN' ? '; make it major if the WARN lines above break callers' : ''
      }):\n\n` +
      `---\n"${packageName}": ${bump}\n---\n\n` +
      `${level === 'ERR' ? 'Breaking: ' : ''}${lines.map((change) => `${change.where}: ${change.what.replace(/\.$/, '')}`).join('; ')}.\n`,
  );
}

if (report.length > 0) console.log(report.join('\n\n'));
if (compared === 0) {
  console.log(
    `check:breaking: no base to compare with: ${noBaseReason()}. Nothing was checked; pass --base <ref> (or REFUNDKIT_BREAKING_BASE).`,
  );
  process.exit(0);
}
if (problems.length > 0) {
  console.error(`\n✖ The pending changesets do not match the spec changes:\n\n${problems.join('\n')}`);
  process.exit(1);
}
const releases = plan.releases
  .filter(
    (release) =>
      release.type !== 'none' && (changedPackages.has(release.name) || release.name === 'refundkit'),
  )
  .map((release) => `${release.name} ${release.type}`);
console.log(
  `\nEvery spec change has its changeset.${changedPackages.size > 0 ? ` Release plan: ${releases.join(', ')}.` : ''}`,
);
