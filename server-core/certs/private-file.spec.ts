import { test } from 'node:test';
import assert from 'node:assert/strict';
import { restrictToUser, userOnlyAclArgs } from './private-file.js';

test('the Windows ACL command removes inherited entries and grants the user alone', () => {
  assert.deepEqual(userOnlyAclArgs('C:\\Users\\me\\AppData\\Roaming\\Berth\\certs\\ca\\ca.key.pem', 'PC\\me'), [
    'C:\\Users\\me\\AppData\\Roaming\\Berth\\certs\\ca\\ca.key.pem',
    '/inheritance:r',
    '/grant:r',
    'PC\\me:F',
  ]);
});

test('restrictToUser runs icacls on Windows only', async () => {
  const calls: Array<[string, string[]]> = [];
  const runner = async (file: string, args: string[]): Promise<void> => {
    calls.push([file, args]);
  };
  await restrictToUser('/k.pem', 'linux', runner);
  assert.equal(calls.length, 0);
  await restrictToUser('C:\\k.pem', 'win32', runner);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.[0], 'icacls');
  assert.deepEqual(calls[0]?.[1].slice(0, 3), ['C:\\k.pem', '/inheritance:r', '/grant:r']);
  assert.match(calls[0]?.[1][3] ?? '', /:F$/);
});
