import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RestartTracker, type BackoffPolicy } from './backoff.js';

const policy: BackoffPolicy = { initialDelayMs: 250, maxDelayMs: 2000, stableAfterMs: 10_000, maxQuickFailures: 5 };

test('delays double from the initial delay and stop at the maximum', () => {
  const t = new RestartTracker(policy);
  const delays = [1, 2, 3, 4, 5].map(() => {
    const d = t.record(100);
    assert.equal(d.restart, true);
    return d.restart ? d.delayMs : -1;
  });
  assert.deepEqual(delays, [250, 500, 1000, 2000, 2000]);
});

test('too many quick failures in a row give up with a reason', () => {
  const t = new RestartTracker(policy);
  for (let i = 0; i < 5; i++) t.record(50);
  const d = t.record(50);
  assert.equal(d.restart, false);
  assert.match(d.restart ? '' : d.reason, /6 times in a row within 10 s/);
});

test('a run that stayed up resets the count', () => {
  const t = new RestartTracker(policy);
  for (let i = 0; i < 4; i++) t.record(50);
  const d = t.record(60_000);
  assert.deepEqual(d, { restart: true, delayMs: 250 });
});
