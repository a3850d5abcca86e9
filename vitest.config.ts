import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources of the workspace packages, not their builds.
    alias: [
      { find: /^@refundkit\/([a-z]+)\/testing$/, replacement: `${packages}$1/src/testing/index.ts` },
      { find: /^@refundkit\/([a-z]+)$/, replacement: `${packages}$1/src/index.ts` },
      { find: /^refundkit$/, replacement: `${packages}refundkit/src/index.ts` },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/test/**/*.test.ts'],
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    testTimeout: 20_000,
  },
});
