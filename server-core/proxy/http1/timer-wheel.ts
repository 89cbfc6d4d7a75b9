// Connection deadlines checked by one shared interval instead of a timer per connection: setting a
// deadline on the hot path is a number assignment. Resolution is TICK_MS, fine for limits that
// nginx counts in seconds (client_header_timeout, client_body_timeout, keepalive_timeout).

export interface Deadlined {
  /** ms since the epoch; 0 = none. */
  deadline: number;
  timedOut(): void;
}

const TICK_MS = 250;
const tracked = new Set<Deadlined>();
let timer: NodeJS.Timeout | null = null;

export function trackDeadline(item: Deadlined): void {
  tracked.add(item);
  if (timer === null) {
    timer = setInterval(sweep, TICK_MS);
    // Deadlines never keep a process alive on their own.
    timer.unref();
  }
}

/** Stops watching `item` (a closed connection). The interval stops at the next tick when none are left. */
export function untrackDeadline(item: Deadlined): void {
  tracked.delete(item);
}

function sweep(): void {
  const now = Date.now();
  for (const item of tracked) {
    if (item.deadline !== 0 && item.deadline <= now) item.timedOut();
  }
  if (tracked.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}
