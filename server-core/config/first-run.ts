// First run: an empty data dir gets a working demo, `welcome.localhost` serving a static page over
// HTTP and over HTTPS with a leaf from Berth's local CA. Browsers resolve every `*.localhost` name to
// loopback (RFC 6761 §6.3; Chrome, Firefox and Edge do it without the hosts file), so the demo works
// with no setup (HTTPS without a warning once the CA is trusted: `berth cert trust`).
import { cpSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigVersionSummary } from '../contract/api.js';
import { configSchema, CONFIG_SCHEMA_VERSION, type BerthConfig } from './schema.js';

export const DEMO_SITE_ID = 'welcome';
export const DEMO_SITE_NAME = 'welcome.localhost';

/**
 * The first-run config. The site has no explicit `listen` and a `tls` block, so it serves on the
 * stack's HTTP port (8080) and HTTPS port (8443, TLS + h2) unless overridden (site-listens.ts).
 * Being the first (and only) site on those ports it is their default server by nginx's rule, so
 * `http://127.0.0.1:8080/` shows it too; a `defaultServer` flag would need explicit ports, which
 * would stop `--http-port` / `--https-port` from moving them. `certificate: 'auto'` has the cert
 * service issue (and renew) its leaf; HTTP is not redirected, so the page works before the CA is
 * trusted.
 */
export function demoConfig(sitesDir: string): BerthConfig {
  return configSchema.parse({
    schemaVersion: CONFIG_SCHEMA_VERSION,
    sites: [
      {
        id: DEMO_SITE_ID,
        names: [DEMO_SITE_NAME],
        root: join(sitesDir, DEMO_SITE_ID),
        index: ['index.html'],
        tls: { certificate: 'auto', redirectHttp: false },
      },
    ],
  });
}

/**
 * Copies `<assetsDir>/welcome/*` to `<sitesDir>/welcome`, unless that folder exists: the user may have
 * edited the page, and their edits win. Copies to a temporary folder first and renames it into place,
 * so an interrupted copy never leaves a half site that later runs would then keep.
 * Returns true when it installed the files.
 */
export function installDemoSite(sitesDir: string, assetsDir: string): boolean {
  const target = join(sitesDir, DEMO_SITE_ID);
  if (existsSync(target)) return false;
  mkdirSync(sitesDir, { recursive: true });
  const staging = join(sitesDir, `.${DEMO_SITE_ID}.installing-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    cpSync(join(assetsDir, 'welcome'), staging, { recursive: true, errorOnExist: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return true;
}

/** What first-run seeding needs from the config store (ConfigRepo satisfies it). */
export interface FirstRunConfigStore {
  currentVersion(): number | null;
  apply(config: unknown, source: ConfigVersionSummary['source'], note: string): ConfigVersionSummary;
}

/**
 * On a store with no config yet: installs the welcome page and applies the demo config as version 1
 * (source `first-run`). Returns the new version, or null when a config already exists.
 */
export function seedFirstRun(store: FirstRunConfigStore, sitesDir: string, assetsDir: string): ConfigVersionSummary | null {
  if (store.currentVersion() !== null) return null;
  installDemoSite(sitesDir, assetsDir);
  return store.apply(demoConfig(sitesDir), 'first-run', `demo site ${DEMO_SITE_NAME}`);
}
