// Upstream failures in nginx's words, so error.log reads like nginx's:
// "connect() failed (111: Connection refused) while connecting to upstream",
// "upstream timed out (110: Connection timed out) while reading response header from upstream".

/** What happened; decides 502 vs 504 and whether nginx's `proxy_next_upstream error timeout` applies. */
export type UpstreamErrorKind =
  /** Connection refused, reset, unreachable… (502; `error`). */
  | 'error'
  /** A connect/send/read timeout (504; `timeout`). */
  | 'timeout'
  /** The upstream answered something that is not valid HTTP (502; nginx `invalid_header`, not retried by default). */
  | 'invalid'
  /** The upstream closed before the response was complete (502; `error`). */
  | 'closed';

/** The phase, as nginx names it after "while". */
export type UpstreamPhase = 'connecting to upstream' | 'sending request to upstream' | 'reading response header from upstream' | 'reading upstream';

/** Linux errno numbers nginx prints; other platforms print the same numbers here for one log format. */
const ERRNO: Readonly<Record<string, [number, string]>> = {
  ECONNREFUSED: [111, 'Connection refused'],
  ECONNRESET: [104, 'Connection reset by peer'],
  EPIPE: [32, 'Broken pipe'],
  EHOSTUNREACH: [113, 'No route to host'],
  ENETUNREACH: [101, 'Network is unreachable'],
  ETIMEDOUT: [110, 'Connection timed out'],
  ENOENT: [2, 'No such file or directory'],
  EACCES: [13, 'Permission denied'],
  EADDRNOTAVAIL: [99, 'Cannot assign requested address'],
  ENOTFOUND: [0, 'host not found'],
  EAI_AGAIN: [0, 'host not found'],
};

export class UpstreamError extends Error {
  readonly code: string;

  constructor(
    readonly kind: UpstreamErrorKind,
    readonly phase: UpstreamPhase,
    detail?: string,
  ) {
    super(detail ?? UpstreamError.defaultText(kind, phase));
    this.code = kind === 'timeout' ? 'BERTH_ERR_UPSTREAM_TIMEOUT' : 'BERTH_ERR_UPSTREAM';
  }

  static fromErrno(e: NodeJS.ErrnoException, phase: UpstreamPhase): UpstreamError {
    const known = e.code !== undefined ? ERRNO[e.code] : undefined;
    const why = known ? `(${known[0]}: ${known[1]})` : `(${e.code ?? 'error'}: ${e.message})`;
    const call = phase === 'connecting to upstream' ? 'connect()' : phase === 'sending request to upstream' ? 'writev()' : 'recv()';
    return new UpstreamError('error', phase, `${call} failed ${why} while ${phase}`);
  }

  private static defaultText(kind: UpstreamErrorKind, phase: UpstreamPhase): string {
    switch (kind) {
      case 'timeout':
        return `upstream timed out (110: Connection timed out) while ${phase}`;
      case 'closed':
        return `upstream prematurely closed connection while ${phase}`;
      case 'invalid':
        return `upstream sent invalid header while ${phase}`;
      case 'error':
        return `upstream connection failed while ${phase}`;
    }
  }

  /** The status nginx answers with when nothing was sent to the client yet. */
  get status(): 502 | 504 {
    return this.kind === 'timeout' ? 504 : 502;
  }
}
