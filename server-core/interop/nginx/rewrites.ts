// nginx `rewrite REGEX REPLACEMENT [last|break|redirect|permanent]` ↔ the model's ordered
// `rewrites` of a site (server level) or a location. nginx runs a block's rewrite-module
// directives in the order written, so a `rewrite` after the block's `return` never runs; at server
// level Berth turns a `return` into a `location /` that answers every request, so a rule there that
// stops the server rewrites to let a location serve the new URI (`last`, `break`) would be answered
// by that return instead, and is not carried over either.
import type { z } from 'zod';
import { pcreProblem } from '../../config/pcre.js';
import type { Rewrite, rewriteSchema } from '../../config/schema.js';
import type { WarningSink } from '../warnings.js';
import type { Directive } from './parser.js';
import { argValues, type Scope } from './scope.js';
import { line } from './quote.js';

type RewriteInput = z.input<typeof rewriteSchema>;

const FLAGS = new Set(['last', 'break', 'redirect', 'permanent']);

/**
 * The block's own `rewrite` directives, in order, as the model's rewrites; undefined when there
 * are none. `block` is the block's directive list (for the order against `return`).
 */
export function mapRewrites(block: readonly Directive[], scope: Scope, sink: WarningSink, level: 'server' | 'location'): RewriteInput[] | undefined {
  scope.ownList('rewrite');
  const out: RewriteInput[] = [];
  let returned = false;
  for (const d of block) {
    if (d.block !== null) continue;
    if (d.name === 'return') returned = true;
    if (d.name !== 'rewrite') continue;
    const text = `rewrite ${argValues(d).join(' ')}`;
    if (returned) {
      sink.add(d, 'rewrite', `"${text}" never runs: the return before it answers first (nginx runs rewrite and return in the order written); not carried over`);
      continue;
    }
    const [pattern, replacement, flag] = argValues(d);
    if (pattern === undefined || replacement === undefined || replacement === '' || d.args.length > 3 || (flag !== undefined && !FLAGS.has(flag))) {
      sink.add(d, 'rewrite', `cannot read "${text}"; not carried over`);
      continue;
    }
    const problem = pcreProblem(pattern);
    if (problem !== null) {
      sink.add(d, 'rewrite', `"${text}": ${problem}; not carried over`);
      continue;
    }
    if (level === 'server' && (flag === 'last' || flag === 'break') && serverReturnAfter(block, d)) {
      sink.add(d, 'rewrite', `"${text}" hands the new URI to the locations, but Berth answers every request of this server with its return; not carried over`);
      continue;
    }
    out.push(flag === undefined ? { pattern, replacement } : { pattern, replacement, flag: flag as Rewrite['flag'] });
  }
  return out.length > 0 ? out : undefined;
}

function serverReturnAfter(block: readonly Directive[], d: Directive): boolean {
  return block.slice(block.indexOf(d) + 1).some((x) => x.block === null && x.name === 'return');
}

/** The model's rewrites as nginx directives at `indent`. */
export function rewriteLines(indent: number, rewrites: readonly Rewrite[] | undefined): string[] {
  return (rewrites ?? []).map((r) => (r.flag === 'none' ? line(indent, 'rewrite', r.pattern, r.replacement) : line(indent, 'rewrite', r.pattern, r.replacement, r.flag)));
}
