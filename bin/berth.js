#!/usr/bin/env node
// The `berth` command: runs the compiled CLI (npm run build compiles it into dist/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server-core/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('berth: the CLI is not built yet: run `npm run build` in the Berth folder first');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
