// Firefox keeps its own NSS database in every profile, on every OS. A profile folder holds
// cert9.db (sql:, Firefox ≥ 58) or the legacy cert8.db (dbm:).
import { join } from 'node:path';
import type { NssDb } from './nss.js';
import { NssStore } from './nss.js';

/** Where Firefox keeps profiles, per platform (release, snap and flatpak builds on Linux). */
export function firefoxProfileRoots(platform: NodeJS.Platform, home: string, env: NodeJS.ProcessEnv): string[] {
  if (platform === 'darwin') return [join(home, 'Library', 'Application Support', 'Firefox', 'Profiles')];
  if (platform === 'win32') return [join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Mozilla', 'Firefox', 'Profiles')];
  return [
    join(home, '.mozilla', 'firefox'),
    join(home, 'snap', 'firefox', 'common', '.mozilla', 'firefox'),
    join(home, '.var', 'app', 'org.mozilla.firefox', '.mozilla', 'firefox'),
  ];
}

export class FirefoxStore extends NssStore {
  readonly id = 'firefox' as const;
  readonly label = 'Firefox profiles';

  appliesTo(): boolean {
    return true;
  }

  protected coverage(): string {
    return 'Firefox';
  }

  protected async databases(): Promise<{ dbs: NssDb[]; none: string }> {
    const roots = firefoxProfileRoots(this.env.platform, this.env.home, this.env.env);
    const dbs: NssDb[] = [];
    for (const root of roots) {
      for (const name of (await this.env.list(root)).sort()) {
        const dir = join(root, name);
        if (await this.env.exists(join(dir, 'cert9.db'))) dbs.push({ dir, prefix: 'sql', create: false });
        else if (await this.env.exists(join(dir, 'cert8.db'))) dbs.push({ dir, prefix: 'dbm', create: false });
      }
    }
    const winNote = this.env.platform === 'win32' && !this.env.env.BERTH_NSS_CERTUTIL ? '; on Windows, Firefox also trusts the Windows store when security.enterprise_roots.enabled is on' : '';
    return { dbs, none: `no Firefox profile found (looked in ${roots.join(', ')})${winNote}` };
  }
}
