// When leaves are renewed: 30 days before expiry (Let's Encrypt clients use the same margin), checked
// on a timer whose clock and scheduler are injectable so tests can move time.
import type { CertRecord } from '../contract/certs.js';

export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
/** How often the timer looks even when nothing is due soon (a laptop that slept past a due time). */
export const RENEWAL_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000;

export function renewalDueAt(record: Pick<CertRecord, 'notAfter'>): number {
  return Date.parse(record.notAfter) - RENEW_BEFORE_MS;
}

export function isDueForRenewal(record: Pick<CertRecord, 'notAfter'>, now: Date): boolean {
  return now.getTime() >= renewalDueAt(record);
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Calls `check` at the next due time (or after RENEWAL_CHECK_INTERVAL_MS, whichever is sooner),
 * then again after each check. `nextDue` returns the earliest due time in ms, or null.
 */
export class RenewalTimer {
  private handle: unknown = null;
  private stopped = false;

  constructor(
    private readonly options: {
      now: () => Date;
      timers: Timers;
      nextDue: () => Promise<number | null>;
      check: () => Promise<void>;
      intervalMs?: number;
    },
  ) {}

  async schedule(): Promise<void> {
    if (this.stopped) return;
    if (this.handle !== null) this.options.timers.clearTimeout(this.handle);
    const interval = this.options.intervalMs ?? RENEWAL_CHECK_INTERVAL_MS;
    const due = await this.options.nextDue();
    const wait = due === null ? interval : Math.max(0, Math.min(interval, due - this.options.now().getTime()));
    this.handle = this.options.timers.setTimeout(() => {
      this.handle = null;
      void this.options
        .check()
        .catch(() => undefined)
        .then(() => this.schedule());
    }, wait);
  }

  stop(): void {
    this.stopped = true;
    if (this.handle !== null) this.options.timers.clearTimeout(this.handle);
    this.handle = null;
  }
}
