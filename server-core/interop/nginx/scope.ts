// nginx inheritance for the mapper: a directive set at http level applies in every server and
// location below unless that level sets the same directive itself. Array-like directives
// (add_header, proxy_set_header, allow/deny, *_param) follow the same rule as a group: a level
// with any of them replaces the whole group from above — nginx's own (often surprising) rule.
// Every directive the mapper reads is marked used; the rest become warnings at the end.
import type { Directive } from './parser.js';

export class Scope {
  private readonly own = new Map<string, Directive[]>();

  constructor(
    readonly parent: Scope | null,
    directives: readonly Directive[],
    readonly used: Set<Directive>,
  ) {
    for (const d of directives) {
      if (d.block !== null) continue;
      const list = this.own.get(d.name);
      if (list) list.push(d);
      else this.own.set(d.name, [d]);
    }
  }

  /** The directives named `name` at the nearest level that has any; marks them used. */
  get(name: string): Directive[] {
    for (let s: Scope | null = this.own.has(name) ? this : this.parent; s !== null; s = s.parent) {
      const list = s.own.get(name);
      if (list) {
        for (const d of list) this.used.add(d);
        return list;
      }
    }
    return [];
  }

  /** The last directive named `name` (nginx reports a duplicate; the mapper takes the last and warns elsewhere). */
  one(name: string): Directive | undefined {
    return this.get(name).at(-1);
  }

  /** Directives at this level only (not inherited); marks them used. */
  ownList(name: string): Directive[] {
    const list = this.own.get(name) ?? [];
    for (const d of list) this.used.add(d);
    return list;
  }

  hasOwn(name: string): boolean {
    return this.own.has(name);
  }

  /** Like `get` but does not mark (a look that must not hide the directive's own warning). */
  peek(name: string): Directive[] {
    return this.own.get(name) ?? this.parent?.peek(name) ?? [];
  }

  /** Like `ownList` but does not mark. */
  peekOwn(name: string): Directive[] {
    return this.own.get(name) ?? [];
  }
}

/** `# berth: id=api protocol=uwsgi` comment hints written by Berth's own export. */
export function markers(d: Directive): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of d.comments) {
    const m = /^berth:\s*(.*)$/.exec(c);
    if (!m) continue;
    for (const pair of (m[1] as string).split(/\s+/)) {
      const eq = pair.indexOf('=');
      if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return out;
}

export function argValues(d: Directive): string[] {
  return d.args.map((a) => a.value);
}
