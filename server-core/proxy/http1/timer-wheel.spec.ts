import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { trackDeadline, untrackDeadline, type Deadlined } from './timer-wheel.js';

function item(deadline: number, onTimeout: (self: Deadlined) => void = () => undefined): Deadlined & { fired: number } {
  const it: Deadlined & { fired: number } = {
    deadline,
    deadlineSlot: -1,
    fired: 0,
    timedOut() {
      it.fired++;
      onTimeout(it);
    },
  };
  return it;
}

describe('timer wheel', () => {
  it('fires past deadlines only, skips untracked items and keeps the others watched after a swap-remove', async () => {
    const past = Date.now() - 1;
    const a = item(past, (self) => untrackDeadline(self));
    const b = item(past);
    const c = item(Date.now() + 60_000);
    const d = item(past, (self) => untrackDeadline(self));
    for (const x of [a, b, c, d]) trackDeadline(x);
    assert.deepEqual([a, b, c, d].map((x) => x.deadlineSlot), [0, 1, 2, 3]);
    trackDeadline(a); // tracking twice is a no-op
    untrackDeadline(b); // the last item (d) moves into b's slot
    assert.equal(b.deadlineSlot, -1);
    assert.equal(d.deadlineSlot, 1);
    untrackDeadline(b); // untracking twice is a no-op
    await sleep(600);
    assert.equal(a.fired, 1, 'a timed out once and untracked itself');
    assert.equal(d.fired, 1, 'd timed out once, from its new slot');
    assert.equal(b.fired, 0, 'an untracked item never fires');
    assert.equal(c.fired, 0, 'a future deadline does not fire');
    assert.equal(c.deadlineSlot, 0, 'c is still watched, moved down as the others left');
    c.deadline = 0;
    await sleep(300);
    assert.equal(c.fired, 0, 'a deadline of 0 is none');
    untrackDeadline(c);
    assert.equal(c.deadlineSlot, -1);
  });
});
