import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricsSample } from '../contract/metrics.js';
import { newHistogram, record, toSparse } from './histogram.js';
import { escapeLabelValue, formatPrometheus } from './prometheus.js';
import { SeriesAccum } from './series.js';

function accum(kind: 'site' | 'upstream', key: string, latencies: number[], status = 200): SeriesAccum {
  const h = newHistogram();
  for (const l of latencies) record(h, l);
  const st: MetricsSample['status'] = [0, 0, 0, 0, 0];
  st[Math.floor(status / 100) - 1] = latencies.length;
  const a = new SeriesAccum(kind, key);
  a.addSample({ kind, key, requests: latencies.length, bytesIn: 10 * latencies.length, bytesOut: 99 * latencies.length, status: st, latencyMsSum: latencies.reduce((x, y) => x + y, 0), hist: toSparse(h) });
  return a;
}

// The text format's grammar (https://prometheus.io/docs/instrumenting/exposition_formats/).
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const SAMPLE = new RegExp(`^(${NAME})(\\{${LABEL}(?:,${LABEL})*\\})? (\\S+)$`);
const HELP = new RegExp(`^# HELP (${NAME}) .+$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses and checks the whole exposition; throws on any rule broken. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  let family: string | null = null;
  const finished = new Set<string>();
  for (const line of text.slice(0, -1).split('\n')) {
    const help = HELP.exec(line);
    if (help) continue;
    const type = TYPE.exec(line);
    if (type) {
      const name = type[1] as string;
      assert.ok(!types.has(name), `TYPE ${name} given twice`);
      if (family) finished.add(family);
      types.set(name, type[2] as string);
      family = name;
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a valid sample line: ${line}`);
    const name = m[1] as string;
    const base = name.replace(/_(bucket|sum|count)$/, '');
    const owner = types.has(name) ? name : base;
    assert.equal(owner, family, `${name} is outside its family's block`);
    assert.ok(!finished.has(owner));
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      assert.ok(!(k as string in labels), `label ${k} repeated`);
      labels[k as string] = (v as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[3] as string;
    const value = raw === '+Inf' ? Infinity : Number(raw);
    assert.ok(!Number.isNaN(value), `bad value ${raw}`);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

describe('Prometheus text format', () => {
  it('follows the exposition rules: families, labels, cumulative histogram buckets', () => {
    const totals = [
      accum('site', 'welcome', [0.3, 0.3, 2, 40, 900, 70_000]),
      accum('site', 'api', [1, 1, 1], 503),
      accum('upstream', 'app/127.0.0.1:9000', [5, 6]),
    ];
    const { types, samples } = parseExposition(formatPrometheus(totals));
    assert.equal(types.get('berth_http_requests_total'), 'counter');
    assert.equal(types.get('berth_http_request_duration_seconds'), 'histogram');
    assert.equal(types.get('berth_upstream_requests_total'), 'counter');

    const req = samples.filter((s) => s.name === 'berth_http_requests_total' && s.labels.site === 'api');
    assert.equal(req.length, 5);
    assert.equal(req.find((s) => s.labels.class === '5xx')?.value, 3);
    assert.equal(req.find((s) => s.labels.class === '2xx')?.value, 0);

    const buckets = samples.filter((s) => s.name === 'berth_http_request_duration_seconds_bucket' && s.labels.site === 'welcome');
    const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
    assert.deepEqual([...les].sort((a, b) => a - b), les, 'le ascending');
    assert.equal(les.at(-1), Infinity);
    for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), 'cumulative');
    const count = samples.find((s) => s.name === 'berth_http_request_duration_seconds_count' && s.labels.site === 'welcome');
    assert.equal(count?.value, 6);
    assert.equal(buckets.at(-1)?.value, 6, '+Inf equals _count');
    // 0.3 ms twice: in by le=0.0004 s, not by 0.0002 s. 70 s is beyond the last finite bucket.
    assert.equal(buckets.find((b) => b.labels.le === '0.0002')?.value, 0);
    assert.equal(buckets.find((b) => b.labels.le === '0.0004')?.value, 2);
    assert.equal(buckets.find((b) => b.labels.le === '52.4288')?.value, 5);
    const sum = samples.find((s) => s.name === 'berth_http_request_duration_seconds_sum' && s.labels.site === 'welcome');
    assert.ok(Math.abs((sum?.value ?? 0) - 70.9426) < 1e-9);

    const up = samples.find((s) => s.name === 'berth_upstream_requests_total' && s.labels.class === '2xx');
    assert.deepEqual(up?.labels, { upstream: 'app', server: '127.0.0.1:9000', class: '2xx' });
    assert.equal(samples.find((s) => s.name === 'berth_http_response_bytes_total' && s.labels.site === 'api')?.value, 297);
  });

  it('escapes label values so no value can break out of its quotes or line', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    const { samples } = parseExposition(formatPrometheus([accum('upstream', 'u/\\\\.\\pipe\\x"y\nz', [1])]));
    assert.equal(samples[0]?.labels.server, '\\\\.\\pipe\\x"y\nz');
  });

  it('still declares every family when nothing was served yet', () => {
    const { types, samples } = parseExposition(formatPrometheus([]));
    assert.equal(samples.length, 0);
    assert.equal(types.size, 8);
  });
});
