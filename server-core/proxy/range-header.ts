// The Range header parsed as nginx 1.22 parses it (ngx_http_range_parse in
// ngx_http_range_filter_module.c), after the caller saw the `bytes=` prefix. nginx answers 416 to
// a header it cannot read — `bytes=abc`, `bytes=-`, `bytes=0-4x`, an empty item (`0-1,,2-3`, a
// trailing comma), a tab, a number past 2^63 − 1 — where RFC 9110 §14.2 would have it ignored;
// Berth answers as nginx does. Only spaces may sit around the numbers, the dash and the commas.
import type { ByteRange } from './conditional.js';

/** nginx's NGX_MAX_OFF_T_VALUE: a number with more value than this is a 416. */
const MAX_OFF_T = 9223372036854775807n;
const MAX_OFF_T_DIGITS = 19;

/**
 * The ranges of `header` (`bytes=…`) for a body of `size` bytes, clipped to it (ends inclusive), in
 * the order asked; `unsatisfiable` for a malformed header or one whose ranges all start past the
 * end; `whole` where nginx declines and sends the whole body: ranges adding up to more than the
 * body (overlaps), more than `maxRanges` of them, or any range of an empty body.
 */
export function parseRangeHeader(header: string, size: number, maxRanges: number): ByteRange[] | 'unsatisfiable' | 'whole' {
  const end = header.length;
  const at = (i: number): number => (i < end ? header.charCodeAt(i) : 0);
  const isDigit = (i: number): boolean => at(i) >= 0x30 && at(i) <= 0x39;
  const spaces = (i: number): number => {
    while (at(i) === 0x20) i++;
    return i;
  };
  /** The digits from `i`: their value and where they stop, or null past nginx's off_t. */
  const number = (i: number): { value: number; next: number } | null => {
    let j = i;
    while (isDigit(j)) j++;
    const digits = header.slice(i, j).replace(/^0+(?=\d)/, '');
    if (digits.length > MAX_OFF_T_DIGITS || (digits.length === MAX_OFF_T_DIGITS && BigInt(digits) > MAX_OFF_T)) return null;
    return { value: Number(digits), next: j };
  };

  const ranges: ByteRange[] = [];
  let total = 0;
  let left = maxRanges;
  let p = 6; // after `bytes=`
  for (;;) {
    let start = 0;
    let stop: number; // exclusive, as nginx keeps it
    let suffix = false;
    p = spaces(p);
    let open = false;
    if (at(p) !== 0x2d) {
      if (!isDigit(p)) return 'unsatisfiable';
      const first = number(p);
      if (first === null) return 'unsatisfiable';
      start = first.value;
      p = spaces(first.next);
      if (at(p++) !== 0x2d) return 'unsatisfiable';
      p = spaces(p);
      open = at(p) === 0x2c || p >= end;
    } else {
      suffix = true;
      p++;
    }
    if (open) {
      stop = size;
    } else {
      if (!isDigit(p)) return 'unsatisfiable';
      const last = number(p);
      if (last === null) return 'unsatisfiable';
      p = spaces(last.next);
      if (at(p) !== 0x2c && p < end) return 'unsatisfiable';
      let lastByte = last.value;
      if (suffix) {
        start = lastByte < size ? size - lastByte : 0;
        lastByte = size - 1;
      }
      stop = lastByte >= size ? size : lastByte + 1;
    }
    if (start < stop) {
      ranges.push({ start, end: stop - 1 });
      total += stop - start;
      if (left-- === 0) return 'whole';
    } else if (start === 0) {
      // Only an empty body gets here with a well-formed range.
      return 'whole';
    }
    // A range starting past the end is left out.
    if (at(p++) !== 0x2c) break;
  }
  if (ranges.length === 0) return 'unsatisfiable';
  if (total > size) return 'whole';
  return ranges;
}
