// Runs one corpus against nginx and Berth, prints the pass rate and every difference, and checks
// each difference against allowlist.json (entries are matched by case name and field; a corpus
// only judges the entries whose case it contains, so each test file can check for stale ones).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compare, send, type CorpusCase, type Difference, type Reply, type Sender } from './harness.js';

interface Allowed {
  case: string;
  field: string;
  reason: string;
  owner: string;
  /** A known difference that does not show in every run: exempt from the stale check. */
  unstable?: boolean;
}

const allowlist = JSON.parse(readFileSync(new URL('../../../test/conformance/allowlist.json', import.meta.url), 'utf8')) as { normalizations: Array<{ id: string }>; differences: Allowed[] };
const normalizations = new Set(allowlist.normalizations.map((n) => n.id));

const title = (body: string) => /<title>([^<]*)<\/title>[\s\S]*<h1>([^<]*)<\/h1>/.exec(body)?.slice(1).join('|') ?? null;

const FORWARDING = new Set(['x-real-ip', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded'].map((h) => `upstream header ${h}`));

/** The documented normalizations of allowlist.json, applied to one difference. */
function normalized(d: Difference, n: Reply, b: Reply): boolean {
  if (normalizations.has('content-type-charset') && d.field === 'header content-type' && d.berth === `${d.nginx}; charset=utf-8`) return true;
  if (normalizations.has('berth-forwarding-headers') && FORWARDING.has(d.field) && (d.nginx === '(none)' || d.berth === `${d.nginx}, 127.0.0.1`)) return true;
  if (normalizations.has('upstream-http-1.1') && d.field === 'upstream http version' && d.nginx === '1.0' && d.berth === '1.1') return true;
  if (normalizations.has('error-page-layout') && n.status >= 300 && n.status === b.status && (d.field === 'body' || d.field === 'header content-length')) {
    const tn = title(n.body.toString('utf8'));
    return tn !== null && tn === title(b.body.toString('utf8'));
  }
  return false;
}

export interface CorpusResult {
  size: number;
  identical: number;
  differences: Difference[];
}

/** Sends every case to both servers in order (HTTP/1.1 unless `sender` says otherwise) and asserts that each difference is allowlisted. */
export async function runCorpus(label: string, corpus: readonly CorpusCase[], nginxPort: number, berthPort: number, sender: Sender = send): Promise<CorpusResult> {
  const names = new Set(corpus.map((c) => c.name));
  assert.equal(names.size, corpus.length, 'case names are unique (the allowlist refers to them)');
  const answers = new Map<string, { n: Reply; b: Reply }>();
  const differences: Difference[] = [];
  let identicalRaw = 0;
  for (const c of corpus) {
    const prev = c.previous ? answers.get(c.previous) : undefined;
    const n = await sender(nginxPort, c, prev && c.fromPrevious ? c.fromPrevious(prev.n) : {});
    const b = await sender(berthPort, c, prev && c.fromPrevious ? c.fromPrevious(prev.b) : {});
    answers.set(c.name, { n, b });
    const raw = compare(c.name, n, b, nginxPort, berthPort, c.compareHeaders);
    if (raw.length === 0) identicalRaw++;
    differences.push(...raw.filter((d) => !normalized(d, n, b)));
  }
  const allowed = (d: Difference) => allowlist.differences.some((a) => a.case === d.case && a.field === d.field);
  const failing = new Set(differences.map((d) => d.case));
  const unexplained = differences.filter((d) => !allowed(d));
  const identical = corpus.length - failing.size;
  const pct = (k: number) => `${((100 * k) / corpus.length).toFixed(1)} %`;
  const sameStatus = corpus.filter((c) => answers.get(c.name)?.n.status === answers.get(c.name)?.b.status).length;
  console.log(
    `conformance corpus (${label}): ${corpus.length} requests against real nginx; same status: ${sameStatus}/${corpus.length}; ` +
      `byte-identical (status, compared headers, body): ${identicalRaw}/${corpus.length} (${pct(identicalRaw)}); ` +
      `identical after the documented normalizations (allowlist.json): ${identical}/${corpus.length} (${pct(identical)}); ` +
      `${differences.length} remaining field difference(s), ${differences.length - unexplained.length} allowlisted, ${unexplained.length} unexplained`,
  );
  for (const d of differences) console.log(`  ${allowed(d) ? 'allowed ' : 'UNEXPLAINED'} ${d.case} — ${d.field}: nginx ${JSON.stringify(d.nginx)} / berth ${JSON.stringify(d.berth)}`);
  const stale = allowlist.differences.filter((a) => names.has(a.case) && a.unstable !== true && !differences.some((d) => d.case === a.case && d.field === a.field));
  assert.deepEqual(stale.map((a) => `${a.case} — ${a.field}`), [], 'allowlist entries that no longer differ: remove them');
  assert.deepEqual(unexplained, [], 'differences from nginx that are neither fixed nor allowlisted');
  return { size: corpus.length, identical, differences };
}
