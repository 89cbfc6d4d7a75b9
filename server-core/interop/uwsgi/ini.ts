// uWSGI's ini format: `[section]`, `key = value` lines (a key may repeat: env, static-map),
// `#` and `;` comment lines. Option names treat `_` and `-` alike, as uWSGI does.
// Magic variables: `%d` (the ini's folder, with a trailing slash), `%n` (its name without
// extension), `%(option)` (an option set above); others are kept and reported by the mapper.
import { basename, dirname, extname } from 'node:path';
import { BerthError } from '../../errors.js';

export interface IniEntry {
  key: string;
  value: string;
  line: number;
  column: number;
}

export interface ParsedIni {
  file: string;
  /** Entries of the chosen section, in file order. */
  entries: IniEntry[];
  /** `# berth: key=value` hints from Berth's own export. */
  hints: Record<string, string>;
}

export function parseUwsgiIni(text: string, file: string, section = 'uwsgi'): ParsedIni {
  const entries: IniEntry[] = [];
  const hints: Record<string, string> = {};
  let current: string | null = null;
  let sawSection = false;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#') || line.startsWith(';')) {
      const hint = /^[#;]\s*berth:\s*(.*)$/.exec(line);
      if (hint && current === section) {
        for (const pair of (hint[1] as string).split(/\s+/)) {
          const eq = pair.indexOf('=');
          if (eq > 0) hints[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
      }
      return;
    }
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      current = (head[1] as string).trim();
      if (current === section) sawSection = true;
      return;
    }
    const eq = raw.indexOf('=');
    if (eq === -1) {
      throw new BerthError('BERTH_ERR_INI_SYNTAX', `expected "key = value" or "[section]" in ${file}:${i + 1}:1, got "${line.slice(0, 60)}"`, {
        hint: 'fix that line of the ini file; nothing was imported',
      });
    }
    if (current !== section) return;
    const key = raw.slice(0, eq).trim().toLowerCase().replace(/_/g, '-');
    const value = raw.slice(eq + 1).trim();
    entries.push({ key, value: expand(value, file, entries), line: i + 1, column: raw.indexOf(raw.trimStart()) + 1 });
  });
  if (!sawSection) {
    throw new BerthError('BERTH_ERR_INI_SYNTAX', `${file} has no [${section}] section`, { hint: 'a uWSGI ini file starts with a [uwsgi] line' });
  }
  return { file, entries, hints };
}

function expand(value: string, file: string, before: readonly IniEntry[]): string {
  return value.replace(/%\(([\w-]+)\)|%d|%n/g, (whole, name: string | undefined) => {
    if (whole === '%d') return `${dirname(file)}/`;
    if (whole === '%n') return basename(file, extname(file));
    const key = (name ?? '').replace(/_/g, '-');
    const found = [...before].reverse().find((e) => e.key === key);
    return found ? found.value : whole;
  });
}
