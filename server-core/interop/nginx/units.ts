// nginx sizes and times, parsed as ngx_parse_size / ngx_parse_time do, and written back.
// Sizes: a number with an optional k/K (×1024), m/M (×1024²) or g/G (×1024³).
// Times: one or more number+unit parts (`1h30m`): ms, s, m, h, d, w, M (30 days), y (365 days);
// a bare number is seconds.

const SIZE = /^(\d+)([kKmMgG]?)$/;
const SIZE_FACTOR: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes, or null when `text` is not an nginx size. */
export function parseSize(text: string): number | null {
  const m = SIZE.exec(text);
  if (!m) return null;
  return Number(m[1]) * (SIZE_FACTOR[(m[2] as string).toLowerCase()] as number);
}

/** The shortest exact nginx spelling of a byte count (`75m`, `10k`, `1000`). */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

const TIME_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000, y: 31_536_000_000 };
const TIME_PART = /(\d+)(ms|s|m|h|d|w|M|y)?/y;

/** Milliseconds, or null when `text` is not an nginx time. */
export function parseTimeMs(text: string): number | null {
  if (text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let total = 0;
  TIME_PART.lastIndex = 0;
  let pos = 0;
  while (pos < text.length) {
    TIME_PART.lastIndex = pos;
    const m = TIME_PART.exec(text);
    if (!m || m[2] === undefined) return null;
    total += Number(m[1]) * (TIME_UNIT_MS[m[2]] as number);
    pos = TIME_PART.lastIndex;
  }
  return total;
}

/** Seconds (fractions for ms), or null. */
export function parseTimeS(text: string): number | null {
  const ms = parseTimeMs(text);
  return ms === null ? null : ms / 1000;
}

/** `60s`, or `1500ms` when the seconds are not whole. */
export function formatSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
}
