// Lists and maps edited as text: names as words, headers and params as `Name: value` lines.
// Parsing is lenient here (the server validates); formatting is the exact inverse for clean input.

/** Words separated by spaces, commas or new lines (nginx's own list syntax is space-separated). */
export function parseWords(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}

export function formatWords(words: readonly string[]): string {
  return words.join(' ');
}

/** One `Name: value` per line; a line without `:` is a name with an empty value. */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) out[line] = '';
    else out[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return out;
}

export function formatPairs(pairs: Readonly<Record<string, string>>): string {
  return Object.entries(pairs)
    .map(([k, v]) => (v === '' ? `${k}:` : `${k}: ${v}`))
    .join('\n');
}

/** A number input's value: empty → undefined (the field is optional), otherwise the number as typed. */
export function optionalNumber(text: string): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  return Number(t);
}
