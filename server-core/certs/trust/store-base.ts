// The flow every trust store shares: install and uninstall are one `act` each way; stores whose
// state is a single command's exit code (macOS `security verify-cert`, Windows `certutil
// -verifystore`) share check and act as well.
import type { TrustActionResult, TrustCommand, TrustStoreId, TrustStoreStatus } from '../../contract/certs.js';
import { runPlan } from './commands.js';
import type { TrustCa, TrustEnv, TrustStore } from './types.js';

export type TrustAction = 'install' | 'uninstall';

export abstract class TrustStoreBase implements TrustStore {
  abstract readonly id: TrustStoreId;
  abstract readonly label: string;

  constructor(protected readonly env: TrustEnv) {}

  abstract appliesTo(platform: NodeJS.Platform): boolean;
  abstract check(ca: TrustCa): Promise<TrustStoreStatus>;

  install(ca: TrustCa, opts: { dryRun?: boolean } = {}): Promise<TrustActionResult> {
    return this.act('install', ca, opts.dryRun);
  }

  uninstall(ca: TrustCa, opts: { dryRun?: boolean } = {}): Promise<TrustActionResult> {
    return this.act('uninstall', ca, opts.dryRun);
  }

  protected abstract act(action: TrustAction, ca: TrustCa, dryRun: boolean | undefined): Promise<TrustActionResult>;
}

export interface CommandPlans {
  install: TrustCommand[];
  uninstall: TrustCommand[];
  /** Exit code 0 means the CA is trusted. */
  check: TrustCommand;
}

/** What the user reads for each outcome of a single-command store. */
export interface StoreTexts {
  trusted: string;
  notTrusted: string;
  installed: string;
  removed: string;
}

/** A store whose trust is one check command's exit code, installed and removed by fixed commands. */
export abstract class ExitCodeTrustStore extends TrustStoreBase {
  protected abstract readonly texts: StoreTexts;
  protected abstract plans(ca: TrustCa): CommandPlans;

  async check(ca: TrustCa): Promise<TrustStoreStatus> {
    const p = this.plans(ca);
    const r = await this.env.run(p.check.argv);
    const trusted = r.code === 0;
    return {
      id: this.id,
      label: this.label,
      state: trusted ? 'trusted' : 'not-trusted',
      detail: trusted ? this.texts.trusted : this.texts.notTrusted,
      install: p.install,
      uninstall: p.uninstall,
      checked: [p.check],
    };
  }

  protected async act(action: TrustAction, ca: TrustCa, dryRun: boolean | undefined): Promise<TrustActionResult> {
    const base = { id: this.id, label: this.label, action };
    const commands = this.plans(ca)[action];
    if (!dryRun) {
      const status = await this.check(ca);
      if ((action === 'install') === (status.state === 'trusted')) {
        return { ...base, outcome: 'already', message: action === 'install' ? 'already trusted' : 'not installed', commands, steps: [] };
      }
    }
    return runPlan(this.env, base, commands, { dryRun, doneMessage: action === 'install' ? this.texts.installed : this.texts.removed });
  }
}
