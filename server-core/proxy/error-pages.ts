// nginx-like error pages and status texts (ngx_http_special_response.c), branded `berth`.
import { STATUS_CODES } from 'node:http';

/** nginx's own reason phrases where they differ from Node's. */
const NGINX_STATUS_TEXT: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Authorization Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Not Allowed',
  408: 'Request Time-out',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Large',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

export const SERVER_HEADER = 'berth';

export function statusText(status: number): string {
  return NGINX_STATUS_TEXT[status] ?? STATUS_CODES[status] ?? 'Unknown';
}

export function errorPageHtml(status: number): string {
  const title = `${status} ${statusText(status)}`;
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>${SERVER_HEADER}</center></body></html>`;
}

/** Statuses whose responses never carry a body (RFC 9110 §6.4.1). */
export function isBodyless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}

/**
 * Codes ≥ 300 nginx has a built-in page for (ngx_http_error_pages in ngx_http_special_response.c);
 * for the others (418, 422, 506…) it sends an empty body.
 */
const BUILT_IN_PAGES = new Set([301, 302, 303, 307, 308, 400, 401, 402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 421, 429, 494, 495, 496, 497, 498, 500, 501, 502, 503, 504, 505, 507]);

export function hasBuiltInPage(status: number): boolean {
  return BUILT_IN_PAGES.has(status);
}
