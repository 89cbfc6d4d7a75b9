// Windows: the current user's Trusted Root store (`certutil -user`), read by Edge, Chrome and
// (with security.enterprise_roots.enabled) Firefox. Windows shows its own confirmation dialog when
// a root is added to the user store; no administrator rights needed.
import { command } from './commands.js';
import { ExitCodeTrustStore, type CommandPlans } from './store-base.js';
import type { TrustCa } from './types.js';

export class WindowsRootStore extends ExitCodeTrustStore {
  readonly id = 'windows' as const;
  readonly label = 'Windows user Root store';
  protected readonly texts = {
    trusted: 'in your Trusted Root Certification Authorities (Edge, Chrome)',
    notTrusted: 'not in your Trusted Root Certification Authorities',
    installed: 'the CA is now trusted for your Windows user',
    removed: 'the CA was removed from your Windows user Root store',
  };

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'win32';
  }

  protected plans(ca: TrustCa): CommandPlans {
    const w = { windows: true };
    return {
      install: [command(['certutil', '-user', '-addstore', 'Root', ca.certPath], w)],
      // By SHA-1 thumbprint: certutil accepts a serial or a hash; the hash names exactly this CA.
      uninstall: [command(['certutil', '-user', '-delstore', 'Root', ca.sha1], w)],
      check: command(['certutil', '-user', '-verifystore', 'Root', ca.sha1], w),
    };
  }
}
