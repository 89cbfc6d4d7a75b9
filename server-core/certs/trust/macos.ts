// macOS: the user's login keychain with an explicit trust setting for SSL (`security
// add-trusted-cert -r trustRoot`). Safari, Chrome and curl read it. macOS asks for the user's
// password in a dialog; no sudo needed for the user domain.
import { join } from 'node:path';
import { command } from './commands.js';
import { ExitCodeTrustStore, type CommandPlans } from './store-base.js';
import type { TrustCa } from './types.js';

export function loginKeychain(home: string): string {
  return join(home, 'Library', 'Keychains', 'login.keychain-db');
}

export class MacKeychainStore extends ExitCodeTrustStore {
  readonly id = 'keychain' as const;
  readonly label = 'macOS login keychain';
  protected readonly texts = {
    trusted: 'trusted for SSL in your keychain (Safari, Chrome, curl)',
    notTrusted: 'not trusted for SSL in your keychains',
    installed: 'the CA is now trusted in your login keychain',
    removed: 'the CA was removed from your login keychain',
  };

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'darwin';
  }

  protected plans(ca: TrustCa): CommandPlans {
    const keychain = loginKeychain(this.env.home);
    return {
      install: [command(['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', keychain, ca.certPath])],
      uninstall: [command(['security', 'remove-trusted-cert', ca.certPath]), command(['security', 'delete-certificate', '-Z', ca.sha1.toUpperCase(), keychain])],
      check: command(['security', 'verify-cert', '-c', ca.certPath, '-p', 'ssl', '-L', '-q']),
    };
  }
}
