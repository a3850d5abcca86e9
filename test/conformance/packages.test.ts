// Every provider package has the same layout, scripts, exports, fields and README skeleton.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const providers = ['commercelayer', 'payop', 'smartpay', 'geins'];
const capitalized = (name: string) => name[0]!.toUpperCase() + name.slice(1);
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8'));

describe.each(providers)('packages/%s', (provider) => {
  const directory = `packages/${provider}`;
  const manifest = readJson(`${directory}/package.json`);
  const Provider = capitalized(provider);

  it('has the shared file layout', () => {
    for (const file of [
      'package.json',
      'tsconfig.build.json',
      'README.md',
      'src/index.ts',
      `src/${provider}-client.ts`,
      `src/${provider}-schemas.ts`,
      `src/${provider}-adapter.ts`,
      `src/generated/${provider}.gen.ts`,
      `src/generated/${provider}.openapi.gen.ts`,
      'src/testing/index.ts',
      `src/testing/${provider}-sandbox.ts`,
      `test/${provider}-client.test.ts`,
      `test/${provider}-client.test-d.ts`,
      `test/${provider}-sandbox.test.ts`,
      `test/${provider}-adapter.test.ts`,
    ]) {
      expect(existsSync(join(root, directory, file)), `${directory}/${file}`).toBe(true);
    }
    expect(readdirSync(join(root, directory, 'src/generated')).sort()).toEqual(
      [`${provider}.gen.ts`, `${provider}.openapi.gen.ts`, 'version.gen.ts'].sort(),
    );
  });

  it("sends package.json's version in its User-Agent", async () => {
    const generated = await import(/* @vite-ignore */ join(root, directory, 'src/generated/version.gen.ts'));
    expect(generated.version).toBe(manifest.version);
    const client = readFileSync(join(root, directory, `src/${provider}-client.ts`), 'utf8');
    expect(client).toContain(`'User-Agent': userAgent('${provider}', version),`);
  });

  it('has the shared package.json shape', () => {
    const smartpay = readJson('packages/smartpay/package.json');
    const shape = (pkg: Record<string, unknown>) => ({
      ...pkg,
      name: undefined,
      description: undefined,
      keywords: undefined,
      repository: { ...(pkg.repository as object), directory: undefined },
      version: undefined,
      // A package may test against its provider's official SDK: dev only, never shipped, pinned exactly.
      devDependencies: undefined,
    });
    expect(shape(manifest)).toEqual(shape(smartpay));
    for (const version of Object.values(manifest.devDependencies ?? {}))
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.name).toBe(`@refundkit/${provider}`);
    expect(manifest.repository.directory).toBe(directory);
    expect(manifest.type).toBe('module');
    expect(manifest.sideEffects).toBe(false);
    expect(manifest.engines).toEqual({ node: '>=20.19' });
    expect(Object.keys(manifest.exports)).toEqual(['.', './testing', './package.json']);
    expect(Object.keys(manifest.exports['.'])[0]).toBe('types');
  });

  it('exports the shared public surface', async () => {
    const main = await import(/* @vite-ignore */ join(root, directory, 'src/index.ts'));
    expect(Object.keys(main).sort()).toEqual(
      [`create${Provider}Client`, `${provider}BaseUrl`, provider, `${provider}Capabilities`].sort(),
    );
    const testing = await import(/* @vite-ignore */ join(root, directory, 'src/testing/index.ts'));
    expect(Object.keys(testing)).toEqual([`create${Provider}Sandbox`]);
  });

  it('keeps the sandbox and the spec module out of the main entry', () => {
    const sources = readdirSync(join(root, directory, 'src')).filter((file) => file.endsWith('.ts'));
    for (const file of sources) {
      const text = readFileSync(join(root, directory, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/from '\.\/testing|openapi\.gen\.js|@refundkit\/core\/testing/);
    }
  });

  it('has the shared README skeleton', () => {
    const headings = readFileSync(join(root, directory, 'README.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('#'));
    expect(headings).toEqual([
      `# @refundkit/${provider}`,
      '## Setup',
      '## Usage',
      '## Facade adapter',
      '## Operations',
      '## Errors',
      '## Testing',
      '## Spec',
    ]);
  });
});

// Every published package, the facade and core included, keeps an API report of each entry point
// (`pnpm api:report`; `pnpm check:api` compares them with the build).
const published = readdirSync(join(root, 'packages')).filter(
  (folder) => !readJson(`packages/${folder}/package.json`).private,
);

describe.each(published)('packages/%s API reports', (folder) => {
  it('has one committed report per entry point, and none other', () => {
    const manifest = readJson(`packages/${folder}/package.json`);
    const unscoped = manifest.name.replace(/^@refundkit\//, '');
    const entryPoints = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json');
    expect(entryPoints).toEqual(['.', './testing']);
    const expected = entryPoints.map((subpath) =>
      subpath === '.' ? `${unscoped}.api.md` : `${unscoped}-${subpath.slice(2)}.api.md`,
    );
    expect(readdirSync(join(root, 'packages', folder, 'etc')).sort()).toEqual(expected.sort());
    for (const report of expected) {
      const text = readFileSync(join(root, 'packages', folder, 'etc', report), 'utf8');
      expect(text, report).toContain(`## API Report File for "${manifest.name}"`);
      expect(text, report).toMatch(/^export /m);
    }
  });
});

// The store package is not a provider package (no spec, client, adapter or sandbox): it shares their
// package.json shape and build, and keeps its drivers optional, so the facade's users install none of them.
describe('packages/journal', () => {
  const directory = 'packages/journal';
  const manifest = readJson(`${directory}/package.json`);

  it('has the package layout', () => {
    for (const file of [
      'package.json',
      'tsconfig.build.json',
      'README.md',
      'src/index.ts',
      'src/testing/index.ts',
    ]) {
      expect(existsSync(join(root, directory, file)), `${directory}/${file}`).toBe(true);
    }
  });

  it("has the provider packages' package.json shape, its drivers optional peers pinned exactly for its tests", () => {
    const shape = (pkg: Record<string, unknown>) => ({
      ...pkg,
      name: undefined,
      description: undefined,
      keywords: undefined,
      repository: { ...(pkg.repository as object), directory: undefined },
      version: undefined,
      dependencies: undefined,
      devDependencies: undefined,
      peerDependencies: undefined,
      peerDependenciesMeta: undefined,
    });
    expect(shape(manifest)).toEqual(shape(readJson('packages/smartpay/package.json')));
    expect(manifest.name).toBe('@refundkit/journal');
    expect(manifest.repository.directory).toBe(directory);
    expect(manifest.dependencies).toEqual({ '@refundkit/core': 'workspace:^' });
    const peers = Object.keys(manifest.peerDependencies).sort();
    expect(peers).toEqual(['@electric-sql/pglite', 'fast-check', 'pg', 'vitest']);
    for (const peer of peers) {
      expect(manifest.peerDependenciesMeta[peer], peer).toEqual({ optional: true });
      expect(manifest.devDependencies[peer], peer).toMatch(/^\d+\.\d+\.\d+$/);
      expect(manifest.peerDependencies[peer], peer).toBe(`^${manifest.devDependencies[peer]}`);
    }
  });

  it('loads a driver only when a journal opens one, and keeps test tooling out of the main entry', () => {
    const sources = readdirSync(join(root, directory, 'src')).filter((file) => file.endsWith('.ts'));
    for (const file of sources) {
      const text = readFileSync(join(root, directory, 'src', file), 'utf8');
      expect(text, file).not.toMatch(/^import [^t].* from '(pg|@electric-sql\/pglite|vitest|fast-check)'/m);
      expect(text, file).not.toMatch(/from '\.\/testing/);
    }
  });

  it('exports the stores, and the conformance suite from ./testing', async () => {
    const main = await import(/* @vite-ignore */ join(root, directory, 'src/index.ts'));
    expect(Object.keys(main).sort()).toEqual(['pgliteJournal', 'postgresJournal']);
    const testing = await import(/* @vite-ignore */ join(root, directory, 'src/testing/index.ts'));
    expect(Object.keys(testing).sort()).toEqual(['describeJournalConformance', 'sampleIntent']);
  });
});
