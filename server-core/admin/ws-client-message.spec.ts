import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseClientMessage } from './ws-hub.js';

describe('WebSocket client messages', () => {
  it('accepts subscribe and unsubscribe to logs', () => {
    assert.deepEqual(parseClientMessage('{"type":"subscribe","topics":["logs"]}'), { type: 'subscribe', topics: ['logs'] });
    assert.deepEqual(parseClientMessage('{"type":"unsubscribe","topics":[]}'), { type: 'unsubscribe', topics: [] });
  });

  it('refuses anything else', () => {
    for (const bad of ['', 'null', '[]', '{"type":"subscribe"}', '{"type":"subscribe","topics":["status"]}', '{"type":"hello","topics":["logs"]}', '{"type":"subscribe","topics":["logs","logs"]}', '{"type":"subscribe","topics":"logs"}']) {
      assert.equal(parseClientMessage(bad), null, bad);
    }
  });
});
