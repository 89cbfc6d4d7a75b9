import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNginxHttpTime } from './http-time.js';

const noon = Date.UTC(2024, 4, 1, 12, 0, 0) / 1000;

describe('HTTP dates as nginx reads them (ngx_parse_http_time)', () => {
  it('reads the three RFC 9110 forms', () => {
    assert.equal(parseNginxHttpTime('Wed, 01 May 2024 12:00:00 GMT'), noon);
    assert.equal(parseNginxHttpTime('Wednesday, 01-May-24 12:00:00 GMT'), noon);
    assert.equal(parseNginxHttpTime('Wed May  1 12:00:00 2024'), noon);
    assert.equal(parseNginxHttpTime('Sun, 06 Nov 1994 08:49:37 GMT'), 784111777);
    assert.equal(parseNginxHttpTime('Sunday, 06-Nov-94 08:49:37 GMT'), 784111777);
  });

  it('skips the day name unread and ignores what follows the time (zone, parameters), as nginx does', () => {
    assert.equal(parseNginxHttpTime('Mon, 01 May 2024 12:00:00 GMT'), noon);
    assert.equal(parseNginxHttpTime('Wed, 01 May 2024 12:00:00'), noon);
    assert.equal(parseNginxHttpTime('Wed, 01 May 2024 12:00:00 gmt'), noon);
    assert.equal(parseNginxHttpTime('Wed, 01 May 2024 12:00:00 GMTx'), noon);
    assert.equal(parseNginxHttpTime('Wed, 01 May 2024 12:00:00 GMT; length=74'), noon);
  });

  it('refuses what nginx refuses', () => {
    for (const bad of ['garbage', '', 'Wed, 01 May 2024', 'Wed, 1 May 2024 12:00:00 GMT', 'Wed, 01 Xyz 2024 12:00:00 GMT', 'Wed, 01 May 2024 24:00:00 GMT', 'Wed, 31 Apr 2024 12:00:00 GMT', 'Thu, 29 Feb 2023 12:00:00 GMT', 'Wed, 01 May 2024 12-00-00 GMT']) {
      assert.equal(parseNginxHttpTime(bad), null, bad);
    }
    assert.equal(parseNginxHttpTime('Thu, 29 Feb 2024 00:00:00 GMT'), Date.UTC(2024, 1, 29) / 1000);
  });
});
