import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ValidationIssue } from '../contract/api.js';
import type { BerthConfigInput } from './schema.js';
import { formatIssues, validateConfig } from './validate.js';

type SiteInput = NonNullable<BerthConfigInput['sites']>[number];

const site = (id: string, extra: Partial<SiteInput> = {}): SiteInput => ({ id, names: [`${id}.localhost`], root: `/srv/${id}`, ...extra });
const config = (sites: SiteInput[], settings?: BerthConfigInput['settings']): BerthConfigInput => ({
  schemaVersion: 1,
  ...(settings ? { settings } : {}),
  sites,
});

function issuesOf(input: unknown): ValidationIssue[] {
  const result = validateConfig(input);
  assert.equal(result.ok, false, 'expected the config to be refused');
  return result.ok ? [] : result.issues;
}

/** Exactly one issue, at `path`, whose message matches `message`. */
function assertOneIssue(input: unknown, path: string, message: RegExp): void {
  const issues = issuesOf(input);
  assert.deepEqual(
    issues.map((i) => i.path),
    [path],
    `issues: ${formatIssues(issues)}`,
  );
  assert.match(issues[0]?.message ?? '', message);
}

describe('validateConfig: schema errors', () => {
  it('accepts a good config and fills defaults', () => {
    const result = validateConfig(config([site('a')]));
    assert.ok(result.ok);
    assert.deepEqual(result.config.settings, { httpPort: 8080, httpsPort: 8443 });
    assert.deepEqual(result.config.sites[0]?.index, ['index.html']);
  });

  it('maps zod errors to dotted paths with plain messages', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      settings: { httpPort: '80' },
      sites: [{ id: 'Bad Id', names: ['ok.localhost', ''], listen: [{ port: 70000 }], root: '/srv' }],
    });
    assert.deepEqual(issues, [
      { path: 'settings.httpPort', message: 'expected a number, got text "80"' },
      { path: 'sites.0.id', message: 'use lowercase letters, digits and dashes (max 63)' },
      { path: 'sites.0.names.1', message: 'a server name cannot be empty' },
      { path: 'sites.0.listen.0.port', message: 'a port is a number from 0 to 65535' },
    ]);
  });

  it('reports a missing field, an unknown field and a wrong handler type', () => {
    const issues = issuesOf({
      schemaVersion: 1,
      sites: [{ id: 'a', root: '/srv', lisen: [], locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'php' } }] }],
    });
    assert.deepEqual(issues, [
      { path: 'sites.0.names', message: 'this field is required' },
      { path: 'sites.0.locations.0.handler.type', message: 'must be one of "static", "return", "proxy", "uwsgi", "fastcgi", "app"' },
      { path: 'sites.0.lisen', message: 'unknown field "lisen" (check the spelling)' },
    ]);
  });

  it('names the supported schemaVersion', () => {
    assertOneIssue({ schemaVersion: 7 }, 'schemaVersion', /unsupported config schemaVersion 7: this Berth reads version 1/);
    assertOneIssue({}, 'schemaVersion', /schemaVersion is required/);
  });

  it('refuses something that is not an object at the root path', () => {
    assertOneIssue('sites: []', '', /expected an object, got text/);
    assert.equal(formatIssues(issuesOf(null)), '  (config): expected an object, got null');
  });
});

describe('validateConfig: semantic checks', () => {
  it('duplicate site ids', () => {
    assertOneIssue(config([site('a'), site('b'), site('a', { names: ['other.localhost'] })]), 'sites.2.id', /already used by sites\.0/);
  });

  it('the same server name on the same port in two sites (nginx "conflicting server name")', () => {
    assertOneIssue(
      config([site('a', { names: ['shop.localhost'] }), site('b', { names: ['blog.localhost', 'SHOP.localhost'] })]),
      'sites.1.names.1',
      /conflicting server name "SHOP\.localhost" on port 8080: sites\.0 \("a"\)/,
    );
  });

  it('the same server name on different ports is fine', () => {
    const result = validateConfig(config([site('a', { names: ['x.localhost'] }), site('b', { names: ['x.localhost'], listen: [{ port: 9000 }] })]));
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
  });

  it('two default servers on one port', () => {
    assertOneIssue(
      config([site('a', { listen: [{ port: 8080, defaultServer: true }] }), site('b', { listen: [{ port: 9000 }, { port: 8080, defaultServer: true }] })]),
      'sites.1.listen.1.defaultServer',
      /port 8080 already has a default server \(sites\.0 \("a"\)\)/,
    );
  });

  it('a port that is TLS for one site and plain HTTP for another', () => {
    const result = validateConfig(config([site('a', { listen: [{ port: 8443, tls: true }] }), site('b', { listen: [{ port: 8443 }] })]));
    assert.equal(result.ok, false);
    const issue = result.ok ? undefined : result.issues.find((i) => i.path === 'sites.1.listen.0');
    assert.match(issue?.message ?? '', /port 8443 is TLS for sites\.0 \("a"\) but plain HTTP here/);
  });

  it('regex server names read as PCRE: nginx recipes\' (?P<sub>…) works, a PCRE-only construct is named', () => {
    assertOneIssue(config([site('a', { names: ['a.localhost', '~^(?>www\\.)?(.+)\\.test$'] })]), 'sites.0.names.1', /regex server name does not compile: the atomic group .* is PCRE-only/);
    assert.ok(validateConfig(config([site('a', { names: ['~^(?<sub>[a-z]+)\\.localhost$', '~^(?P<name>.+)\\.example\\.test$'] })])).ok);
  });

  it('wildcards anywhere but a whole first or last label', () => {
    assertOneIssue(config([site('a', { names: ['www.*.localhost'] })]), 'sites.0.names.0', /invalid wildcard name/);
    assert.ok(validateConfig(config([site('a', { names: ['*.a.localhost', 'www.a.*'] })])).ok);
  });

  it('regex locations that do not compile, or use a PCRE-only construct (which JavaScript would read otherwise)', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'regex-i', path: '\\.(png|jpg$' }, handler: { type: 'static' } }] })]),
      'sites.0.locations.0.match.path',
      /location regex does not compile/,
    );
    // `\A` is a plain "A" to JavaScript: it would compile and match something else.
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'regex', path: '\\A/api/' }, handler: { type: 'static' } }] })]),
      'sites.0.locations.0.match.path',
      /location regex does not compile: `\\A` \(start of subject\) is PCRE-only/,
    );
  });

  it('exact and prefix locations must start with "/"', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'prefix', path: 'static' }, handler: { type: 'static' } }] })]),
      'sites.0.locations.0.match.path',
      /must start with "\/"/,
    );
  });

  it('a static handler with both root and alias', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'prefix', path: '/files/' }, handler: { type: 'static', root: '/srv/r', alias: '/srv/x/' } }] })]),
      'sites.0.locations.0.handler.alias',
      /root or alias, not both/,
    );
  });

  it('root and alias must be absolute', () => {
    const issues = issuesOf(
      config([
        site('a', { root: 'www' }),
        site('b', { locations: [{ match: { kind: 'prefix', path: '/x/' }, handler: { type: 'static', alias: 'files/' } }] }),
        site('c', { locations: [{ match: { kind: 'prefix', path: '/' }, handler: { type: 'static', root: './public' } }] }),
      ]),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['sites.0.root', 'sites.1.locations.0.handler.alias', 'sites.2.locations.0.handler.root'],
    );
    assert.match(issues[0]?.message ?? '', /root must be an absolute folder path, got "www"/);
  });

  it('the nginx alias traversal trap: location without "/" and alias with "/"', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'prefix', path: '/static' }, handler: { type: 'static', alias: '/srv/files/' } }] })]),
      'sites.0.locations.0.handler.alias',
      /"\/static\.\.\/secret" would read "\/srv\/files\/\.\.\/secret".*end both with "\/"/,
    );
    // Both with a slash, neither with a slash, and exact locations are safe.
    const safe = validateConfig(
      config([
        site('a', {
          locations: [
            { match: { kind: 'prefix-stop', path: '/static/' }, handler: { type: 'static', alias: '/srv/files/' } },
            { match: { kind: 'prefix', path: '/img' }, handler: { type: 'static', alias: '/srv/images' } },
            { match: { kind: 'exact', path: '/logo' }, handler: { type: 'static', alias: '/srv/logo/' } },
          ],
        }),
      ]),
    );
    assert.ok(safe.ok, safe.ok ? '' : formatIssues(safe.issues));
  });

  it('the alias trap is found on prefix-stop (^~) locations too', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'prefix-stop', path: '/dl' }, handler: { type: 'static', alias: '/srv/dl/' } }] })]),
      'sites.0.locations.0.handler.alias',
      /nginx alias traversal/,
    );
  });

  it('a 3xx return without a URL', () => {
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'exact', path: '/old' }, handler: { type: 'return', status: 301 } }] })]),
      'sites.0.locations.0.handler.body',
      /return 301 is a redirect and needs a URL/,
    );
    assertOneIssue(
      config([site('a', { locations: [{ match: { kind: 'exact', path: '/old' }, handler: { type: 'return', status: 302, body: '/new\r\nSet-Cookie: x=1' } }] })]),
      'sites.0.locations.0.handler.body',
      /cannot contain spaces or control characters/,
    );
    // Other codes take text, which may be empty.
    assert.ok(validateConfig(config([site('a', { locations: [{ match: { kind: 'exact', path: '/gone' }, handler: { type: 'return', status: 410 } }] })])).ok);
  });

  it('two identical exact locations in one site (nginx "duplicate location")', () => {
    assertOneIssue(
      config([
        site('a', {
          locations: [
            { match: { kind: 'exact', path: '/health' }, handler: { type: 'return', status: 200, body: 'ok' } },
            { match: { kind: 'prefix', path: '/health' }, handler: { type: 'static' } },
            { match: { kind: 'exact', path: '/health' }, handler: { type: 'return', status: 204 } },
          ],
        }),
      ]),
      'sites.0.locations.2.match.path',
      /duplicate exact location "\/health" \(also sites\.0\.locations\.0\)/,
    );
  });

  it('a prefix and a ^~ prefix with the same path are duplicates in nginx', () => {
    assertOneIssue(
      config([
        site('a', {
          locations: [
            { match: { kind: 'prefix', path: '/api/' }, handler: { type: 'static' } },
            { match: { kind: 'prefix-stop', path: '/api/' }, handler: { type: 'static' } },
          ],
        }),
      ]),
      'sites.0.locations.1.match.path',
      /duplicate prefix location/,
    );
  });

  it('a site without root whose static handlers have no root or alias', () => {
    assertOneIssue(config([site('a', { root: undefined })]), 'sites.0.root', /serves its root folder.*set root/);
    assertOneIssue(
      config([
        site('b', {
          root: undefined,
          locations: [
            { match: { kind: 'prefix', path: '/docs/' }, handler: { type: 'static', alias: '/srv/docs/' } },
            { match: { kind: 'prefix', path: '/' }, handler: { type: 'static' } },
          ],
        }),
      ]),
      'sites.0.locations.1.handler',
      /no root or alias and the site has no root either/,
    );
  });

  it('http and https default ports equal', () => {
    assertOneIssue(config([site('a')], { httpPort: 9000, httpsPort: 9000 }), 'settings.httpsPort', /both 9000/);
    // Port 0 means "any free port": two zeros get two different ports.
    assert.ok(validateConfig(config([site('a')], { httpPort: 0, httpsPort: 0 })).ok);
  });

  it('reports every problem at once, in a stable order', () => {
    const issues = issuesOf(
      config(
        [
          site('a', { root: 'rel' }),
          site('a', {
            names: ['a.localhost'],
            locations: [{ match: { kind: 'prefix', path: '/s' }, handler: { type: 'static', alias: '/x/' } }],
          }),
        ],
        { httpPort: 1, httpsPort: 1 },
      ),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['settings.httpsPort', 'sites.1.id', 'sites.1.names.0', 'sites.0.root', 'sites.1.locations.0.handler.alias'],
    );
  });
});

describe('validateConfig: error pages', () => {
  const pages = (errorPages: unknown) => config([site('a', { errorPages } as Partial<SiteInput>)]);

  it('accepts nginx\'s forms: codes, a URI or URL target, `=CODE` and `=` (page); a location\'s own list is optional', () => {
    const result = validateConfig(
      config([
        site('a', {
          errorPages: [
            { codes: [404], target: '/404.html' },
            { codes: [500, 502, 503, 504], target: '/50x.html?from=$uri', response: 200 },
            { codes: [403], target: 'https://example.test/denied', response: 'page' },
          ],
          locations: [
            { match: { kind: 'exact', path: '/50x.html' }, handler: { type: 'static' }, internal: true },
            { match: { kind: 'prefix', path: '/api/' }, handler: { type: 'proxy', url: 'http://127.0.0.1:3000' }, interceptErrors: true, errorPages: [{ codes: [404], target: '/404.html' }] },
          ],
        }),
      ]),
    );
    assert.ok(result.ok, result.ok ? '' : formatIssues(result.issues));
    assert.equal(result.config.sites[0]?.locations[0]?.errorPages, undefined);
    assert.equal(result.config.sites[0]?.locations[0]?.interceptErrors, false);
    const plain = validateConfig(config([site('b')]));
    assert.deepEqual(plain.ok ? plain.config.sites[0]?.errorPages : null, []);
  });

  it('refuses statuses nginx refuses (outside 300–599, 499) at the code', () => {
    assertOneIssue(pages([{ codes: [404, 200], target: '/x' }]), 'sites.0.errorPages.0.codes.1', /from 300 to 599/);
    assertOneIssue(pages([{ codes: [499], target: '/x' }]), 'sites.0.errorPages.0.codes.0', /499/);
    assertOneIssue(pages([{ codes: [], target: '/x' }]), 'sites.0.errorPages.0.codes', /at least one status code/);
    assertOneIssue(pages([{ codes: [497], target: 'https://$host$request_uri' }]), 'sites.0.errorPages.0.codes.0', /before any site is chosen/);
  });

  it('refuses named locations, an empty target, line breaks, and spaces in a URL', () => {
    assertOneIssue(pages([{ codes: [404], target: '@fallback' }]), 'sites.0.errorPages.0.target', /named location.*Berth does not have/);
    assertOneIssue(pages([{ codes: [404], target: '' }]), 'sites.0.errorPages.0.target', /needs a target/);
    assertOneIssue(pages([{ codes: [404], target: '/a\nb' }]), 'sites.0.errorPages.0.target', /line breaks/);
    assertOneIssue(pages([{ codes: [404], target: 'https://x.test/a b' }]), 'sites.0.errorPages.0.target', /spaces/);
    // A URI may hold a space (an internal redirect, not a header).
    assert.ok(validateConfig(pages([{ codes: [404], target: '/a b.html' }])).ok);
  });

  it('refuses a response code with no body or out of range', () => {
    assertOneIssue(pages([{ codes: [404], target: '/x', response: 204 }]), 'sites.0.errorPages.0.response', /carries no body/);
    assertOneIssue(pages([{ codes: [404], target: '/x', response: 100 }]), 'sites.0.errorPages.0.response', /from 200 to 599/);
  });

  it('checks a location\'s own list, and interceptErrors only where an upstream answers', () => {
    const locations = [
      { match: { kind: 'prefix' as const, path: '/s/' }, handler: { type: 'static' as const }, interceptErrors: true },
      { match: { kind: 'prefix' as const, path: '/r/' }, handler: { type: 'return' as const, status: 404 }, errorPages: [{ codes: [404], target: '@x' }] },
    ];
    const issues = issuesOf(config([site('a', { locations })]));
    assert.deepEqual(issues.map((i) => i.path), ['sites.0.locations.0.interceptErrors', 'sites.0.locations.1.errorPages.0.target']);
    assert.match(issues[0]?.message ?? '', /proxy, uwsgi, FastCGI and app locations/);
  });
});

describe('formatIssues', () => {
  it('prints one indented line per issue', () => {
    assert.equal(
      formatIssues([
        { path: 'sites.0.names.1', message: 'conflicting server name' },
        { path: 'settings.httpPort', message: 'expected a number' },
      ]),
      '  sites.0.names.1: conflicting server name\n  settings.httpPort: expected a number',
    );
  });
});
