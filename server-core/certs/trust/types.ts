// One interface for every trust store (mkcert's truststore_* files, with tests): check / install /
// uninstall, each saying exactly which OS commands it runs, through an injectable runner.
import type { TrustActionResult, TrustCommand, TrustStoreId, TrustStoreStatus } from '../../contract/certs.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command (argv, no shell). Tests inject a fake; `systemRunner` runs it for real. */
export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

/** What a store knows about the machine: all injectable. */
export interface TrustEnv {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  /** Whether this process runs as root (POSIX uid 0); decides `sudo` in the shown commands. */
  isRoot: boolean;
  run: CommandRunner;
  /** Absolute path of a program on PATH, or null. */
  which(program: string): Promise<string | null>;
  exists(path: string): Promise<boolean>;
  /** Directory entries (names), [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  readText(path: string): Promise<string | null>;
}

/** The CA as the stores need it: its file and the facts they match it by. */
export interface TrustCa {
  certPath: string;
  certPem: string;
  /** SHA-256, colon-separated upper-case hex. */
  fingerprintSha256: string;
  /** SHA-1 hex (lower-case, no colons): macOS `security -Z` and Windows certutil use it. */
  sha1: string;
  /** Serial, hex. */
  serialNumber: string;
  commonName: string;
}

export interface TrustStore {
  readonly id: TrustStoreId;
  readonly label: string;
  /** Whether the store exists on this platform at all (the doctor lists only those). */
  appliesTo(platform: NodeJS.Platform): boolean;
  check(ca: TrustCa): Promise<TrustStoreStatus>;
  /** With dryRun, returns the commands and runs nothing. */
  install(ca: TrustCa, opts?: { dryRun?: boolean }): Promise<TrustActionResult>;
  uninstall(ca: TrustCa, opts?: { dryRun?: boolean }): Promise<TrustActionResult>;
}

export type { TrustCommand };
