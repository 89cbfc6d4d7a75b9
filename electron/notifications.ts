// Desktop notifications for what needs the user while the window may be closed: a child the
// supervisor gave up on (crash loop → `child-failed`), and certificates near expiry — the local CA
// from the cert service's status detail, and `certs-expiring` events once the cert service sends them.
import type { StatusResponse, SupervisorEvent } from '../server-core/contract/api.js';
import type { DesktopStrings } from './desktop-strings.js';

export interface NotificationDeps {
  /** Shows one notification; a click opens the dashboard. */
  show(title: string, body: string): void;
  strings: DesktopStrings;
  now?: () => number;
}

const dayMs = 24 * 60 * 60 * 1000;
/** Warn this long before the CA expires: the window the cert service renews leaves in. */
export const caWarningDays = 30;

/** The CA's notAfter from the `certs` child's ready detail (server-core/certs/main.ts), if present and valid. */
export function caNotAfter(status: StatusResponse): number | null {
  const certs = status.children.find((c) => c.role === 'certs');
  const ca = certs?.detail.ca;
  if (typeof ca !== 'object' || ca === null) return null;
  const notAfter = (ca as Record<string, unknown>).notAfter;
  if (typeof notAfter !== 'string') return null;
  const t = Date.parse(notAfter);
  return Number.isNaN(t) ? null : t;
}

export class DesktopNotifications {
  /** notAfter → when the user was last told about it. */
  private readonly caWarned = new Map<number, number>();
  private readonly now: () => number;

  constructor(private readonly deps: NotificationDeps) {
    this.now = deps.now ?? Date.now;
  }

  onEvent(event: SupervisorEvent): void {
    const s = this.deps.strings;
    if (event.kind === 'child-failed') {
      this.deps.show(s.childFailedTitle(event.child ?? 'a service'), s.childFailedBody(event.message));
    } else if ((event.kind as string) === 'certs-expiring') {
      // Not in the EventKind union yet: the cert service adds it with certificate renewal.
      this.deps.show(s.certsExpiringTitle, event.message);
    }
  }

  /** Warns about the local CA at most once a day while it is within `caWarningDays` of expiry. */
  checkCertificates(status: StatusResponse): void {
    const notAfter = caNotAfter(status);
    if (notAfter === null) return;
    const now = this.now();
    const left = notAfter - now;
    if (left > caWarningDays * dayMs) return;
    const last = this.caWarned.get(notAfter);
    if (last !== undefined && now - last < dayMs) return;
    this.caWarned.set(notAfter, now);
    const s = this.deps.strings;
    const date = new Date(notAfter).toISOString().slice(0, 10);
    this.deps.show(s.caExpiringTitle, left <= 0 ? s.caExpiredBody(date) : s.caExpiringBody(Math.ceil(left / dayMs), date));
  }
}
