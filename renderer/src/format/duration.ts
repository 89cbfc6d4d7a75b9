// Splits a duration into the two largest units we show ("3m 12s", "2h 5m"). Wording is i18n's job.

export type DurationParts =
  | { unit: 'seconds'; s: number }
  | { unit: 'minutes'; m: number; s: number }
  | { unit: 'hours'; h: number; m: number }
  | { unit: 'days'; d: number; h: number };

export function splitDuration(ms: number): DurationParts {
  const total = Math.max(0, Math.floor((Number.isFinite(ms) ? ms : 0) / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (d > 0) return { unit: 'days', d, h };
  if (h > 0) return { unit: 'hours', h, m };
  if (m > 0) return { unit: 'minutes', m, s };
  return { unit: 'seconds', s };
}
