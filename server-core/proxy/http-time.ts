// HTTP dates read the way nginx reads them (ngx_parse_http_time, src/core/ngx_parse_time.c), for
// the validators nginx compares with a file's mtime: If-Modified-Since, If-Unmodified-Since and
// If-Range. nginx accepts the three forms of RFC 9110 §5.6.7 (IMF-fixdate, RFC 850, asctime) and
// is lenient around them: the day name is skipped unread, and whatever follows the seconds (or the
// asctime year) is ignored, zone included — `…12:00:00`, `…12:00:00 gmt` and `…12:00:00 GMT;
// length=74` are all the same second. Date.parse differs on exactly these (a date without a zone
// is local time there), so a client's 304 would depend on the parser.

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Seconds since the epoch, or null where nginx's parser answers NGX_ERROR. */
export function parseNginxHttpTime(value: string): number | null {
  const end = value.length;
  // The value's bytes; past the end reads as 0 (nginx's strings end in a NUL there).
  const at = (i: number): number => (i < end ? value.charCodeAt(i) : 0);
  const digit = (i: number): number => {
    const c = at(i);
    return c >= 0x30 && c <= 0x39 ? c - 0x30 : -1;
  };
  const two = (i: number): number => (digit(i) < 0 || digit(i + 1) < 0 ? -1 : digit(i) * 10 + digit(i + 1));

  let fmt: 'rfc822' | 'rfc850' | 'isoc' | null = null;
  let p = 0;
  // The day name: up to the comma (IMF-fixdate, RFC 850) or the first space (asctime).
  for (; p < end; p++) {
    const c = at(p);
    if (c === 0x2c) break;
    if (c === 0x20) {
      fmt = 'isoc';
      break;
    }
  }
  for (p++; p < end; p++) if (at(p) !== 0x20) break;
  if (end - p < 18) return null;

  let day = 0;
  if (fmt !== 'isoc') {
    day = two(p);
    if (day < 0) return null;
    p += 2;
    if (at(p) === 0x20) {
      if (end - p < 18) return null;
      fmt = 'rfc822';
    } else if (at(p) === 0x2d) {
      fmt = 'rfc850';
    } else {
      return null;
    }
    p++;
  }

  let month: number;
  switch (value[p]) {
    case 'J':
      month = value[p + 1] === 'a' ? 0 : value[p + 2] === 'n' ? 5 : 6;
      break;
    case 'F':
      month = 1;
      break;
    case 'M':
      month = value[p + 2] === 'r' ? 2 : 4;
      break;
    case 'A':
      month = value[p + 1] === 'p' ? 3 : 7;
      break;
    case 'S':
      month = 8;
      break;
    case 'O':
      month = 9;
      break;
    case 'N':
      month = 10;
      break;
    case 'D':
      month = 11;
      break;
    default:
      return null;
  }
  p += 3;
  if ((fmt === 'rfc822' && at(p) !== 0x20) || (fmt === 'rfc850' && at(p) !== 0x2d)) return null;
  p++;

  let year = 0;
  if (fmt === 'rfc822') {
    const hi = two(p);
    const lo = two(p + 2);
    if (hi < 0 || lo < 0) return null;
    year = hi * 100 + lo;
    p += 4;
  } else if (fmt === 'rfc850') {
    year = two(p);
    if (year < 0) return null;
    year += year < 70 ? 2000 : 1900;
    p += 2;
  } else {
    if (at(p) === 0x20) p++;
    if (digit(p) < 0) return null;
    day = digit(p++);
    if (at(p) !== 0x20) {
      if (digit(p) < 0) return null;
      day = day * 10 + digit(p++);
    }
    if (end - p < 14) return null;
  }

  if (at(p++) !== 0x20) return null;
  const hour = two(p);
  if (hour < 0 || at(p + 2) !== 0x3a) return null;
  const min = two(p + 3);
  if (min < 0 || at(p + 5) !== 0x3a) return null;
  const sec = two(p + 6);
  if (sec < 0) return null;
  p += 8;
  if (fmt === 'isoc') {
    if (at(p++) !== 0x20) return null;
    const hi = two(p);
    const lo = two(p + 2);
    if (hi < 0 || lo < 0) return null;
    year = hi * 100 + lo;
  }

  if (hour > 23 || min > 59 || sec > 59) return null;
  if (day === 29 && month === 1) {
    if ((year & 3) !== 0 || (year % 100 === 0 && year % 400 !== 0)) return null;
  } else if (day > (MONTH_DAYS[month] ?? 0)) {
    return null;
  }
  // nginx counts days with Gauss' formula; Date gives the same second (a day 00 included: the day
  // before the 1st). setUTCFullYear, since Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, min, sec, 0);
  return date.getTime() / 1000;
}
