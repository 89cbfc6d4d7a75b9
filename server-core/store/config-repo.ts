// Applied configs, one row per version. A change never edits a version: it writes the next one
// (restore too), so history shows exactly what ran when.
import type { ConfigVersionSummary } from '../contract/api.js';
import { BerthError, errorMessage } from '../errors.js';
import { formatIssues, friendlyZodMessage, issuesFromZod } from '../config/issues.js';
import { configSchema, CONFIG_SCHEMA_VERSION, type BerthConfig } from '../config/schema.js';
import { assertValidConfig } from '../config/validate.js';
import type { SqliteDatabase } from './sqlite.js';

export type ConfigSource = ConfigVersionSummary['source'];

export interface StoredConfig extends ConfigVersionSummary {
  config: BerthConfig;
}

interface Row {
  version: number;
  applied_at: string;
  source: ConfigSource;
  note: string;
}

interface RowWithConfig extends Row {
  config: string;
}

const SUMMARY_COLUMNS = 'version, applied_at, source, note';

export class ConfigRepo {
  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The version the stack runs, or null before the first config (first run). */
  currentVersion(): number | null {
    const row = this.db.prepare('SELECT version FROM config_current WHERE id = 1').get() as { version: number } | undefined;
    return row?.version ?? null;
  }

  current(): StoredConfig | null {
    const version = this.currentVersion();
    return version === null ? null : this.get(version);
  }

  /**
   * Validates `input` (schema + semantic checks; throws ConfigValidationError with every issue) and
   * stores the parsed config, defaults filled in, as a new current version in one transaction.
   */
  apply(input: unknown, source: ConfigSource, note = ''): ConfigVersionSummary {
    const config = assertValidConfig(input);
    const appliedAt = this.now().toISOString();
    const write = this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO config_versions (applied_at, source, note, schema_version, config) VALUES (?, ?, ?, ?, ?)')
        .run(appliedAt, source, note, CONFIG_SCHEMA_VERSION, JSON.stringify(config));
      const version = Number(lastInsertRowid);
      this.db
        .prepare('INSERT INTO config_current (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version')
        .run(version);
      return version;
    });
    return { version: write.immediate(), appliedAt, source, note };
  }

  /** The newest `limit` versions, newest first. */
  list(limit = 50): ConfigVersionSummary[] {
    const rows = this.db
      .prepare(`SELECT ${SUMMARY_COLUMNS} FROM config_versions ORDER BY version DESC LIMIT ?`)
      .all(Math.max(0, Math.floor(limit))) as Row[];
    return rows.map(toSummary);
  }

  /** One version with its config, or null when there is no such version. */
  get(version: number): StoredConfig | null {
    const row = this.db.prepare(`SELECT ${SUMMARY_COLUMNS}, config FROM config_versions WHERE version = ?`).get(version) as
      | RowWithConfig
      | undefined;
    if (row === undefined) return null;
    return { ...toSummary(row), config: parseStored(row) };
  }

  /** Applies the content of an earlier version as a NEW version (source `restore`). */
  restore(version: number, note = `restored version ${version}`): ConfigVersionSummary {
    const old = this.get(version);
    if (old === null) {
      throw new BerthError('BERTH_ERR_NOT_FOUND', `there is no config version ${version}`, { hint: 'list the versions to see which exist' });
    }
    return this.apply(old.config, 'restore', note);
  }
}

function toSummary(row: Row): ConfigVersionSummary {
  return { version: row.version, appliedAt: row.applied_at, source: row.source, note: row.note };
}

/**
 * A stored config that no longer fits the schema (a hand-edited database, or one from another build)
 * gets one readable error naming the version and the first problems, not a zod dump.
 */
function parseStored(row: RowWithConfig): BerthConfig {
  let json: unknown;
  try {
    json = JSON.parse(row.config);
  } catch (e) {
    throw unreadable(row.version, `it is not valid JSON (${errorMessage(e)})`);
  }
  const parsed = configSchema.safeParse(json, { error: friendlyZodMessage });
  if (parsed.success) return parsed.data;
  const issues = issuesFromZod(parsed.error);
  const shown = issues.slice(0, 5);
  const more = issues.length > shown.length ? `\n  …and ${issues.length - shown.length} more` : '';
  throw unreadable(row.version, `it does not match this Berth's config schema:\n${formatIssues(shown)}${more}`);
}

function unreadable(version: number, detail: string): BerthError {
  return new BerthError('BERTH_ERR_CONFIG_UNREADABLE', `stored config version ${version} cannot be read: ${detail}`, {
    hint: 'restore another version, or start from a backup of the database (berth.db.bak-v*); the database was not changed',
  });
}
