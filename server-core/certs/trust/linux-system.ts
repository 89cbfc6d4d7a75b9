// The Linux system trust store, read by curl, OpenSSL, Python, Go, Node with
// --use-openssl-ca, and Chromium's Linux build for some paths. Two families:
//   Debian/Ubuntu/Alpine: a .crt file in /usr/local/share/ca-certificates + `update-ca-certificates`
//   Fedora/RHEL/Arch/openSUSE: p11-kit's `trust anchor --store FILE` / `--remove FILE`
// Both need root: the commands are shown with sudo, and run only when Berth is root (or through
// the desktop shell's elevation prompt).
import { join } from 'node:path';
import type { TrustActionResult, TrustCommand, TrustStoreStatus } from '../../contract/certs.js';
import { command, runPlan } from './commands.js';
import { TrustStoreBase, type TrustAction } from './store-base.js';
import type { TrustCa, TrustEnv } from './types.js';

export const DEBIAN_ANCHOR_DIR = '/usr/local/share/ca-certificates';
export const DEBIAN_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

type Family = { kind: 'debian'; tool: string } | { kind: 'p11-kit'; tool: string } | { kind: 'none' };

/** update-ca-certificates only picks up files ending in `.crt`. */
export function debianAnchorPath(ca: TrustCa, anchorDir = DEBIAN_ANCHOR_DIR): string {
  return join(anchorDir, `berth-local-ca-${ca.fingerprintSha256.replace(/:/g, '').slice(0, 16).toLowerCase()}.crt`);
}

function pemBody(pem: string): string {
  return pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

export class LinuxSystemStore extends TrustStoreBase {
  readonly id = 'system' as const;
  readonly label = 'Linux system store';

  constructor(
    env: TrustEnv,
    private readonly paths: { anchorDir: string; bundle: string } = { anchorDir: DEBIAN_ANCHOR_DIR, bundle: DEBIAN_BUNDLE },
  ) {
    super(env);
  }

  appliesTo(platform: NodeJS.Platform): boolean {
    return platform === 'linux';
  }

  private async family(): Promise<Family> {
    const debian = await this.env.which('update-ca-certificates');
    if (debian) return { kind: 'debian', tool: debian };
    const p11 = await this.env.which('trust');
    if (p11) return { kind: 'p11-kit', tool: p11 };
    return { kind: 'none' };
  }

  private plans(f: Family, ca: TrustCa): { install: TrustCommand[]; uninstall: TrustCommand[] } {
    const root = { needsRoot: true, isRoot: this.env.isRoot };
    if (f.kind === 'debian') {
      const anchor = debianAnchorPath(ca, this.paths.anchorDir);
      return {
        install: [command(['install', '-m', '0644', ca.certPath, anchor], root), command(['update-ca-certificates'], root)],
        uninstall: [command(['rm', '-f', anchor], root), command(['update-ca-certificates', '--fresh'], root)],
      };
    }
    if (f.kind === 'p11-kit') {
      return {
        install: [command(['trust', 'anchor', '--store', ca.certPath], root)],
        uninstall: [command(['trust', 'anchor', '--remove', ca.certPath], root)],
      };
    }
    return { install: [], uninstall: [] };
  }

  async check(ca: TrustCa): Promise<TrustStoreStatus> {
    const f = await this.family();
    const plans = this.plans(f, ca);
    const base = { id: this.id, label: this.label, ...plans };
    if (f.kind === 'none') {
      return { ...base, state: 'unavailable', checked: [], detail: 'neither update-ca-certificates (Debian, Ubuntu) nor p11-kit `trust` (Fedora, Arch) was found on PATH' };
    }
    if (f.kind === 'debian') {
      const anchor = debianAnchorPath(ca, this.paths.anchorDir);
      const hasAnchor = await this.env.exists(anchor);
      const bundle = (await this.env.readText(this.paths.bundle)) ?? '';
      const inBundle = pemBody(bundle).includes(pemBody(ca.certPem));
      const state = inBundle ? 'trusted' : 'not-trusted';
      const detail = inBundle
        ? `in ${this.paths.bundle} (curl, OpenSSL, Python and Go trust it)`
        : hasAnchor
          ? `${anchor} exists but ${this.paths.bundle} lacks it: run update-ca-certificates as root`
          : `not in ${this.paths.bundle}; installing needs root`;
      return { ...base, state, detail, checked: [] };
    }
    const listCmd = command(['trust', 'list', '--filter=ca-anchors']);
    const r = await this.env.run(listCmd.argv);
    const trusted = r.code === 0 && r.stdout.split('\n').some((l) => l.trim() === `label: ${ca.commonName}`);
    return {
      ...base,
      state: trusted ? 'trusted' : 'not-trusted',
      detail: r.code !== 0 ? `trust list failed: ${r.stderr.trim()}` : trusted ? 'a p11-kit anchor (system-wide)' : 'not a p11-kit anchor; installing needs root',
      checked: [listCmd],
    };
  }

  protected async act(action: TrustAction, ca: TrustCa, dryRun: boolean | undefined): Promise<TrustActionResult> {
    const base = { id: this.id, label: this.label, action };
    const f = await this.family();
    if (f.kind === 'none') {
      return { ...base, outcome: 'unavailable', message: 'install ca-certificates (Debian, Ubuntu) or p11-kit (Fedora, Arch) first', commands: [], steps: [] };
    }
    const status = await this.check(ca);
    const commands = this.plans(f, ca)[action];
    if (!dryRun && ((action === 'install' && status.state === 'trusted') || (action === 'uninstall' && status.state === 'not-trusted' && !(await this.anchorLeft(f, ca))))) {
      return { ...base, outcome: 'already', message: action === 'install' ? 'already trusted' : 'not installed', commands, steps: [] };
    }
    return runPlan(this.env, base, commands, {
      dryRun,
      doneMessage: action === 'install' ? 'the CA is now trusted system-wide' : 'the CA was removed from the system store',
    });
  }

  private async anchorLeft(f: Family, ca: TrustCa): Promise<boolean> {
    return f.kind === 'debian' && (await this.env.exists(debianAnchorPath(ca, this.paths.anchorDir)));
  }
}
