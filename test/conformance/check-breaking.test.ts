// `pnpm check:breaking` in a throwaway clone: a "release" commit with no pending changesets is `main`,
// the spec edits and changesets are made on a branch from it, on disk (the check reads the working tree).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'refundkit-breaking-'));
const clone = join(scratch, 'repo');
const spec = join(clone, 'specs/payop.yaml');
const git = (args: string[], cwd = clone) => execFileSync('git', args, { cwd, encoding: 'utf8' });

function check(args: string[] = [], cwd = clone) {
  const run = spawnSync(process.execPath, ['scripts/check-breaking.mjs', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, REFUNDKIT_BREAKING_BASE: '' },
  });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

function editSpec(...edits: [string, string][]) {
  let text = readFileSync(spec, 'utf8');
  for (const [from, to] of edits) {
    expect(text).toContain(from);
    text = text.replace(from, to);
  }
  writeFileSync(spec, text);
}

const changeset = (name: string, bump: string) =>
  writeFileSync(
    join(clone, `.changeset/${name}.md`),
    `---\n"@refundkit/payop": ${bump}\n---\n\nA sentence for users.\n`,
  );

// The request gains a required property, listRefunds is renamed, a required response property goes.
const requiredReason: [string, string] = [
  '        - refundType\n      properties:\n',
  '        - refundType\n        - reason\n      properties:\n        reason:\n          type: string\n          description: Why.\n',
];
const renamed: [string, string] = ['operationId: listRefunds', 'operationId: getRefunds'];
const noCurrency: [string, string][] = [
  ['        - currency\n        - sourceTransaction', '        - sourceTransaction'],
  [
    '        currency:\n          type: string\n          description: Currency code of the refund (that of the parent transaction), e.g. `USD`.\n',
    '',
  ],
];

beforeAll(() => {
  git(['clone', '--quiet', '--no-hardlinks', root, clone], root);
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  // The release: every pending changeset consumed.
  for (const file of readdirSync(join(clone, '.changeset'))) {
    if (file.endsWith('.md') && file !== 'README.md') rmSync(join(clone, '.changeset', file));
  }
  git(['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '--quiet', '-am', 'release']);
  // Off the clone's own branch first: it may be `main` (CI clones main).
  git(['checkout', '--quiet', '-B', 'feature']);
  git(['branch', '--force', 'main', 'HEAD']);
}, 60_000);
afterEach(() => {
  git(['checkout', '--quiet', '--', '.']);
  git(['clean', '--quiet', '-fd', '--', '.changeset', 'specs', 'packages']);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('check:breaking', () => {
  it('passes when no spec changed since the merge-base with main', () => {
    const run = check();
    expect(run.status).toBe(0);
    for (const name of ['commercelayer', 'geins', 'payop', 'smartpay']) {
      expect(run.out).toContain(`specs/${name}.yaml → @refundkit/${name} (against merge-base with main,`);
    }
    expect(run.out.match(/ {2}no changes/g)).toHaveLength(4);
  }, 120_000);

  it('an additive change fails without a changeset, naming the one to add, and passes with a patch', () => {
    editSpec([
      '      properties:\n        transactionIdentifier:',
      '      properties:\n        note:\n          type: string\n          description: A note.\n        transactionIdentifier:',
    ]);
    const missing = check();
    expect(missing.status).toBe(1);
    expect(missing.out).toContain(
      'INFO POST /v1/refunds/create (createRefund) request body: accepts more than before (at /content/application/json/schema/properties/note)',
    );
    expect(missing.err).toContain(
      '@refundkit/payop: changes in specs/payop.yaml, and no pending changeset names it.',
    );
    expect(missing.err).toContain('Add .changeset/payop-api-change.md');
    expect(missing.err).toContain('---\n"@refundkit/payop": minor\n---\n');

    changeset('payop-note', 'patch');
    const covered = check();
    expect(covered.status).toBe(0);
    expect(covered.out).toContain('Release plan: @refundkit/payop patch, refundkit patch.');
  }, 120_000);

  it('breaking changes fail without a major bump (a minor is not enough) and pass with one', () => {
    editSpec(requiredReason, renamed, ...noCurrency);
    const missing = check();
    expect(missing.status).toBe(1);
    const lines = missing.out.split('\n');
    expect(lines).toContain(
      "  ERR  POST /v1/refunds/create (createRefund) request body: refuses requests valid before: Property 'reason' is missing in type '…' but required in type '…' (at /content/application/json/schema/properties/reason, /content/application/json/schema/required)",
    );
    expect(lines).toContain(
      '  ERR  GET /v1/refunds/user-refunds (listRefunds): operationId renamed to getRefunds (the generated operations type is renamed)',
    );
    expect(missing.out).toContain(
      "  ERR  GET /v1/refunds/user-refunds (getRefunds) response 200: no longer satisfies the old types: Property 'currency' is missing",
    );
    expect(missing.err).toContain('Add .changeset/payop-api-breaking.md');
    expect(missing.err).toContain('---\n"@refundkit/payop": major\n---\n\nBreaking: ');

    changeset('payop-minor', 'minor');
    const minor = check();
    expect(minor.status).toBe(1);
    expect(minor.err).toContain('the pending changesets bump it only minor.');

    changeset('payop-major', 'major');
    const major = check();
    expect(major.status).toBe(0);
    expect(major.out).toContain('Release plan: @refundkit/payop major, refundkit patch.');
  }, 120_000);

  it('an operation or a whole spec removed is breaking', () => {
    const text = readFileSync(spec, 'utf8');
    const start = text.indexOf('  /v1/refunds/user-refunds:');
    const end = text.indexOf('\ncomponents:');
    writeFileSync(spec, text.slice(0, start) + text.slice(end + 1));
    const operation = check();
    expect(operation.status).toBe(1);
    expect(operation.out).toContain('  ERR  GET /v1/refunds/user-refunds (listRefunds): operation removed');

    rmSync(spec);
    const whole = check();
    expect(whole.status).toBe(1);
    expect(whole.out).toContain('  ERR  specs/payop.yaml: spec removed');
    expect(whole.err).toContain('"@refundkit/payop": major');
  }, 120_000);

  it('a spec added since the base has nothing to compare', () => {
    writeFileSync(join(clone, 'specs/extra.yaml'), readFileSync(spec, 'utf8'));
    mkdirSync(join(clone, 'packages/extra'));
    writeFileSync(
      join(clone, 'packages/extra/package.json'),
      JSON.stringify({ name: '@refundkit/extra', version: '0.0.0' }),
    );
    const redocly = join(clone, 'redocly.yaml');
    writeFileSync(
      redocly,
      `${readFileSync(redocly, 'utf8')}  extra:\n    root: ./specs/extra.yaml\n    x-openapi-ts:\n      output: ./packages/extra/src/generated/extra.gen.ts\n`,
    );
    const added = check();
    expect(added.status).toBe(0);
    expect(added.out).toMatch(
      /specs\/extra\.yaml → @refundkit\/extra \(against merge-base with main, \w+\)\n {2}new since the base: nothing to compare/,
    );
  }, 120_000);

  it('a description-only change is INFO and needs a patch; a constraint change or an optional property gone is WARN', () => {
    editSpec([
      'Currency code of the refund (that of the parent transaction), e.g. `USD`.',
      'ISO 4217 code of the refund currency, e.g. `USD`.',
    ]);
    const docs = check();
    expect(docs.status).toBe(1);
    expect(docs.out).toContain(
      'INFO GET /v1/refunds/user-refunds (listRefunds) response 200: documentation or examples changed (at /content/application/json/schema/properties/data/items/properties/currency/description)',
    );
    expect(docs.err).toContain('---\n"@refundkit/payop": patch\n---\n');

    editSpec(
      ['          minLength: 1\n', '          minLength: 3\n'],
      [
        '        type:\n          $ref: "#/components/schemas/RefundType"\n          description: "Refund type (same codes as `refundType`): 1 = full, 2 = partial."\n',
        '',
      ],
    );
    const warned = check();
    expect(warned.out).toContain(
      'WARN POST /v1/refunds/create (createRefund) request body: changed where the types cannot tell (at /content/application/json/schema/properties/transactionIdentifier/minLength)',
    );
    expect(warned.out).toContain(
      "WARN GET /v1/refunds/user-refunds (listRefunds) response 200: a property described before is gone: Property 'type' is missing",
    );
    expect(warned.err).toContain('make it major if the WARN lines above break callers');
    changeset('payop-docs', 'patch');
    expect(check().status).toBe(0);
  }, 120_000);

  it('compares with the last release tag, and a version already bumped by `changeset version` counts', () => {
    git(['tag', '@refundkit/payop@0.0.0', 'main']);
    try {
      editSpec(requiredReason);
      const tagged = check();
      expect(tagged.status).toBe(1);
      expect(tagged.out).toContain(
        'specs/payop.yaml → @refundkit/payop (against release tag @refundkit/payop@0.0.0,',
      );
      const manifest = join(clone, 'packages/payop/package.json');
      writeFileSync(
        manifest,
        readFileSync(manifest, 'utf8').replace('"version": "0.0.0"', '"version": "1.0.0"'),
      );
      expect(check().status).toBe(0);
    } finally {
      git(['tag', '--delete', '@refundkit/payop@0.0.0']);
    }
  }, 120_000);

  it('a clone without main or tags compares nothing and says so; a base that is not a commit is an error', () => {
    const single = join(scratch, 'single');
    git(['clone', '--quiet', '--single-branch', '--branch', 'feature', '--no-tags', clone, single], scratch);
    symlinkSync(join(root, 'node_modules'), join(single, 'node_modules'));
    const none = check([], single);
    expect(none.status).toBe(0);
    expect(none.out).toContain('check:breaking: no base to compare with');

    const unknown = check(['--base', 'no-such-ref']);
    expect(unknown.status).toBe(2);
    expect(unknown.err).toContain("the base 'no-such-ref' is not a commit here");
  }, 120_000);
});
