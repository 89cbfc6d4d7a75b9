// Small helpers for JSON in and out of the admin API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody, ApiErrorCode, ApplyRefusal, ValidationIssue } from '../contract/api.js';

/** Headers on every admin response: nothing here may be framed, sniffed or cached by a browser. */
export const baseSecurityHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    ...baseSecurityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(data.length),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(data);
}

export function sendError(
  res: ServerResponse,
  status: number,
  code: ApiErrorCode,
  message: string,
  extra: { path?: string; issues?: ValidationIssue[]; headers?: Record<string, string>; refused?: ApplyRefusal } = {},
): void {
  const body: ApiErrorBody = { error: { code, message } };
  if (extra.path !== undefined) body.error.path = extra.path;
  if (extra.issues !== undefined) body.error.issues = extra.issues;
  if (extra.refused !== undefined) body.error.refused = extra.refused;
  sendJson(res, status, body, extra.headers);
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON body of at most `limit` bytes. Throws HttpError with the right status otherwise. */
export async function readJsonBody(req: IncomingMessage, limit = 1024 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'BERTH_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new HttpError(413, 'BERTH_ERR_PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'BERTH_ERR_PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', 'the body is empty: send a JSON document');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new HttpError(400, 'BERTH_ERR_BAD_REQUEST', `the body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** 409: the proxy kept its previous config; the message says why and which version serves. */
export function sendRefusal(res: ServerResponse, refused: ApplyRefusal): void {
  const serving = refused.restored === null ? 'the previous config still serves' : `the previous config serves again as version ${refused.restored}`;
  sendError(res, 409, 'BERTH_ERR_APPLY_REFUSED', `the proxy could not run version ${refused.version} (${refused.message}); ${serving}`, { refused });
}
