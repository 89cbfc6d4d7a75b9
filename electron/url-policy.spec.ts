import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideNavigation, decideNewWindow, isAdminUrl, isWebUrl, originOf } from './url-policy.js';

const admin = 'http://127.0.0.1:7700';

describe('url policy', () => {
  it('takes the origin of web URLs and none of opaque ones', () => {
    assert.equal(originOf('http://127.0.0.1:7700/sites?x=1#a'), admin);
    assert.equal(originOf('data:text/html,hi'), null);
    assert.equal(originOf('javascript:alert(1)'), null);
    assert.equal(originOf('not a url'), null);
  });

  it('treats only the exact admin origin as the dashboard', () => {
    assert.equal(isAdminUrl('http://127.0.0.1:7700/', admin), true);
    assert.equal(isAdminUrl('http://127.0.0.1:7701/', admin), false);
    assert.equal(isAdminUrl('http://localhost:7700/', admin), false);
    assert.equal(isAdminUrl('https://127.0.0.1:7700/', admin), false);
    // userinfo trick: the host is evil.example, not 127.0.0.1
    assert.equal(isAdminUrl('http://127.0.0.1:7700@evil.example/', admin), false);
  });

  it('allows in-app navigation, sends web links to the browser and drops the rest', () => {
    assert.equal(decideNavigation('http://127.0.0.1:7700/certs', admin), 'allow');
    assert.equal(decideNavigation('https://example.com/docs', admin), 'open-external');
    assert.equal(decideNavigation('http://welcome.localhost:8080/', admin), 'open-external');
    assert.equal(decideNavigation('file:///etc/passwd', admin), 'deny');
    assert.equal(decideNavigation('javascript:alert(1)', admin), 'deny');
    assert.equal(decideNavigation('mailto:someone@example.com', admin), 'deny');
  });

  it('never opens a second app window', () => {
    assert.equal(decideNewWindow('http://127.0.0.1:7700/', admin), 'deny');
    assert.equal(decideNewWindow('https://example.com/', admin), 'open-external');
    assert.equal(decideNewWindow('about:blank', admin), 'deny');
    assert.equal(isWebUrl('ftp://example.com/'), false);
  });
});
