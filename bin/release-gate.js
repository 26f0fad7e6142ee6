#!/usr/bin/env node
// The `release-gate` bin. It loads the TypeScript source through tsx rather than a prebuilt
// bundle: the CLI runs from this repository's checkout in pipelines, where `npm ci` installs tsx
// (a devDependency) anyway, and a bundle built by a `prepare` script could go stale against the
// source it came from, or be missing after `npm ci --ignore-scripts`. The cost is tsx's loader
// at start-up (under a second), next to a wait measured in minutes.
// `.js`, not `.mjs`: the package is ESM already, and the lint config covers `**/*.js` files.
import process from 'node:process';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../lib/cli/release-gate.ts');
const { processIo } = await import('../lib/cli/io.ts');
process.exitCode = await main(process.argv.slice(2), processIo());
