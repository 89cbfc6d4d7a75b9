import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLaunchArgs } from './launch-args.js';

describe('parseLaunchArgs', () => {
  it('reads the serve flags and resolves the data dir against cwd', () => {
    assert.deepEqual(parseLaunchArgs(['.', '--data-dir', 'tmp/berth', '--admin-port=0', '--http-port', '8081'], '/home/u'), {
      dataDir: '/home/u/tmp/berth',
      adminPort: 0,
      httpPort: 8081,
    });
  });

  it('ignores Chromium switches and positionals', () => {
    assert.deepEqual(parseLaunchArgs(['.', '--remote-debugging-port=0', '--no-sandbox', '--inspect=0']), {});
  });

  it('rejects ports out of range or not numbers', () => {
    assert.throws(() => parseLaunchArgs(['--admin-port', '70000']), /--admin-port takes a port number/);
    assert.throws(() => parseLaunchArgs(['--https-port', 'abc']), /--https-port takes a port number/);
    assert.throws(() => parseLaunchArgs(['--http-port']), /--http-port takes a port number/);
  });
});
