// nginx config → AST. Generic like nginx itself: a directive is words ended by `;`, or words and a
// `{ … }` block (http, server, location, if, map, types, upstream, events… all the same shape).
// `include` is resolved here, in place, so the mapper sees one tree where every directive still
// names its own file:line:column. Relative include paths are tried against the including file's
// folder, then the main file's folder (nginx's conf prefix); globs (`*`, `?`, `[…]`) match sorted,
// like glob(3). A missing stock file (uwsgi_params, mime.types…) falls back to nginx's copy.
import { posix } from 'node:path';
import type { SourcePosition } from '../warnings.js';
import { NginxIncludeError, NginxSyntaxError } from './errors.js';
import type { FileSource } from './file-source.js';
import { tokenize, type Token } from './lexer.js';
import { STOCK_FILES } from './stock-files.js';

export interface Directive extends SourcePosition {
  name: string;
  /** Position of the name token (same as the directive's). */
  args: Token[];
  /** The `{ … }` body, or null for a simple directive. */
  block: Directive[] | null;
  /** `# …` comment lines right before the directive (Berth's export writes `# berth: key=value` hints there). */
  comments: string[];
}

export interface ParseNote extends SourcePosition {
  directive: string;
  message: string;
}

export interface ParsedNginx {
  /** The main file, absolute. */
  file: string;
  directives: Directive[];
  /** Every file read, in order (the main file first). */
  files: string[];
  /** Things worth telling the user that are not errors: stock-file fallbacks, globs matching nothing. */
  notes: ParseNote[];
}

const MAX_INCLUDE_DEPTH = 32;

export function parseNginx(mainFile: string, source: FileSource): ParsedNginx {
  const file = posix.resolve(mainFile);
  const text = source.read(file);
  if (text === null) {
    throw new NginxIncludeError(`open() "${file}" failed (2: No such file or directory)`, null, 'check the path of the nginx config to import');
  }
  const state: ParseState = { source, mainDir: posix.dirname(file), files: [file], notes: [], stack: [file] };
  const directives = parseText(text, file, state);
  return { file, directives, files: state.files, notes: state.notes };
}

/** Parses one config text that is not on disk (tests, a pasted snippet). Includes are resolved against `source`. */
export function parseNginxText(text: string, file: string, source: FileSource): ParsedNginx {
  const state: ParseState = { source, mainDir: posix.dirname(file), files: [file], notes: [], stack: [file] };
  return { file, directives: parseText(text, file, state), files: state.files, notes: state.notes };
}

interface ParseState {
  source: FileSource;
  mainDir: string;
  files: string[];
  notes: ParseNote[];
  /** Files being included right now, outermost first (include loop detection). */
  stack: string[];
}

/** Directives that never take a block and often carry a regex: a `{` after them is an unquoted quantifier. */
const NEVER_BLOCKS = new Set(['rewrite', 'return', 'try_files', 'set', 'server_name', 'fastcgi_split_path_info', 'proxy_redirect', 'valid_referers', 'add_header', 'alias', 'root']);

function parseText(text: string, file: string, state: ParseState): Directive[] {
  const tokens = tokenize(text, file);
  let i = 0;

  const parseBlock = (opener: Token | null): Directive[] => {
    const out: Directive[] = [];
    let comments: string[] = [];
    for (;;) {
      const t = tokens[i];
      if (t === undefined) {
        if (opener) throw new NginxSyntaxError('unexpected end of file, expecting "}"', endPosition(text, file));
        return out;
      }
      if (t.kind === 'comment') {
        comments.push(t.value);
        i++;
        continue;
      }
      if (t.kind === '}') {
        if (!opener) throw new NginxSyntaxError('unexpected "}"', at(file, t));
        i++;
        return out;
      }
      if (t.kind === ';' || t.kind === '{') throw new NginxSyntaxError(`unexpected "${t.kind}"`, at(file, t));
      // A directive: words up to `;` or `{`.
      const words: Token[] = [];
      let end: Token | undefined;
      for (;;) {
        const w = tokens[i];
        if (w === undefined) throw new NginxSyntaxError('unexpected end of file, expecting ";" or "}"', endPosition(text, file));
        if (w.kind === 'comment') {
          i++;
          continue;
        }
        if (w.kind === '}') throw new NginxSyntaxError('unexpected "}"', at(file, w));
        i++;
        if (w.kind === ';' || w.kind === '{') {
          end = w;
          break;
        }
        words.push(w);
      }
      const [nameToken, ...args] = words as [Token, ...Token[]];
      const directive: Directive = { name: nameToken.value, args, block: null, file, line: nameToken.line, column: nameToken.column, comments };
      comments = [];
      // An unquoted `{` in a regex (`rewrite ^/(\d{4})$ …`) opens a block to the tokenizer: say
      // what nginx says, at the directive's line, not "unexpected end of file" at the last one.
      if (end.kind === '{' && NEVER_BLOCKS.has(directive.name)) throw new NginxSyntaxError(`directive "${directive.name}" is not terminated by ";"`, at(file, nameToken));
      if (end.kind === '{') directive.block = parseBlock(end);
      if (directive.name === 'include' && directive.block === null && !nameToken.quoted) {
        out.push(...resolveInclude(directive, state));
      } else {
        out.push(directive);
      }
    }
  };

  return parseBlock(null);
}

function resolveInclude(d: Directive, state: ParseState): Directive[] {
  if (d.args.length !== 1) throw new NginxSyntaxError('invalid number of arguments in "include" directive', d);
  const pattern = (d.args[0] as Token).value;
  const paths = hasGlob(pattern) ? expandGlob(pattern, d, state) : [findFile(pattern, d, state)];
  const out: Directive[] = [];
  for (const path of paths) {
    if (path === null) continue;
    const loopStart = state.stack.indexOf(path.path);
    if (loopStart !== -1) {
      throw new NginxIncludeError(
        `include loop: ${[...state.stack.slice(loopStart), path.path].join(' → ')}`,
        d,
        'remove the include that brings a file back into itself',
      );
    }
    if (state.stack.length >= MAX_INCLUDE_DEPTH) {
      throw new NginxIncludeError(`includes nested deeper than ${MAX_INCLUDE_DEPTH} files`, d, 'flatten the includes');
    }
    if (!state.files.includes(path.path)) state.files.push(path.path);
    state.stack.push(path.path);
    try {
      out.push(...parseText(path.text, path.path, state));
    } finally {
      state.stack.pop();
    }
  }
  return out;
}

/** Folders a distribution keeps server blocks in, one level below nginx's conf prefix (/etc/nginx). */
const SITE_FOLDERS = new Set(['sites-available', 'sites-enabled', 'conf.d', 'vhosts.d', 'servers']);

function candidates(pattern: string, d: Directive, state: ParseState): string[] {
  if (posix.isAbsolute(pattern)) return [posix.normalize(pattern)];
  const dirs = [posix.dirname(d.file), state.mainDir];
  // nginx resolves a relative include against its conf prefix: a site file imported on its own from
  // /etc/nginx/sites-available finds `snippets/fastcgi-php.conf` in /etc/nginx.
  for (const dir of [...dirs]) if (SITE_FOLDERS.has(posix.basename(dir))) dirs.push(posix.dirname(dir));
  return [...new Set(dirs.map((dir) => posix.resolve(dir, pattern)))];
}

function findFile(pattern: string, d: Directive, state: ParseState): { path: string; text: string } | null {
  const tried = candidates(pattern, d, state);
  for (const path of tried) {
    const text = state.source.read(path);
    if (text !== null) return { path, text };
  }
  const stock = STOCK_FILES[posix.basename(pattern)];
  if (stock !== undefined) {
    state.notes.push({
      file: d.file,
      line: d.line,
      column: d.column,
      directive: 'include',
      // A relative include is looked up beside the config (nginx: its conf prefix, e.g. /etc/nginx), not machine-wide.
      message: `"${pattern}" is ${posix.isAbsolute(pattern) ? 'not on this machine' : `not in ${[...new Set(tried.map((t) => posix.dirname(t)))].join(' or ')}`}; used nginx's stock ${posix.basename(pattern)} instead`,
    });
    return { path: `(stock)/${posix.basename(pattern)}`, text: stock };
  }
  throw new NginxIncludeError(
    `open() "${tried[0]}" failed (2: No such file or directory)`,
    d,
    tried.length > 1 ? `looked in ${tried.join(' and ')}; copy the file there or fix the include path` : 'copy the file there or fix the include path',
  );
}

function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

function expandGlob(pattern: string, d: Directive, state: ParseState): Array<{ path: string; text: string }> {
  for (const base of candidates(pattern, d, state)) {
    const matches = globPaths(base, state.source);
    if (matches.length > 0) {
      const files: Array<{ path: string; text: string }> = [];
      for (const m of matches) {
        const text = state.source.read(m);
        if (text !== null) files.push({ path: m, text });
      }
      return files;
    }
  }
  // nginx accepts a glob that matches nothing; say so, since a typo here drops whole sites.
  state.notes.push({ file: d.file, line: d.line, column: d.column, directive: 'include', message: `"${pattern}" matched no files` });
  return [];
}

/** Sorted absolute paths matching a glob, component by component. */
function globPaths(absPattern: string, source: FileSource): string[] {
  const parts = absPattern.split('/').filter((p) => p !== '');
  let current = ['/'];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!hasGlob(part)) {
        next.push(posix.join(dir, part));
        continue;
      }
      const names = source.list(dir) ?? [];
      const re = globRegex(part);
      for (const name of names.sort()) if (!name.startsWith('.') && re.test(name)) next.push(posix.join(dir, name));
    }
    current = next;
  }
  return current.filter((p) => source.read(p) !== null).sort();
}

function globRegex(part: string): RegExp {
  let re = '';
  for (let i = 0; i < part.length; i++) {
    const c = part[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = part.indexOf(']', i + 1);
      if (close === -1) re += '\\[';
      else {
        re += `[${part.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function at(file: string, t: Token): SourcePosition {
  return { file, line: t.line, column: t.column };
}

function endPosition(text: string, file: string): SourcePosition {
  const lines = text.split('\n');
  return { file, line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}
