// Errors of the nginx config reader, worded like `nginx -t` with the column added:
// `unexpected "}" in /etc/nginx/nginx.conf:12:5`.
import { BerthError } from '../../errors.js';
import type { SourcePosition } from '../warnings.js';

export class NginxSyntaxError extends BerthError {
  readonly position: SourcePosition;

  constructor(message: string, at: SourcePosition) {
    super('BERTH_ERR_NGINX_SYNTAX', `${message} in ${at.file}:${at.line}:${at.column}`, {
      hint: 'fix the config at that place (`nginx -t` reports the same line); nothing was imported',
    });
    this.name = 'NginxSyntaxError';
    this.position = at;
  }
}

export class NginxIncludeError extends BerthError {
  constructor(message: string, at: SourcePosition | null, hint: string) {
    super('BERTH_ERR_NGINX_INCLUDE', at ? `${message} in ${at.file}:${at.line}:${at.column}` : message, { hint });
    this.name = 'NginxIncludeError';
  }
}
