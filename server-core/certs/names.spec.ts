import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatCidr, parseCidr, parseIp } from './ip.js';
import type { CertName } from './names.js';
import {
  DEFAULT_PERMITTED_NAMES,
  assertPermitted,
  formatNameConstraint,
  isPermitted,
  parseCertName,
  parseCertNames,
  parseNameConstraint,
} from './names.js';

const defaults = DEFAULT_PERMITTED_NAMES.map(parseNameConstraint);

function rejects(input: string, reason: RegExp): void {
  assert.throws(() => parseCertName(input), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'BERTH_ERR_CERT_NAME');
    assert.match(e.message, reason);
    return true;
  });
}

describe('parseCertName', () => {
  it('normalises DNS names to lower-case ASCII', () => {
    assert.deepEqual(parseCertName('App.LocalHost'), { kind: 'dns', value: 'app.localhost', wildcard: false });
    assert.deepEqual(parseCertName('bücher.test'), { kind: 'dns', value: 'xn--bcher-kva.test', wildcard: false });
  });

  it('accepts a wildcard that is the whole leftmost label over at least two labels', () => {
    assert.deepEqual(parseCertName('*.app.localhost'), { kind: 'dns', value: '*.app.localhost', wildcard: true });
  });

  it('accepts IPv4 and IPv6 addresses and writes them canonically', () => {
    const v4 = parseCertName('127.0.0.1');
    assert.equal(v4.kind, 'ip');
    assert.equal(v4.value, '127.0.0.1');
    assert.equal(parseCertName('[::1]').value, '::1');
    assert.equal(parseCertName('0:0:0:0:0:0:0:1').value, '::1');
    assert.equal(parseCertName('FD00:0:0:0::AB').value, 'fd00::ab');
  });

  it('rejects whitespace', () => rejects('a b.test', /whitespace/));
  it('rejects an empty name', () => rejects('', /empty/));
  it('rejects empty labels', () => rejects('a..test', /empty label/));
  it('rejects a leading dot, pointing at the wildcard form', () => rejects('.app.test', /starts with a dot.*\*\.app\.test/));
  it('rejects a trailing dot', () => rejects('app.test.', /trailing dot/));
  it('rejects a wildcard over a top-level name', () => {
    rejects('*.test', /top-level/);
    rejects('*.localhost', /top-level/);
  });
  it('rejects a lone or misplaced "*"', () => {
    rejects('*', /misplaced|label/);
    rejects('a.*.test', /misplaced/);
    rejects('a*.b.test', /misplaced/);
    rejects('*.*.b.test', /misplaced/);
  });
  it('rejects characters that are not allowed in host names', () => {
    rejects('a_b.test', /letters, digits and hyphens/);
    rejects('-a.test', /letters, digits and hyphens/);
    rejects('a-.test', /letters, digits and hyphens/);
  });
  it('rejects labels and names that are too long', () => {
    rejects(`${'a'.repeat(64)}.test`, /longer than 63/);
    rejects(`${'abcdefghi.'.repeat(26)}test`, /longer than 253/);
  });
  it('rejects names that end in a numeric label', () => rejects('1.2.3', /numeric label/));
  it('rejects address ranges, zone ids and malformed addresses', () => {
    rejects('10.0.0.0/8', /range/);
    rejects('fe80::1%eth0', /zone id/);
    rejects('1:2:3', /not a valid IP address/);
    rejects('[127.0.0.1', /not a valid IP address/);
  });
  it('rejects URLs, ports and paths with a pointer to the host name', () => {
    rejects('https://app.test/x', /is a URL: give only its host name, such as "app\.test"/);
    rejects('app.test:8443', /has a port/);
    rejects('[::1]:8443', /has a port/);
    rejects('app.test/x', /contains "\/"/);
  });
});

describe('parseCertNames', () => {
  it('drops duplicates after normalising and keeps order', () => {
    assert.deepEqual(
      parseCertNames(['B.localhost', 'b.localhost', '::1', '0::1', 'a.test']).map((n) => n.value),
      ['b.localhost', '::1', 'a.test'],
    );
  });
  it('needs at least one name', () => {
    assert.throws(() => parseCertNames([]), { code: 'BERTH_ERR_CERT_NAME', message: /at least one name/ });
  });
});

describe('name constraints', () => {
  const name = (s: string): CertName => parseCertName(s);

  it('parses DNS subtrees (a leading dot is dropped) and CIDR ranges', () => {
    assert.deepEqual(parseNameConstraint('.dev.example'), { kind: 'dns', domain: 'dev.example' });
    assert.equal(formatNameConstraint(parseNameConstraint('10.1.2.3/8')), '10.0.0.0/8');
    assert.equal(formatNameConstraint(parseNameConstraint('::1/128')), '::1/128');
    assert.equal(formatNameConstraint(parseNameConstraint('192.168.1.5')), '192.168.1.5/32');
    assert.throws(() => parseNameConstraint('10.0.0.0/40'), { code: 'BERTH_ERR_CERT_NAME', message: /not a valid address range/ });
    assert.throws(() => parseNameConstraint('*.dev.example'), { code: 'BERTH_ERR_CERT_NAME', message: /without "\*\."/ });
  });

  it('a DNS subtree covers the name itself and every name with labels added on the left (RFC 5280)', () => {
    for (const ok of ['localhost', 'a.localhost', 'b.a.localhost', '*.a.localhost', 'test', 'x.test', 'svc.internal']) {
      assert.equal(isPermitted(name(ok), defaults), true, ok);
    }
    for (const bad of ['example.com', 'localhost.com', 'xlocalhost', 'test.example', 'mytest']) {
      assert.equal(isPermitted(name(bad), defaults), false, bad);
    }
  });

  it('an IP range covers only addresses of its own family', () => {
    assert.equal(isPermitted(name('127.0.0.1'), defaults), true);
    assert.equal(isPermitted(name('127.255.1.2'), defaults), true);
    assert.equal(isPermitted(name('::1'), defaults), true);
    assert.equal(isPermitted(name('10.0.0.1'), defaults), false);
    assert.equal(isPermitted(name('::2'), defaults), false);
    // An IPv4-mapped IPv6 address is 16 octets: the IPv4 range does not cover it.
    assert.equal(isPermitted(name('::ffff:127.0.0.1'), defaults), false);
  });

  it('a name type with no subtree of its kind is unconstrained', () => {
    const dnsOnly = [parseNameConstraint('test')];
    assert.equal(isPermitted(name('10.0.0.1'), dnsOnly), true);
    assert.equal(isPermitted(name('example.com'), dnsOnly), false);
  });

  it('assertPermitted names the offending name and what the CA may sign', () => {
    assert.throws(() => assertPermitted([name('a.test'), name('example.com')], defaults), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'BERTH_ERR_CERT_NAME');
      assert.match(e.message, /"example\.com" is outside .*localhost, test, internal, 127\.0\.0\.0\/8, ::1\/128/);
      assert.match(e.hint ?? '', /\.localhost, \.test or \.internal/);
      return true;
    });
  });
});

describe('ip helpers', () => {
  it('parses embedded IPv4 in IPv6 to the same 16 octets as its hex form', () => {
    assert.deepEqual(parseIp('::ffff:127.0.0.1'), parseIp('::ffff:7f00:1'));
    assert.equal(parseIp('::ffff:127.0.0.1')?.length, 16);
    assert.equal(parseIp('256.0.0.1'), undefined);
  });
  it('stores ranges by their network address', () => {
    const r = parseCidr('fd12:3456::1/16');
    assert.ok(r);
    assert.equal(formatCidr(r), 'fd12::/16');
    assert.equal(parseCidr('10.0.0.0'), undefined);
  });
});
