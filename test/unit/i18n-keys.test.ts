// The dashboard's translations stay complete: both locales have the same keys, no message is
// empty, every message compiles, placeholders match, and every key the code uses exists.
// Runs from the repo root (paths relative to process.cwd()), on the source files themselves.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createI18n } from 'vue-i18n';

const root = process.cwd();
const srcDir = join(root, 'renderer', 'src');
const localesDir = join(srcDir, 'locales');
const LOCALES = ['en', 'zh-CN'] as const;

type Messages = { [key: string]: string | Messages };

function loadLocale(locale: string): Messages {
  return JSON.parse(readFileSync(join(localesDir, `${locale}.json`), 'utf8')) as Messages;
}

/** Leaf key paths (`nav.overview`) → message, and a list of leaves that are not strings. */
function flatten(messages: Messages, prefix = '', out = new Map<string, string>(), bad: string[] = []): { leaves: Map<string, string>; bad: string[] } {
  for (const [k, v] of Object.entries(messages)) {
    const path = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'string') out.set(path, v);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v)) flatten(v, path, out, bad);
    else bad.push(path);
  }
  return { leaves: out, bad };
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(vue|ts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

interface KeyUse {
  key: string;
  file: string;
  line: number;
}

// `t('a.b')`, `$t("a.b")`, `i18n.global.t(`a.b`)`: a `t` call not preceded by a word character.
const T_CALL = /(?<![\w$])\$?t\(\s*(['"`])((?:(?!\1).)*)\1/g;
// <i18n-t keypath="a.b"> and <i18n-t :keypath="'a.b'">
const KEYPATH_ATTR = /<i18n-t\b[^>]*?\skeypath\s*=\s*"([^"]*)"/g;
const KEYPATH_BOUND = /<i18n-t\b[^>]*?:keypath\s*=\s*"'([^']*)'"/g;

// Blanks out line comments, block comments and HTML comments, keeping line numbers.
function withoutComments(text: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return text
    .replace(/<!--[\s\S]*?-->/g, blank)
    .replace(/\/\*[\s\S]*?\*\//g, blank)
    .replace(/^[ \t]*\/\/.*$/gm, blank);
}

/** Every literal i18n key used in a file. Template literals with `${…}` are reported as dynamic. */
function findKeyUses(source: string, file: string): { uses: KeyUse[]; dynamic: KeyUse[] } {
  const text = withoutComments(source);
  const uses: KeyUse[] = [];
  const dynamic: KeyUse[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  for (const m of text.matchAll(T_CALL)) {
    const key = m[2] ?? '';
    const use = { key, file, line: lineOf(m.index) };
    if (m[1] === '`' && key.includes('${')) dynamic.push(use);
    else uses.push(use);
  }
  for (const re of [KEYPATH_ATTR, KEYPATH_BOUND]) {
    for (const m of text.matchAll(re)) uses.push({ key: m[1] ?? '', file, line: lineOf(m.index) });
  }
  return { uses, dynamic };
}

/** `{name}` placeholders of a message (vue-i18n named interpolation). */
function placeholders(message: string): string[] {
  return [...message.matchAll(/\{\s*([A-Za-z_][\w]*)\s*\}/g)].map((m) => m[1] ?? '').sort();
}

const locales = new Map(LOCALES.map((l) => [l, flatten(loadLocale(l))] as const));
/** en.json is the source of truth (the renderer types its messages from it). */
const en = flatten(loadLocale('en'));

describe('dashboard locales', () => {
  it('hold only nested objects with string messages', () => {
    for (const [locale, { bad }] of locales) {
      assert.deepEqual(bad, [], `${locale}.json: these keys are not strings or objects: ${bad.join(', ')}`);
    }
  });

  it('have the same keys in every locale', () => {
    const enKeys = [...en.leaves.keys()].sort();
    assert.ok(enKeys.length > 0, 'en.json has no messages');
    for (const [locale, { leaves }] of locales) {
      const keys = new Set(leaves.keys());
      const missing = enKeys.filter((k) => !keys.has(k));
      const extra: string[] = [...keys].filter((k) => !en.leaves.has(k)).sort();
      assert.deepEqual(missing, [], `${locale}.json is missing keys that en.json has: ${missing.join(', ')}`);
      assert.deepEqual(extra, [], `${locale}.json has keys that en.json lacks: ${extra.join(', ')}`);
    }
  });

  it('have no empty messages', () => {
    for (const [locale, { leaves }] of locales) {
      const empty = [...leaves].filter(([, v]) => v.trim() === '').map(([k]) => k);
      assert.deepEqual(empty, [], `${locale}.json has empty messages: ${empty.join(', ')}`);
    }
  });

  it('use the same placeholders in every locale', () => {
    for (const [locale, { leaves }] of locales) {
      for (const [key, enMessage] of en.leaves) {
        const message = leaves.get(key);
        if (message === undefined) continue; // reported by the key test
        assert.deepEqual(placeholders(message), placeholders(enMessage), `${locale}.json "${key}" has placeholders ${JSON.stringify(placeholders(message))}, en.json has ${JSON.stringify(placeholders(enMessage))}`);
      }
    }
  });

  // The dashboard's messages are plain text with named placeholders: vue-i18n must render each one
  // exactly as written. A stray `@` (linked message), `|` (plural forms) or brace would change it.
  it('render with vue-i18n exactly as written', () => {
    const problems: string[] = [];
    for (const locale of LOCALES) {
      const i18n = createI18n({
        legacy: false,
        locale,
        fallbackLocale: false,
        missingWarn: false,
        fallbackWarn: false,
        messages: { [locale]: loadLocale(locale) },
      });
      for (const [key, message] of locales.get(locale)?.leaves ?? []) {
        const params = Object.fromEntries(placeholders(message).map((p) => [p, `<${p}>`]));
        const expected = message.replace(/\{\s*([A-Za-z_]\w*)\s*\}/g, (_, p: string) => `<${p}>`);
        try {
          const out = i18n.global.t(key, params);
          if (out !== expected) problems.push(`${locale}.json "${key}" renders as ${JSON.stringify(out)}`);
        } catch (e) {
          problems.push(`${locale}.json "${key}": ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe('i18n keys used by renderer/src', () => {
  const files = sourceFiles(srcDir);
  const allUses: KeyUse[] = [];
  const allDynamic: KeyUse[] = [];
  for (const file of files) {
    const { uses, dynamic } = findKeyUses(readFileSync(file, 'utf8'), relative(root, file));
    allUses.push(...uses);
    allDynamic.push(...dynamic);
  }

  it('finds the keys the dashboard uses', () => {
    assert.ok(files.some((f) => f.endsWith('.vue')), 'no .vue files found under renderer/src');
    // The shell alone uses dozens of keys; finding none means the scanner broke.
    assert.ok(allUses.length >= 50, `only ${allUses.length} key uses found: the scanner no longer matches the code`);
  });

  it('exist in every locale', () => {
    for (const [locale, { leaves }] of locales) {
      const missing = allUses.filter((u) => !leaves.has(u.key)).map((u) => `${u.file}:${u.line} ${u.key}`);
      assert.deepEqual(missing, [], `keys used in code but missing from ${locale}.json`);
    }
  });

  it('are literal (dynamic keys cannot be checked: use a switch with one t() per key)', () => {
    assert.deepEqual(
      allDynamic.map((u) => `${u.file}:${u.line} ${u.key}`),
      [],
    );
  });

  it('the scanner matches t(), $t() and i18n-t keypath forms', () => {
    const sample = [
      `const a = t('x.one');`,
      `{{ $t("x.two") }}`,
      `i18n.global.t(\`x.three\`)`,
      `<i18n-t keypath="x.four" tag="p">`,
      `<i18n-t tag="p" :keypath="'x.five'">`,
      `text.split('not.a.key'); format('nor.this')`,
      `t(\`x.\${dynamic}\`)`,
      `// a comment about t('not.used')`,
      `/* nor t('in.a.block') */ <!-- nor t('in.html') -->`,
      `const last = t('x.six');`,
    ].join('\n');
    const { uses, dynamic } = findKeyUses(sample, 'sample.vue');
    assert.deepEqual(
      uses.map((u) => u.key),
      ['x.one', 'x.two', 'x.three', 'x.six', 'x.four', 'x.five'],
    );
    assert.equal(uses.find((u) => u.key === 'x.six')?.line, 10, 'line numbers survive comment stripping');
    assert.deepEqual(
      dynamic.map((u) => u.key),
      ['x.${dynamic}'],
    );
  });
});
