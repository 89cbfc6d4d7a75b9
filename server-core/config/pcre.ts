// nginx compiles its regexes with PCRE; Berth runs them as JavaScript RegExps. This reads a PCRE
// pattern and gives the JavaScript regex that matches the same strings, or says which PCRE
// construct has no JavaScript equivalent. Some PCRE constructs would still compile in JavaScript
// with another meaning (`\A` is a plain "A" there, `[]a]` an empty class), so they are caught
// here rather than left to `new RegExp`. Kept free of Node APIs: the dashboard checks fields with it.

export type PcreResult = { ok: true; regex: RegExp } | { ok: false; problem: string };

/** PCRE escapes JavaScript reads differently or not at all. */
const UNSUPPORTED_ESCAPES: Record<string, string> = {
  A: '`\\A` (start of subject)',
  Z: '`\\Z` (end of subject)',
  z: '`\\z` (end of subject)',
  G: '`\\G` (first match position)',
  K: '`\\K` (reset match start)',
  Q: '`\\Q…\\E` (quoted text)',
  E: '`\\E` (end of quoted text)',
  h: '`\\h` (horizontal space)',
  H: '`\\H` (not horizontal space)',
  R: '`\\R` (any newline)',
  X: '`\\X` (extended grapheme)',
  C: '`\\C` (one byte)',
  N: '`\\N` (not a newline)',
  e: '`\\e` (escape character)',
  a: '`\\a` (bell character)',
  g: '`\\g` back-references and subroutine calls',
  o: '`\\o{…}` octal escapes',
  p: '`\\p{…}` Unicode properties',
  P: '`\\P{…}` Unicode properties',
};

/** POSIX classes inside `[…]` that have a plain JavaScript equivalent. */
const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: '\\s',
  xdigit: '0-9A-Fa-f',
  word: '\\w',
};

const QUANTIFIER_BRACES = /^\{\d+(?:,\d*)?\}/;

/** Translates `source` (PCRE, as written in nginx) into a JavaScript RegExp. */
export function compilePcre(source: string, caseless = false): PcreResult {
  let flags = caseless ? 'i' : '';
  let body = source;
  // A leading `(?i)` switches the whole pattern to caseless, as nginx recipes write it.
  if (body.startsWith('(?i)')) {
    flags = 'i';
    body = body.slice(4);
  }
  const translated = translate(body);
  if (typeof translated !== 'string') return translated;
  try {
    return { ok: true, regex: new RegExp(translated, flags) };
  } catch (e) {
    return { ok: false, problem: `the regex does not compile: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}` };
  }
}

/** The problem with `source`, or null when it compiles (for the config checks). */
export function pcreProblem(source: string): string | null {
  const r = compilePcre(source);
  return r.ok ? null : r.problem;
}

function unsupported(what: string): PcreResult {
  return { ok: false, problem: `${what} is PCRE-only: JavaScript regexes have no equivalent, so Berth cannot run this pattern; write it without that construct` };
}

function translate(s: string): string | PcreResult {
  let out = '';
  let inClass = false;
  let classStart = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined) return { ok: false, problem: 'the regex ends with a lone backslash' };
      const what = UNSUPPORTED_ESCAPES[next];
      if (what !== undefined) return unsupported(what);
      if (next === 'x' && s[i + 2] === '{') return unsupported('`\\x{…}` (a code point in braces)');
      if (next === 'k' && (s[i + 2] === '{' || s[i + 2] === "'")) return unsupported("`\\k{name}` / `\\k'name'` back-references (write `\\k<name>`)");
      out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']' && i === classStart) {
        // PCRE: a `]` right after `[` or `[^` is a literal; in JavaScript `[]` is an empty class.
        out += '\\]';
        continue;
      }
      if (c === '[' && s[i + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(s.slice(i));
        if (m) {
          const equivalent = POSIX_CLASSES[m[2] as string];
          if (equivalent === undefined || m[1] === '^') return unsupported(`the POSIX class \`${m[0]}\``);
          out += equivalent;
          i += m[0].length - 1;
          continue;
        }
      }
      if (c === '[') {
        out += '\\[';
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      classStart = s[i + 1] === '^' ? i + 2 : i + 1;
      out += c;
      continue;
    }
    if (c === '(') {
      const group = groupStart(s.slice(i));
      if ('ok' in group) return group;
      out += group.text;
      i += group.length - 1;
      continue;
    }
    if (c === '{') {
      const m = QUANTIFIER_BRACES.exec(s.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        if (s[i + 1] === '+') return unsupported(`the possessive quantifier \`${m[0]}+\``);
        continue;
      }
    }
    if ((c === '*' || c === '+' || c === '?') && s[i + 1] === '+') return unsupported(`the possessive quantifier \`${c}+\``);
    out += c;
  }
  return out;
}

/** What a `(` opening a group becomes in JavaScript (and how many source characters it took), or why it cannot. */
function groupStart(rest: string): { text: string; length: number } | PcreResult {
  const same = (text: string) => ({ text, length: text.length });
  if (rest.startsWith('(*')) return unsupported(`the verb \`${/^\(\*[A-Z_]*\)?/.exec(rest)?.[0] ?? '(*'}\``);
  if (!rest.startsWith('(?')) return same('(');
  // PCRE's other spellings of a named group and of a named back-reference.
  const named = /^\(\?(?:P<(\w+)>|'(\w+)')/.exec(rest);
  if (named) return { text: `(?<${named[1] ?? named[2] ?? ''}>`, length: named[0].length };
  const backref = /^\(\?P=(\w+)\)/.exec(rest);
  if (backref) return { text: `\\k<${backref[1] as string}>`, length: backref[0].length };
  const plain = /^\(\?(?::|=|!|<=|<!|<(?=[A-Za-z_]))/.exec(rest);
  if (plain) return same(plain[0]);
  if (rest.startsWith('(?>')) return unsupported('the atomic group `(?>…)`');
  if (rest.startsWith('(?|')) return unsupported('the branch reset group `(?|…)`');
  if (rest.startsWith('(?#')) return unsupported('the comment group `(?#…)`');
  if (rest.startsWith('(?(')) return unsupported('the conditional group `(?(…)…)`');
  if (/^\(\?(?:R|[+-]?\d|&|P>)/.test(rest)) return unsupported('recursion and subroutine calls (`(?R)`, `(?1)`, `(?&name)`)');
  const option = /^\(\?[a-zA-Z-]*[:)]/.exec(rest);
  if (option) return unsupported(`the inline option \`${option[0]}\` (only a leading \`(?i)\` is read)`);
  return unsupported(`the group \`${rest.slice(0, 3)}\``);
}
