// A small line diff for the apply flow's review step (draft vs the running config, as JSON or as
// nginx text). Common head and tail are cut first; the middle is an LCS table, which is exact and
// fast for config-sized inputs. Past MAX_CELLS the middle is shown as removed + added (still correct,
// just not minimal), so a huge paste cannot freeze the page.
export type DiffOp = 'same' | 'add' | 'del';

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line numbers in the old / new text; null on the side the line is not in. */
  oldNo: number | null;
  newNo: number | null;
}

export interface DiffHunk {
  lines: DiffLine[];
}

const MAX_CELLS = 4_000_000;

export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every line of both texts in order, marked same / del / add. */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;

  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: 'same', text: a[i] ?? '', oldNo: i + 1, newNo: i + 1 });
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const [op, ai, bi] of middle(midA, midB)) {
    if (op === 'same') out.push({ op, text: midA[ai] ?? '', oldNo: head + ai + 1, newNo: head + bi + 1 });
    else if (op === 'del') out.push({ op, text: midA[ai] ?? '', oldNo: head + ai + 1, newNo: null });
    else out.push({ op, text: midB[bi] ?? '', oldNo: null, newNo: head + bi + 1 });
  }
  for (let k = 0; k < tail; k++) {
    const ai = a.length - tail + k;
    const bi = b.length - tail + k;
    out.push({ op: 'same', text: a[ai] ?? '', oldNo: ai + 1, newNo: bi + 1 });
  }
  return out;
}

/** [op, index in a, index in b] for the differing middle part. */
function middle(a: string[], b: string[]): [DiffOp, number, number][] {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0 || n * m > MAX_CELLS) {
    return [...a.map((_, i) => ['del', i, -1] as [DiffOp, number, number]), ...b.map((_, j) => ['add', -1, j] as [DiffOp, number, number])];
  }
  // lcs[i][j] = length of the LCS of a[i..] and b[j..], in one flat array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[i] === b[j] ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1 : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  const ops: [DiffOp, number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) ops.push(['same', i++, j++]);
    else if ((lcs[(i + 1) * w + j] ?? 0) >= (lcs[i * w + j + 1] ?? 0)) ops.push(['del', i++, -1]);
    else ops.push(['add', -1, j++]);
  }
  while (i < n) ops.push(['del', i++, -1]);
  while (j < m) ops.push(['add', -1, j++]);
  return ops;
}

/** The changed lines with `context` unchanged lines around each change; an empty list when equal. */
export function diffHunks(lines: readonly DiffLine[], context = 3): DiffHunk[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op === 'same') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const hunks: DiffHunk[] = [];
  let current: DiffLine[] | null = null;
  lines.forEach((l, i) => {
    if (!keep[i]) {
      current = null;
      return;
    }
    if (current === null) {
      current = [];
      hunks.push({ lines: current });
    }
    current.push(l);
  });
  return hunks;
}

export function countChanges(lines: readonly DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === 'add') added++;
    else if (l.op === 'del') removed++;
  }
  return { added, removed };
}
