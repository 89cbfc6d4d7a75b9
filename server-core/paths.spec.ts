import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dataPaths, defaultDataDir, unpackedPath } from './paths.js';

test('paths inside app.asar map to app.asar.unpacked; others stay', () => {
  assert.equal(unpackedPath('/opt/Berth/resources/app.asar'), '/opt/Berth/resources/app.asar.unpacked');
  assert.equal(unpackedPath('C:\\Berth\\resources\\app.asar\\server-core'), 'C:\\Berth\\resources\\app.asar.unpacked\\server-core');
  assert.equal(unpackedPath('/home/me/berth'), '/home/me/berth');
  assert.equal(unpackedPath('/srv/app.asarx/y'), '/srv/app.asarx/y');
});

test('the data dir: BERTH_HOME first, else the OS user-data folder', () => {
  assert.equal(defaultDataDir({ BERTH_HOME: '/tmp/b' }, 'linux'), '/tmp/b');
  assert.match(defaultDataDir({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux'), /^\/x\/cfg\/Berth$/);
  assert.match(defaultDataDir({}, 'darwin'), /Library\/Application Support\/Berth$/);
  assert.equal(defaultDataDir({ APPDATA: 'C:/Users/me/AppData/Roaming' }, 'win32'), join('C:/Users/me/AppData/Roaming', 'Berth'));
  assert.equal(dataPaths('/d').adminJson, join('/d', 'admin.json'));
});
