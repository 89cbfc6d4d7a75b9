// The dashboard's Content-Security-Policy, enforced twice: the admin server sends it
// (server-core/admin/dashboard-files.ts), and the Electron session sets it again on every
// admin-origin response, so a response that lacks it (an API error page, a future route) is
// still covered inside the app window.
export { dashboardCsp } from '../server-core/admin/dashboard-files.js';

/** `headers` with every spelling of `name` replaced by one entry. HTTP header names are case-insensitive (RFC 9110 §5.1). */
export function withHeader(headers: Record<string, string[]>, name: string, value: string): Record<string, string[]> {
  const lower = name.toLowerCase();
  const out: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() !== lower) out[key] = values;
  out[name] = [value];
  return out;
}
