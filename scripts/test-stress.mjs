#!/usr/bin/env node
// `npm run test:stress [-- --only unit|integration|…]`: the whole suite (scripts/test.mjs) with every
// Node process it starts (tests, berth serve, proxy workers, the app server…) stalling at random
// (scripts/stall-loop.mjs). CI runs the suite once on a busy machine; a test that passes here does
// not depend on the machine being fast. BERTH_STALL_MS sets the longest stall (default 150).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// A file URL: no spaces or backslashes for NODE_OPTIONS to split on.
const loop = new URL('./stall-loop.mjs', import.meta.url).href;
const test = fileURLToPath(new URL('./test.mjs', import.meta.url));
const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${loop}`.trim() };
const r = spawnSync(process.execPath, [test, ...process.argv.slice(2)], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
