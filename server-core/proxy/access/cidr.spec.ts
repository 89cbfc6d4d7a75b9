import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessAllowed, compileAccessRules } from './access-rules.js';
import { cidrContains, parseCidr, parseClientAddress, parseIPv6 } from './cidr.js';

function block(source: string) {
  const r = parseCidr(source);
  if (!r.ok) throw new Error(r.message);
  return r.block;
}

function contains(source: string, client: string): boolean {
  const addr = parseClientAddress(client);
  assert.ok(addr, `client ${client} parses`);
  return cidrContains(block(source), addr);
}

describe('CIDR parsing', () => {
  it('reads IPv6 text forms (RFC 4291 §2.2)', () => {
    assert.deepEqual([...(parseIPv6('::1') ?? [])], [...new Array<number>(15).fill(0), 1]);
    assert.deepEqual(parseIPv6('2001:db8::8:800:200c:417a'), parseIPv6('2001:0db8:0:0:8:800:200C:417A'));
    assert.deepEqual(parseIPv6('::ffff:192.0.2.1')?.slice(10), Uint8Array.from([0xff, 0xff, 192, 0, 2, 1]));
    for (const bad of ['', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3']) {
      assert.equal(parseIPv6(bad), null, bad);
    }
  });

  it('refuses host names, octal-looking parts and out-of-range prefixes with a message', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::/129', '010.0.0.1', '10.0.0', '1.2.3.4/-1', '1.2.3.4/']) {
      const r = parseCidr(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.match(r.message, /address or CIDR|prefix length/);
    }
  });

  it('clears host bits like nginx and says so', () => {
    const r = parseCidr('192.168.1.77/24');
    assert.ok(r.ok && r.hostBitsSet);
    assert.ok(contains('192.168.1.77/24', '192.168.1.3'));
    const clean = parseCidr('192.168.1.0/24');
    assert.ok(clean.ok && !clean.hostBitsSet);
  });
});

describe('CIDR matching', () => {
  it('matches IPv4 blocks at byte and bit boundaries', () => {
    assert.ok(contains('10.0.0.0/8', '10.255.1.2'));
    assert.ok(!contains('10.0.0.0/8', '11.0.0.1'));
    assert.ok(contains('172.16.0.0/12', '172.31.255.255'));
    assert.ok(!contains('172.16.0.0/12', '172.32.0.0'));
    assert.ok(contains('0.0.0.0/0', '8.8.8.8'));
    assert.ok(contains('127.0.0.1', '127.0.0.1'));
    assert.ok(!contains('127.0.0.1', '127.0.0.2'));
  });

  it('matches IPv6 blocks and strips a zone id from the client', () => {
    assert.ok(contains('2001:db8::/32', '2001:db8:ffff::1'));
    assert.ok(!contains('2001:db8::/32', '2001:db9::1'));
    assert.ok(contains('fe80::/10', 'fe80::1%eth0'));
    assert.ok(contains('::1', '::1'));
    assert.ok(contains('2001:db8::/127', '2001:db8::1'));
    assert.ok(!contains('2001:db8::/127', '2001:db8::2'));
  });

  it('checks IPv4-mapped clients against IPv4 rules, not IPv6 ones (nginx access module)', () => {
    assert.ok(contains('127.0.0.0/8', '::ffff:127.0.0.1'));
    assert.ok(!contains('::/0', '::ffff:127.0.0.1'));
    assert.ok(!contains('0.0.0.0/0', '::1'));
    assert.ok(contains('all', '::ffff:10.1.2.3'));
  });
});

describe('allow/deny rules', () => {
  const rules = compileAccessRules([
    { action: 'deny', source: '192.168.1.1' },
    { action: 'allow', source: '192.168.1.0/24' },
    { action: 'allow', source: '2001:db8::/32' },
    { action: 'deny', source: 'all' },
  ]);

  it('lets the first matching rule decide (nginx order)', () => {
    assert.equal(accessAllowed(rules, '192.168.1.1'), false);
    assert.equal(accessAllowed(rules, '192.168.1.2'), true);
    assert.equal(accessAllowed(rules, '::ffff:192.168.1.2'), true);
    assert.equal(accessAllowed(rules, '::ffff:192.168.1.1'), false);
    assert.equal(accessAllowed(rules, '2001:db8::5'), true);
    assert.equal(accessAllowed(rules, '10.0.0.1'), false);
    assert.equal(accessAllowed(rules, '::1'), false);
  });

  it('allows when no rule matches, and an unparsable client only meets `all`', () => {
    const onlyDenyOne = compileAccessRules([{ action: 'deny', source: '10.0.0.1' }]);
    assert.equal(accessAllowed(onlyDenyOne, '10.0.0.2'), true);
    assert.equal(accessAllowed(onlyDenyOne, '-'), true);
    assert.equal(accessAllowed(rules, '-'), false);
    assert.equal(accessAllowed([], '10.0.0.1'), true);
  });
});
