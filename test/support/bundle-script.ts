// Bundles a TypeScript script and the workspace sources it imports into one ES module, for tests that run it
// in child processes (Node 20 runs no TypeScript). @refundkit/* resolve to their sources, as in vitest.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/** `external` packages are imported at run time, resolved from where `outfile` is. */
export async function bundleScript(entry: string, outfile: string, external: string[] = []): Promise<void> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    logLevel: 'warning',
    // CommonJS dependencies (pg) require node's modules.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    // pg-native and Cloudflare's sockets are optional parts of pg that Node never loads.
    external: ['pg-native', 'cloudflare:sockets', ...external],
    plugins: [
      {
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^(@refundkit\/[a-z]+(\/testing)?|refundkit)$/ }, ({ path }) => {
            const [, name, testing] = /^(?:@refundkit\/)?([a-z]+)(\/testing)?$/.exec(path)!;
            return { path: join(packages, name!, 'src', testing ? 'testing/index.ts' : 'index.ts') };
          });
        },
      },
    ],
  });
}
