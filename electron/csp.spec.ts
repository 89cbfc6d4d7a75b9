import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardCsp, withHeader } from './csp.js';

describe('csp', () => {
  it('replaces every spelling of the header with one value', () => {
    const out = withHeader({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] }, 'Content-Security-Policy', dashboardCsp);
    assert.deepEqual(out, { 'Content-Type': ['text/html'], 'Content-Security-Policy': [dashboardCsp] });
  });

  it('is the strict dashboard policy', () => {
    for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
      assert.ok(dashboardCsp.split('; ').includes(directive), directive);
    }
  });
});
