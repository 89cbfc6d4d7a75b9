// Berth's version, read once from package.json (the single place it is written).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from './paths.js';

export const BERTH_VERSION: string = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
