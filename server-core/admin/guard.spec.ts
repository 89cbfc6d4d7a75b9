import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkApiRequest, isAllowedHost, isAllowedOrigin, tokenFromHeaders, tokensEqual } from './guard.js';

test('only the three loopback Host names with our port are allowed', () => {
  assert.equal(isAllowedHost('127.0.0.1:7700', 7700), true);
  assert.equal(isAllowedHost('LOCALHOST:7700', 7700), true);
  assert.equal(isAllowedHost('[::1]:7700', 7700), true);
  for (const h of ['127.0.0.1', '127.0.0.1:7701', 'evil.example:7700', 'localhost.evil.example:7700', '127.0.0.2:7700', 'x.localhost:7700', undefined]) {
    assert.equal(isAllowedHost(h, 7700), false, String(h));
  }
});

test('an absent Origin is fine; a present one must be ours', () => {
  assert.equal(isAllowedOrigin(undefined, 7700), true);
  assert.equal(isAllowedOrigin('http://localhost:7700', 7700), true);
  assert.equal(isAllowedOrigin('https://localhost:7700', 7700), false);
  assert.equal(isAllowedOrigin('null', 7700), false);
  assert.equal(isAllowedOrigin('http://evil.example', 7700), false);
});

test('the token comes from a Bearer header or this port\'s cookie', () => {
  assert.equal(tokenFromHeaders({ authorization: 'Bearer abc' }, 7700), 'abc');
  assert.equal(tokenFromHeaders({ cookie: 'a=1; berth_token_7700=xyz; b=2' }, 7700), 'xyz');
  assert.equal(tokenFromHeaders({ cookie: 'berth_token_7701=xyz' }, 7700), undefined);
  assert.equal(tokenFromHeaders({}, 7700), undefined);
});

test('tokens compare exactly', () => {
  assert.equal(tokensEqual('secret', 'secret'), true);
  assert.equal(tokensEqual('secret ', 'secret'), false);
  assert.equal(tokensEqual(undefined, 'secret'), false);
});

test('checkApiRequest: Host first (403), then Origin (403), then token (401)', () => {
  const ok = { host: '127.0.0.1:7700', authorization: 'Bearer t' };
  assert.deepEqual(checkApiRequest(ok, 7700, 't'), { ok: true });
  const host = checkApiRequest({ ...ok, host: 'evil:7700' }, 7700, 't');
  assert.equal(host.ok ? 0 : host.status, 403);
  const origin = checkApiRequest({ ...ok, origin: 'http://evil' }, 7700, 't');
  assert.equal(origin.ok ? '' : origin.code, 'BERTH_ERR_FORBIDDEN_ORIGIN');
  const token = checkApiRequest({ host: ok.host }, 7700, 't');
  assert.equal(token.ok ? 0 : token.status, 401);
});
