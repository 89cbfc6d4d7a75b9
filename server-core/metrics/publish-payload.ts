// Checks a `metrics` publish from a child before anything of it is counted or stored: the shape in
// contract/metrics.ts, finite non-negative numbers, a sane second and bounded sizes.
import type { MetricsPublish, MetricsSample } from '../contract/metrics.js';
import { BUCKETS } from './histogram.js';

const MAX_SAMPLES = 10_000;
const MAX_KEY_LENGTH = 300;
/** A worker's clock is the supervisor's clock (same machine); a second further off is a bug. */
const MAX_SKEW_SECONDS = 24 * 3600;

function count(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function sample(v: unknown): v is MetricsSample {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  if (s.kind !== 'site' && s.kind !== 'upstream') return false;
  if (typeof s.key !== 'string' || s.key.length === 0 || s.key.length > MAX_KEY_LENGTH) return false;
  if (!count(s.requests) || !count(s.bytesIn) || !count(s.bytesOut) || !count(s.latencyMsSum)) return false;
  if (!Array.isArray(s.status) || s.status.length !== 5 || !s.status.every(count)) return false;
  const h = s.hist;
  if (!Array.isArray(h) || h.length % 2 !== 0 || h.length > 2 * BUCKETS) return false;
  for (let i = 0; i < h.length; i += 2) {
    if (!Number.isInteger(h[i]) || (h[i] as number) < 0 || (h[i] as number) >= BUCKETS || !Number.isSafeInteger(h[i + 1]) || (h[i + 1] as number) < 0) return false;
  }
  return true;
}

/** The payload when it is well formed, else null. */
export function parsePublish(data: unknown, nowMs: number): MetricsPublish | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (d.v !== 1 || !Number.isSafeInteger(d.second)) return null;
  if (Math.abs((d.second as number) - nowMs / 1000) > MAX_SKEW_SECONDS) return null;
  if (!Array.isArray(d.samples) || d.samples.length > MAX_SAMPLES || !d.samples.every(sample)) return null;
  return data as MetricsPublish;
}
