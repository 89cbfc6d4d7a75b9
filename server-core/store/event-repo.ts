// Supervisor events (child started, crashed, config applied…), kept as a bounded log.
import type { Statement } from 'better-sqlite3';
import type { EventKind, EventLevel, SupervisorEvent } from '../contract/api.js';
import type { SqliteDatabase } from './sqlite.js';

/** Newest events kept; older ones are deleted as new ones arrive. */
export const DEFAULT_EVENT_RETENTION = 10_000;

/** An event to record; `at` defaults to now. */
export type NewSupervisorEvent = Omit<SupervisorEvent, 'id' | 'at'> & { at?: string };

interface Row {
  id: number;
  at: string;
  level: EventLevel;
  kind: EventKind;
  child: string | null;
  message: string;
}

export class EventRepo {
  private readonly insertRow: Statement<[string, EventLevel, EventKind, string | null, string]>;
  private readonly pruneUpTo: Statement<[number]>;
  private readonly newest: Statement<[number], Row>;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly retention: number = DEFAULT_EVENT_RETENTION,
    private readonly now: () => Date = () => new Date(),
  ) {
    if (!Number.isInteger(retention) || retention < 1) throw new RangeError(`event retention must be a positive integer, got ${retention}`);
    this.insertRow = db.prepare('INSERT INTO events (at, level, kind, child, message) VALUES (?, ?, ?, ?, ?)');
    this.pruneUpTo = db.prepare('DELETE FROM events WHERE id <= ?');
    this.newest = db.prepare('SELECT id, at, level, kind, child, message FROM events ORDER BY id DESC LIMIT ?');
  }

  /** Stores the event and drops the oldest beyond the retention, in one transaction. */
  append(event: NewSupervisorEvent): SupervisorEvent {
    const at = event.at ?? this.now().toISOString();
    const insert = this.db.transaction(() => {
      const id = Number(this.insertRow.run(at, event.level, event.kind, event.child, event.message).lastInsertRowid);
      // Ids are AUTOINCREMENT and rows only leave from the old end, so the newest `retention`
      // events are exactly the ids above id - retention: a range delete on the primary key.
      this.pruneUpTo.run(id - this.retention);
      return id;
    });
    return { id: insert(), at, level: event.level, kind: event.kind, child: event.child, message: event.message };
  }

  /** The newest `limit` events in log order (oldest first). */
  recent(limit = 100): SupervisorEvent[] {
    return this.newest.all(Math.max(0, Math.floor(limit))).reverse();
  }
}
