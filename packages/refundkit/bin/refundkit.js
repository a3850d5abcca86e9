#!/usr/bin/env node
// The bin is this committed file, not the build output, so that pnpm can link it in a fresh clone before
// anything is built (a bin pointing into dist/ made `pnpm install` warn "Failed to create bin").
import '../dist/cli/refundkit-cli.js';
