// Applies `settings.logs` (error level, rotation) to a worker's log files on every config swap.
import { logsSchema, type LogSettings } from '../config/schema.js';
import type { ErrorLog } from './error-log.js';
import type { LogFiles } from './log-files.js';

/** `settings.logs` absent = the schema's defaults (error, 10 MiB, keep 5). */
export function applyLogSettings(logs: LogSettings | undefined, files: LogFiles, errorLog: ErrorLog): void {
  const s = logs ?? logsSchema.parse({});
  errorLog.setLevel(s.errorLevel);
  files.setRotation({ maxBytes: s.rotateBytes, keep: s.keep });
}
