// Turns API values into the user's language. Each label is a literal `t('…')` call (no keys built
// from strings) so the compiler and test/unit/i18n-keys.test.ts can check every key exists.
import { useI18n } from 'vue-i18n';
import type { ChildExit, ChildRole, ChildState, ConfigVersionSummary, EventLevel, StatusResponse } from '../../../server-core/contract/api.js';
import { splitDuration } from '../format/duration.js';

export function useFormat() {
  const { t, locale } = useI18n();

  function duration(ms: number): string {
    const p = splitDuration(ms);
    switch (p.unit) {
      case 'seconds':
        return t('duration.seconds', { s: p.s });
      case 'minutes':
        return t('duration.minutes', { m: p.m, s: p.s });
      case 'hours':
        return t('duration.hours', { h: p.h, m: p.m });
      case 'days':
        return t('duration.days', { d: p.d, h: p.h });
    }
  }

  /** "3m 12s ago" / "in 4s"; under a second either way is "just now". */
  function relative(iso: string, now: number): string {
    const at = Date.parse(iso);
    if (Number.isNaN(at)) return iso;
    const diff = now - at;
    if (Math.abs(diff) < 1000) return t('time.justNow');
    return diff > 0 ? t('time.ago', { duration: duration(diff) }) : t('time.in', { duration: duration(-diff) });
  }

  function clock(iso: string): string {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return iso;
    return new Intl.DateTimeFormat(locale.value, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(at);
  }

  function dateTime(iso: string): string {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return iso;
    return new Intl.DateTimeFormat(locale.value, { dateStyle: 'medium', timeStyle: 'medium' }).format(at);
  }

  function role(r: ChildRole): string {
    switch (r) {
      case 'proxy':
        return t('roles.proxy');
      case 'appserver':
        return t('roles.appserver');
      case 'certs':
        return t('roles.certs');
    }
  }

  function state(s: ChildState): string {
    switch (s) {
      case 'starting':
        return t('states.starting');
      case 'running':
        return t('states.running');
      case 'backoff':
        return t('states.backoff');
      case 'stopping':
        return t('states.stopping');
      case 'stopped':
        return t('states.stopped');
      case 'failed':
        return t('states.failed');
    }
  }

  function level(l: EventLevel): string {
    switch (l) {
      case 'info':
        return t('levels.info');
      case 'warn':
        return t('levels.warn');
      case 'error':
        return t('levels.error');
    }
  }

  function mode(m: StatusResponse['berth']['mode']): string {
    switch (m) {
      case 'headless':
        return t('modes.headless');
      case 'electron':
        return t('modes.electron');
    }
  }

  function configSource(s: ConfigVersionSummary['source']): string {
    switch (s) {
      case 'first-run':
        return t('settings.sources.firstRun');
      case 'api':
        return t('settings.sources.api');
      case 'restore':
        return t('settings.sources.restore');
      case 'import':
        return t('settings.sources.import');
    }
  }

  function exit(e: ChildExit): string {
    return e.signal !== null ? t('overview.exitSignal', { signal: e.signal }) : t('overview.exitCode', { code: String(e.code ?? '?') });
  }

  return { t, locale, duration, relative, clock, dateTime, role, state, level, mode, configSource, exit };
}
