// Semantic checks for site.access: allow/deny sources must parse as nginx would accept them, and
// the basic-auth user file must exist and hold entries the proxy can verify (nginx only finds a
// missing file on the first request, answering 500; Berth says so when the config is applied).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ValidationIssue } from '../contract/api.js';
import { parseCidr } from '../proxy/access/cidr.js';
import { parseHtpasswd } from '../proxy/access/htpasswd.js';
import type { BerthConfig } from './schema.js';

/** An htpasswd file larger than this is surely not one (a user line is under 100 bytes). */
const MAX_HTPASSWD_BYTES = 4 * 1024 * 1024;

export function checkAccessRules(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) =>
    site.access.rules.forEach((rule, j) => {
      const parsed = parseCidr(rule.source);
      if (!parsed.ok) issues.push({ path: `sites.${i}.access.rules.${j}.source`, message: parsed.message });
    }),
  );
  return issues;
}

export function checkHtpasswdFiles(config: BerthConfig): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  config.sites.forEach((site, i) => {
    const auth = site.access.basicAuth;
    if (!auth) return;
    const path = `sites.${i}.access.basicAuth.htpasswdFile`;
    const file = auth.htpasswdFile;
    if (!isAbsolute(file)) {
      issues.push({ path, message: `htpasswdFile must be an absolute file path, got "${file}"` });
      return;
    }
    let bytes: Buffer;
    try {
      const st = statSync(file);
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      if (st.size > MAX_HTPASSWD_BYTES) {
        issues.push({ path, message: `"${file}" is ${st.size} bytes, too large for an htpasswd file; check the path` });
        return;
      }
      bytes = readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'cannot be read (permission denied)' : code === 'EISDIR' ? 'is not a file' : `cannot be read (${code})`;
      issues.push({ path, message: `the htpasswd file "${file}" ${why}; create it with "htpasswd -cB ${file} USER"` });
      return;
    }
    const parsed = parseHtpasswd(bytes, file);
    for (const problem of parsed.problems) issues.push({ path, message: problem });
    if (parsed.problems.length === 0 && parsed.entries.size === 0) {
      issues.push({ path, message: `"${file}" has no users, so nobody could log in; add one with "htpasswd -B ${file} USER"` });
    }
  });
  return issues;
}
