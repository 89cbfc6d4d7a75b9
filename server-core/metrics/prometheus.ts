// `/metrics` in the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format): one HELP and
// TYPE line per family, then its samples; label values escape `\`, `"` and newlines; histogram
// buckets are cumulative, end with le="+Inf" equal to _count, and carry _sum and _count.
// Counters are totals since this Berth process started (Prometheus handles the reset on restart).
import { BUCKETS, SUB_BUCKETS, bucketUpper } from './histogram.js';
import type { SeriesAccum } from './series.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * Exported `le` bounds: every 8th bucket edge (0.05 ms · 2^j, j = 0…20, so 0.05 ms … 52 s).
 * They are edges of the internal layout, so each cumulative count is exact, not estimated.
 */
const EXPORTED_EDGES: number[] = [];
for (let k = 0; k < BUCKETS - 1; k += SUB_BUCKETS) EXPORTED_EDGES.push(k);

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Sample values and bounds as Prometheus floats; bounds trimmed of binary noise (0.0064, not 0.006400000000000001). */
function num(n: number): string {
  if (n === Number.POSITIVE_INFINITY) return '+Inf';
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

type Labels = Array<[string, string]>;

function labelText(labels: Labels): string {
  return labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function seriesLabels(a: SeriesAccum): Labels {
  if (a.kind === 'site') return [['site', a.key]];
  const slash = a.key.indexOf('/');
  return slash < 0 ? [['upstream', a.key], ['server', '']] : [['upstream', a.key.slice(0, slash)], ['server', a.key.slice(slash + 1)]];
}

export function formatPrometheus(totals: readonly SeriesAccum[]): string {
  const out: string[] = [];
  const sorted = [...totals].sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind === 'site' ? -1 : 1));
  for (const kind of ['site', 'upstream'] as const) {
    const list = sorted.filter((a) => a.kind === kind);
    const prefix = kind === 'site' ? 'berth_http' : 'berth_upstream';
    const what = kind === 'site' ? 'requests served per site' : 'requests sent to each upstream server';

    out.push(`# HELP ${prefix}_requests_total Count of ${what}, by status class.`, `# TYPE ${prefix}_requests_total counter`);
    for (const a of list) {
      for (let c = 0; c < 5; c++) out.push(`${prefix}_requests_total${labelText([...seriesLabels(a), ['class', CLASSES[c] as string]])} ${num(a.status[c] ?? 0)}`);
    }
    out.push(`# HELP ${prefix}_request_bytes_total Request bytes (request line, headers, declared body) of ${what}.`, `# TYPE ${prefix}_request_bytes_total counter`);
    for (const a of list) out.push(`${prefix}_request_bytes_total${labelText(seriesLabels(a))} ${num(a.bytesIn)}`);
    out.push(`# HELP ${prefix}_response_bytes_total Response body bytes of ${what}.`, `# TYPE ${prefix}_response_bytes_total counter`);
    for (const a of list) out.push(`${prefix}_response_bytes_total${labelText(seriesLabels(a))} ${num(a.bytesOut)}`);

    const h = `${prefix}_request_duration_seconds`;
    out.push(`# HELP ${h} Latency of ${what}, in seconds.`, `# TYPE ${h} histogram`);
    for (const a of list) {
      const labels = seriesLabels(a);
      let cumulative = 0;
      let k = 0;
      for (const edge of EXPORTED_EDGES) {
        for (; k <= edge; k++) cumulative += a.hist[k] ?? 0;
        out.push(`${h}_bucket${labelText([...labels, ['le', num(bucketUpper(edge) / 1000)]])} ${num(cumulative)}`);
      }
      out.push(`${h}_bucket${labelText([...labels, ['le', '+Inf']])} ${num(a.requests)}`);
      out.push(`${h}_sum${labelText(labels)} ${num(a.latencyMsSum / 1000)}`);
      out.push(`${h}_count${labelText(labels)} ${num(a.requests)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
