import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChildStatus, StatusResponse, SupervisorEvent } from '../server-core/contract/api.js';
import { desktopStrings } from './desktop-strings.js';
import { caNotAfter, DesktopNotifications } from './notifications.js';

const day = 24 * 60 * 60 * 1000;
const t0 = Date.parse('2026-03-01T12:00:00Z');

function statusWithCa(ca: unknown): StatusResponse {
  const certs: ChildStatus = { id: 'certs', role: 'certs', pid: 3, state: 'running', startedAt: null, uptimeMs: 0, restarts: 0, lastExit: null, lastError: null, nextRestartAt: null, detail: { ca, leaves: 0 } };
  return { children: [certs] } as unknown as StatusResponse;
}

function setup() {
  const shown: Array<[string, string]> = [];
  let now = t0;
  const n = new DesktopNotifications({ show: (title, body) => shown.push([title, body]), strings: desktopStrings('en'), now: () => now });
  return { n, shown, advance: (ms: number) => (now += ms) };
}

describe('desktop notifications', () => {
  it('tells about a child the supervisor gave up on, and nothing else', () => {
    const { n, shown } = setup();
    const ev = (kind: string, message: string): SupervisorEvent => ({ id: 1, at: '', level: 'error', kind: kind as SupervisorEvent['kind'], child: 'appserver', message });
    n.onEvent(ev('child-exited', 'appserver exited with code 1'));
    n.onEvent(ev('child-restarting', 'restarting in 1 s'));
    n.onEvent(ev('child-failed', 'appserver failed 8 times in a row: ImportError: no module named flask'));
    n.onEvent(ev('certs-expiring', 'site api expires in 5 days'));
    assert.deepEqual(shown, [
      ['Berth: appserver stopped after repeated crashes', 'appserver failed 8 times in a row: ImportError: no module named flask\nOpen the dashboard for its last output; saving a config retries it.'],
      ['Berth: certificates expire soon', 'site api expires in 5 days'],
    ]);
  });

  it('reads the CA expiry from the cert service detail, ignoring anything malformed', () => {
    assert.equal(caNotAfter(statusWithCa({ notAfter: '2026-03-10T00:00:00.000Z' })), Date.parse('2026-03-10T00:00:00.000Z'));
    for (const bad of [undefined, null, 'x', { notAfter: 5 }, { notAfter: 'soon' }]) assert.equal(caNotAfter(statusWithCa(bad)), null);
    assert.equal(caNotAfter({ children: [] } as unknown as StatusResponse), null);
  });

  it('warns about the CA within 30 days of expiry, once a day', () => {
    const { n, shown, advance } = setup();
    n.checkCertificates(statusWithCa({ notAfter: new Date(t0 + 40 * day).toISOString() }));
    assert.equal(shown.length, 0);
    const soon = statusWithCa({ notAfter: new Date(t0 + 10 * day).toISOString() });
    n.checkCertificates(soon);
    n.checkCertificates(soon);
    assert.deepEqual(shown, [['Berth: local CA expires soon', 'The local certificate authority expires in 10 days (2026-03-11). Create a new one from the Certificates page.']]);
    advance(day + 1);
    n.checkCertificates(soon);
    assert.equal(shown.length, 2);
    advance(20 * day);
    n.checkCertificates(soon);
    assert.match(shown[2]?.[1] ?? '', /expired on 2026-03-11/);
  });
});
