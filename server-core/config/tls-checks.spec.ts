import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfig } from './validate.js';

const base = (sites: unknown[]) => ({ schemaVersion: 1, sites });

describe('TLS site checks', () => {
  it('a TLS listen entry without a tls block is refused with the fix', () => {
    const r = validateConfig(base([{ id: 'a', names: ['a.localhost'], listen: [{ port: 8443, tls: true }] }]));
    assert.equal(r.ok, false);
    const issue = r.ok ? undefined : r.issues.find((i) => i.path === 'sites.0.tls');
    assert.match(issue?.message ?? '', /no tls block; add tls: \{ certificate: 'auto' \}/);
  });

  it('redirectHttp needs a TLS port; a complete HTTPS site is accepted (no capability gate)', () => {
    const r = validateConfig(base([{ id: 'a', names: ['a.localhost'], listen: [{ port: 8080 }], tls: { redirectHttp: true } }]));
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.issues.some((i) => i.path === 'sites.0.tls.redirectHttp'));
    // No listen: the stack's HTTPS port is the TLS port to redirect to (site-listens.ts).
    const implicit = validateConfig(base([{ id: 'a', names: ['a.localhost'], root: '/srv/a', tls: { redirectHttp: true } }]));
    assert.ok(implicit.ok, JSON.stringify(implicit));
    const ok = validateConfig(base([{ id: 'a', names: ['a.localhost'], root: '/srv/a', listen: [{ port: 8443, tls: true }, { port: 8080 }], tls: { certificate: 'auto', redirectHttp: true, hstsMaxAgeS: 60 } }]));
    assert.ok(ok.ok, JSON.stringify(ok));
  });

  it('a TLS site with no listen takes the stack HTTPS port: one protocol per port and name conflicts count it', () => {
    const plainOn8443 = validateConfig(base([
      { id: 'a', names: ['a.localhost'], root: '/srv/a', tls: { certificate: 'auto' } },
      { id: 'b', names: ['b.localhost'], root: '/srv/b', listen: [{ port: 8443 }] },
    ]));
    assert.equal(plainOn8443.ok, false);
    const proto = plainOn8443.ok ? undefined : plainOn8443.issues.find((i) => i.path === 'sites.1.listen.0');
    assert.match(proto?.message ?? '', /port 8443 is TLS for sites\.0 \("a"\) but plain HTTP here/);

    const sameName = validateConfig(base([
      { id: 'a', names: ['a.localhost'], root: '/srv/a', tls: { certificate: 'auto' } },
      { id: 'b', names: ['a.localhost'], root: '/srv/b', listen: [{ port: 8443, tls: true }], tls: { certificate: 'auto' } },
    ]));
    assert.equal(sameName.ok, false);
    assert.ok(!sameName.ok && sameName.issues.some((i) => i.path === 'sites.1.names.0' && /on port 8443/.test(i.message)));

    // Moving the stack's HTTPS port moves the implicit listen with it: no clash any more.
    const moved = validateConfig({ ...base([
      { id: 'a', names: ['a.localhost'], root: '/srv/a', tls: { certificate: 'auto' } },
      { id: 'b', names: ['b.localhost'], root: '/srv/b', listen: [{ port: 8443 }] },
    ]), settings: { httpPort: 8080, httpsPort: 9443 } });
    assert.ok(moved.ok, JSON.stringify(moved));
  });

  it('a named certificate must be in the store when its ids are known; a saved config (no ids) still loads', () => {
    const sites = [
      { id: 'a', names: ['a.localhost'], root: '/srv/a', tls: { certificate: 'auto' } },
      { id: 'b', names: ['b.localhost'], root: '/srv/b', tls: { certificate: 'nonexistent-cert' } },
      { id: 'c', names: ['c.localhost'], root: '/srv/c', tls: { certificate: 'mine' } },
    ];
    const certificateIds = new Set(['mine', 'auto-a']);
    const r = validateConfig(base(sites), { certificateIds });
    assert.equal(r.ok, false);
    const issues = r.ok ? [] : r.issues;
    assert.deepEqual(issues.map((i) => i.path), ['sites.1.tls.certificate']);
    assert.match(issues[0]?.message ?? '', /^there is no certificate "nonexistent-cert"; import it on the Certificates page, or use "auto"/);
    // The list names the imported ones to pick from, not the sites' automatic ones.
    assert.match(issues[0]?.message ?? '', /stored certificates: "mine"$/);
    // `auto` is issued on apply: never missing, even with an empty store.
    assert.ok(validateConfig(base([sites[0]]), { certificateIds: new Set() }).ok);
    // The store validates without the ids: a config naming a certificate deleted later still loads.
    const stored = validateConfig(base(sites));
    assert.ok(stored.ok, JSON.stringify(stored));
  });
});
