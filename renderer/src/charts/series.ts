// Turns a metrics query into chart columns: per-second rates, stacked status classes, and the
// axis units. DOM-free, so the math has specs (renderer/spec/charts.spec.ts).
import type { MetricsPoints } from '../../../server-core/contract/metrics.js';

/** Counts per step → per second. */
export function perSecond(values: readonly number[], step: number): number[] {
  return values.map((v) => v / step);
}

/**
 * Status classes stacked for drawing: row i is the sum of classes 0…i, per second. Drawn from the
 * top row down, each filled to the axis, the bands show each class's share; the top is the total.
 */
export function stackedStatus(points: MetricsPoints, step: number): number[][] {
  const out: number[][] = [];
  let running = new Array<number>(points.t.length).fill(0);
  for (const cls of points.status) {
    running = running.map((v, i) => v + (cls[i] ?? 0) / step);
    out.push(running);
  }
  return out;
}

/** Largest unit of bytes that keeps the number ≥ 1. */
export function byteUnit(max: number): { unit: 'B' | 'KiB' | 'MiB' | 'GiB'; div: number } {
  if (max >= 1024 ** 3) return { unit: 'GiB', div: 1024 ** 3 };
  if (max >= 1024 ** 2) return { unit: 'MiB', div: 1024 ** 2 };
  if (max >= 1024) return { unit: 'KiB', div: 1024 };
  return { unit: 'B', div: 1 };
}

/** Share of 5xx answers (0…1), or null without requests. */
export function errorRate(requests: number, errors: number): number | null {
  return requests > 0 ? errors / requests : null;
}

/** A short number: 0.42, 3.1, 27, 1.2k. */
export function compact(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const a = Math.abs(n);
  if (a >= 1e6) return `${(n / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${(n / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10 || Number.isInteger(n)) return String(Math.round(n));
  return n.toFixed(a >= 1 ? 1 : 2);
}

/** Milliseconds with sensible precision: 0.08 ms, 4.2 ms, 130 ms, 2.5 s. */
export function latencyText(ms: number | null): string {
  if (ms === null) return '–';
  if (ms === 0) return '0';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  if (ms >= 100) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}
