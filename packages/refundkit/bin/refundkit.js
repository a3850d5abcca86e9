#!/usr/bin/env node
// The bin is this committed file, not the build output, so that pnpm can link it in a fresh clone before
// anything is built (a bin pointing into dist/ made `pnpm install` warn "Failed to create bin").
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli/refundkit-cli.js', import.meta.url);
// In a clone (where the root links this bin, so `npx refundkit` runs it), before the first build.
if (!existsSync(cli)) {
  process.stderr.write(
    'refundkit: the CLI is not built yet.\n' +
      'hint: in a clone of the repository, run `pnpm build` first, or `pnpm sandbox` / `pnpm demo`, which build what they need.\n',
  );
  process.exit(1);
}
await import(cli.href);
