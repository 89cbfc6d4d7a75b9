// Windows: the current user's Trusted Root store (`certutil -user`), read by Edge, Chrome and
// (with security.enterprise_roots.enabled) Firefox. Windows shows its own confirmation dialog when
// a root is added to the user store; no administrator rights needed.
import type { TrustActionResult, TrustCommand, TrustStoreStatus } from '../../contract/certs.js';
import { command, runPlan } from './commands.js';
import type { TrustCa, TrustEnv, TrustStore } from './types.js';

export class WindowsRootStore implements TrustStore {
  readonly id = 'windows' as const;
  readonly label = 'Windows user Root store';

  constructor(private readonly env: TrustEnv) {}

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'win32';
  }

  private plans(ca: TrustCa): { install: TrustCommand[]; uninstall: TrustCommand[]; check: TrustCommand } {
    const w = { windows: true };
    return {
      install: [command(['certutil', '-user', '-addstore', 'Root', ca.certPath], w)],
      // By SHA-1 thumbprint: certutil accepts a serial or a hash; the hash names exactly this CA.
      uninstall: [command(['certutil', '-user', '-delstore', 'Root', ca.sha1], w)],
      check: command(['certutil', '-user', '-verifystore', 'Root', ca.sha1], w),
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
      detail: trusted ? 'in your Trusted Root Certification Authorities (Edge, Chrome)' : 'not in your Trusted Root Certification Authorities',
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
      doneMessage: action === 'install' ? 'the CA is now trusted for your Windows user' : 'the CA was removed from your Windows user Root store',
    });
  }
}
