// What an import could not carry over, with where it was written. Nothing is dropped silently:
// every directive the mapping does not turn into config becomes one of these.

export interface ImportWarning {
  /** The file the directive is in (absolute path, or the name given to the dashboard import). */
  file: string;
  line: number;
  column: number;
  /** The directive or ini key, e.g. `error_page` or `daemonize`. */
  directive: string;
  message: string;
}

export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export function formatWarning(w: ImportWarning): string {
  return `${w.file}:${w.line}: ${w.directive}: ${w.message}`;
}

/** Collects warnings in source order of discovery; a sink the mappers share. */
export class WarningSink {
  readonly list: ImportWarning[] = [];

  add(at: SourcePosition, directive: string, message: string): void {
    this.list.push({ file: at.file, line: at.line, column: at.column, directive, message });
  }
}
