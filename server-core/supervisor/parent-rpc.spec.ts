import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChildToSupervisor } from '../contract/ipc.js';
import { isBerthError } from '../errors.js';
import { ParentRpc } from './parent-rpc.js';

describe('child → supervisor requests (ParentRpc)', () => {
  it('matches answers to calls by id, in any order, and carries error codes', async () => {
    const sent: ChildToSupervisor[] = [];
    const rpc = new ParentRpc((m) => sent.push(m));
    const one = rpc.call('m.one', { a: 1 }, 1000);
    const two = rpc.call('m.two', null, 1000);
    assert.deepEqual(sent, [
      { type: 'request', id: 1, method: 'm.one', params: { a: 1 } },
      { type: 'request', id: 2, method: 'm.two', params: null },
    ]);
    rpc.handleResponse({ type: 'response', id: 2, error: { code: 'BERTH_ERR_UNKNOWN_METHOD', message: 'no' } });
    rpc.handleResponse({ type: 'response', id: 1, result: 'ok' });
    assert.equal(await one, 'ok');
    await assert.rejects(two, (e: unknown) => isBerthError(e, 'BERTH_ERR_UNKNOWN_METHOD'));
    assert.equal(rpc.inFlight, 0);
  });

  it('times out, and drops an answer that comes after its timeout', async () => {
    const rpc = new ParentRpc(() => undefined);
    await assert.rejects(rpc.call('slow', null, 20), (e: unknown) => isBerthError(e, 'BERTH_ERR_SUPERVISOR_TIMEOUT') && /within 20 ms/.test((e as Error).message));
    assert.equal(rpc.inFlight, 0);
    rpc.handleResponse({ type: 'response', id: 1, result: 'late' }); // no throw, nothing pending
  });

  it('rejects at once when the message cannot be sent', async () => {
    const rpc = new ParentRpc(() => {
      throw new Error('channel closed');
    });
    await assert.rejects(rpc.call('x', null, 1000), /channel closed/);
    assert.equal(rpc.inFlight, 0);
  });
});
