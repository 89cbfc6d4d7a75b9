// The nginx config tokenizer, following ngx_conf_read_token (src/core/ngx_conf_file.c):
// whitespace separates words; `;`, `{` and `}` are their own tokens; `#` starts a comment only at
// the start of a word; "…" and '…' quote; a backslash escapes the next character; `${` does not
// end a word (so `${var}` stays one word) and `}` never ends a word. Every token keeps its
// file:line:column so errors and warnings can point at it.
import { NginxSyntaxError } from './errors.js';

export type TokenKind = 'word' | ';' | '{' | '}' | 'comment';

export interface Token {
  kind: TokenKind;
  /** The word with quotes removed and escapes applied (`\"` `\'` `\\` `\t` `\r` `\n`, as nginx does). */
  value: string;
  /** True when the word was written in quotes (a quoted `''` is an empty word, not nothing). */
  quoted: boolean;
  line: number;
  column: number;
}

const SPACE = new Set([' ', '\t', '\r', '\n']);

export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let column = 1;

  const advance = (): string => {
    const ch = text[i++] as string;
    if (ch === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
    return ch;
  };

  while (i < text.length) {
    const ch = text[i] as string;
    if (SPACE.has(ch)) {
      advance();
      continue;
    }
    const startLine = line;
    const startColumn = column;
    if (ch === ';' || ch === '{' || ch === '}') {
      advance();
      tokens.push({ kind: ch, value: ch, quoted: false, line: startLine, column: startColumn });
      continue;
    }
    if (ch === '#') {
      let comment = '';
      advance();
      while (i < text.length && text[i] !== '\n') comment += advance();
      tokens.push({ kind: 'comment', value: comment.trim(), quoted: false, line: startLine, column: startColumn });
      continue;
    }
    if (ch === '"' || ch === "'") {
      const quote = advance();
      let value = '';
      for (;;) {
        if (i >= text.length) throw new NginxSyntaxError(`unexpected end of file, expecting ${quote === '"' ? "'\"'" : `"'"`}`, { file, line: startLine, column: startColumn });
        const c = advance();
        if (c === quote) break;
        if (c === '\\' && i < text.length) value += unescape(advance());
        else value += c;
      }
      // nginx: a quoted string must be followed by a space, `;`, `{` or `}`… or it is an error.
      const next = text[i];
      if (next !== undefined && !SPACE.has(next) && next !== ';' && next !== '{' && next !== '}') {
        throw new NginxSyntaxError(`unexpected "${next}"`, { file, line, column });
      }
      tokens.push({ kind: 'word', value, quoted: true, line: startLine, column: startColumn });
      continue;
    }
    let value = '';
    let variable = false;
    while (i < text.length) {
      const c = text[i] as string;
      if (c === '{' && variable) {
        value += advance();
        variable = false;
        continue;
      }
      variable = false;
      if (SPACE.has(c) || c === ';' || c === '{') break;
      advance();
      if (c === '\\' && i < text.length) {
        value += unescape(advance());
        continue;
      }
      if (c === '$') variable = true;
      value += c;
    }
    tokens.push({ kind: 'word', value, quoted: false, line: startLine, column: startColumn });
  }
  return tokens;
}

/** nginx keeps a backslash before other characters (`\.` in a regex stays `\.`). */
function unescape(c: string): string {
  switch (c) {
    case '"':
    case "'":
    case '\\':
      return c;
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case 'n':
      return '\n';
    default:
      return `\\${c}`;
  }
}
