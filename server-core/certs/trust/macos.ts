// macOS: the user's login keychain with an explicit trust setting for SSL (`security
// add-trusted-cert -r trustRoot`). Safari, Chrome and curl read it. macOS asks for the user's
// password in a dialog; no sudo needed for the user domain.
import { join } from 'node:path';
import type { TrustActionResult, TrustCommand, TrustStoreStatus } from '../../contract/certs.js';
import { command, runPlan } from './commands.js';
import type { TrustCa, TrustEnv, TrustStore } from './types.js';

export function loginKeychain(home: string): string {
  return join(home, 'Library', 'Keychains', 'login.keychain-db');
}

export class MacKeychainStore implements TrustStore {
  readonly id = 'keychain' as const;
  readonly label = 'macOS login keychain';

  constructor(private readonly env: TrustEnv) {}

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'darwin';
  }

  private plans(ca: TrustCa): { install: TrustCommand[]; uninstall: TrustCommand[]; check: TrustCommand } {
    const keychain = loginKeychain(this.env.home);
    return {
      install: [command(['security', 'add-trusted-cert', '-r', 'trustRoot', '-k', keychain, ca.certPath])],
      uninstall: [command(['security', 'remove-trusted-cert', ca.certPath]), command(['security', 'delete-certificate', '-Z', ca.sha1.toUpperCase(), keychain])],
      check: command(['security', 'verify-cert', '-c', ca.certPath, '-p', 'ssl', '-L', '-q']),
    };
  }

  async check(ca: TrustCa): Promise<TrustStoreStatus> {
    const p = this.plans(ca);
    const r = await this.env.run(p.check.argv);
    const trusted = r.code === 0;
    return {
      id: this.id,
      label: this.label,
      state: trusted ? 'trusted' : 'not-trusted',
      detail: trusted ? 'trusted for SSL in your keychain (Safari, Chrome, curl)' : 'not trusted for SSL in your keychains',
      install: p.install,
      uninstall: p.uninstall,
      checked: [p.check],
    };
  }

  async install(ca: TrustCa, opts: { dryRun?: boolean } = {}): Promise<TrustActionResult> {
    return this.act('install', ca, opts.dryRun);
  }

  async uninstall(ca: TrustCa, opts: { dryRun?: boolean } = {}): Promise<TrustActionResult> {
    return this.act('uninstall', ca, opts.dryRun);
  }

  private async act(action: 'install' | 'uninstall', ca: TrustCa, dryRun: boolean | undefined): Promise<TrustActionResult> {
    const base = { id: this.id, label: this.label, action };
    const commands = this.plans(ca)[action];
    if (!dryRun) {
      const status = await this.check(ca);
      if ((action === 'install') === (status.state === 'trusted')) {
        return { ...base, outcome: 'already', message: action === 'install' ? 'already trusted' : 'not installed', commands, steps: [] };
      }
    }
    return runPlan(this.env, base, commands, {
      dryRun,
      doneMessage: action === 'install' ? 'the CA is now trusted in your login keychain' : 'the CA was removed from your login keychain',
    });
  }
}
