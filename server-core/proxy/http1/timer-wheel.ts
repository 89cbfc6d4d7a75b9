// Connection deadlines checked by one shared interval instead of a timer per connection: setting a
// deadline on the hot path is a number assignment. Resolution is TICK_MS, fine for limits that
// nginx counts in seconds (client_header_timeout, client_body_timeout, keepalive_timeout).
//
// The watched items sit in a SlotList (each item keeps its own index; swap-remove), not in a Set:
// upstream exchanges come and go once per request, and V8 keeps a Set's replaced hash tables
// chained to their successors (for live iterators). Once one such table is promoted, that chain
// keeps every later table — and every exchange they held, with its whole request — alive through
// scavenges until the next full GC: measured at ~30 MB/s promoted and a mark-compact every ~1.3 s
// under load, gone with the array.
import { SlotList } from './slot-list.js';

export interface Deadlined {
  /** ms since the epoch; 0 = none. */
  deadline: number;
  /** This item's slot in the watch list, -1 when not watched (owned by this module). */
  deadlineSlot: number;
  timedOut(): void;
}

const TICK_MS = 250;
const tracked = new SlotList<Deadlined>(
  (d) => d.deadlineSlot,
  (d, slot) => (d.deadlineSlot = slot),
);
let timer: NodeJS.Timeout | null = null;

export function trackDeadline(item: Deadlined): void {
  if (!tracked.add(item)) return;
  if (timer === null) {
    timer = setInterval(sweep, TICK_MS);
    // Deadlines never keep a process alive on their own.
    timer.unref();
  }
}

/** Stops watching `item` (a closed connection). The interval stops at the next tick when none are left. */
export function untrackDeadline(item: Deadlined): void {
  tracked.remove(item);
}

function sweep(): void {
  const now = Date.now();
  const items = tracked.items;
  // Backwards: an item that times out may untrack itself (and move the last item into its slot).
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i];
    if (item !== undefined && item.deadline !== 0 && item.deadline <= now) item.timedOut();
  }
  if (tracked.length === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}
