// The schema of both backends as numbered migrations. A migration, once released, is never
// edited: changes go into a new entry with the next number. Both lists must keep the same
// numbers and names so that one schema version means the same tables everywhere.
import { WaftError } from '../../errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const LEVELS = `'debug', 'info', 'warn', 'error'`;
const SOURCES = `'guest', 'request', 'system'`;
const OUTCOMES = `'ok', 'error', 'timeout', 'trap', 'memory', 'output', 'rejected'`;

export const sqliteMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, tokens, apps, versions, deployments, logs, usage',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        is_admin INTEGER NOT NULL CHECK (is_admin IN (0, 1)),
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE tokens (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        scopes TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        revoked_at INTEGER,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX tokens_user ON tokens (user_id, created_at);

      CREATE TABLE apps (
        id TEXT PRIMARY KEY,
        owner_id TEXT NOT NULL REFERENCES users(id),
        name TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        active_version_id TEXT REFERENCES versions(id),
        version_seq INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX apps_owner ON apps (owner_id, created_at);

      CREATE TABLE versions (
        id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        manifest TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL REFERENCES users(id),
        UNIQUE (app_id, number)
      ) STRICT;

      CREATE TABLE version_files (
        version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        PRIMARY KEY (version_id, path)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX version_files_sha256 ON version_files (sha256);

      CREATE TABLE deployments (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        version_id TEXT NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL REFERENCES users(id),
        kind TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback'))
      ) STRICT;
      CREATE INDEX deployments_app ON deployments (app_id, seq);

      -- AUTOINCREMENT: ids are never reused, even after pruning deleted the newest rows,
      -- so that a reader following with afterId never misses an entry.
      CREATE TABLE logs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        app_id TEXT NOT NULL,
        version_id TEXT,
        function_name TEXT,
        request_id TEXT,
        level TEXT NOT NULL CHECK (level IN (${LEVELS})),
        source TEXT NOT NULL CHECK (source IN (${SOURCES})),
        message TEXT NOT NULL,
        logged_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX logs_app ON logs (app_id, id);
      CREATE INDEX logs_app_request ON logs (app_id, request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX logs_time ON logs (logged_at);

      CREATE TABLE usage_records (
        id INTEGER PRIMARY KEY,
        app_id TEXT NOT NULL,
        version_id TEXT NOT NULL,
        function_name TEXT NOT NULL,
        request_id TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        wall_ms REAL NOT NULL,
        cpu_ms REAL NOT NULL,
        peak_memory_bytes INTEGER NOT NULL,
        bytes_in INTEGER NOT NULL,
        bytes_out INTEGER NOT NULL,
        status INTEGER NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN (${OUTCOMES}))
      ) STRICT;
      CREATE INDEX usage_app_time ON usage_records (app_id, started_at);
      CREATE INDEX usage_time ON usage_records (started_at);
    `,
  },
];

export const postgresMigrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, tokens, apps, versions, deployments, logs, usage',
    sql: `
      CREATE TABLE users (
        id text PRIMARY KEY,
        name text NOT NULL UNIQUE,
        is_admin boolean NOT NULL,
        created_at bigint NOT NULL
      );

      CREATE TABLE tokens (
        id text PRIMARY KEY,
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        scopes text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint,
        revoked_at bigint,
        last_used_at bigint
      );
      CREATE INDEX tokens_user ON tokens (user_id, created_at);

      CREATE TABLE apps (
        id text PRIMARY KEY,
        owner_id text NOT NULL REFERENCES users(id),
        name text NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        active_version_id text,
        version_seq integer NOT NULL DEFAULT 0
      );
      CREATE INDEX apps_owner ON apps (owner_id, created_at);

      CREATE TABLE versions (
        id text PRIMARY KEY,
        app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        number integer NOT NULL,
        manifest text NOT NULL,
        created_at bigint NOT NULL,
        created_by text NOT NULL REFERENCES users(id),
        UNIQUE (app_id, number)
      );
      ALTER TABLE apps ADD CONSTRAINT apps_active_version_fk FOREIGN KEY (active_version_id) REFERENCES versions(id);

      CREATE TABLE version_files (
        version_id text NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        path text NOT NULL,
        sha256 text NOT NULL,
        size bigint NOT NULL CHECK (size >= 0),
        PRIMARY KEY (version_id, path)
      );
      CREATE INDEX version_files_sha256 ON version_files (sha256);

      CREATE TABLE deployments (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL UNIQUE,
        app_id text NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
        version_id text NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
        created_at bigint NOT NULL,
        created_by text NOT NULL REFERENCES users(id),
        kind text NOT NULL CHECK (kind IN ('deploy', 'rollback'))
      );
      CREATE INDEX deployments_app ON deployments (app_id, seq);

      CREATE TABLE logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        app_id text NOT NULL,
        version_id text,
        function_name text,
        request_id text,
        level text NOT NULL CHECK (level IN (${LEVELS})),
        source text NOT NULL CHECK (source IN (${SOURCES})),
        message text NOT NULL,
        logged_at bigint NOT NULL
      );
      CREATE INDEX logs_app ON logs (app_id, id);
      CREATE INDEX logs_app_request ON logs (app_id, request_id) WHERE request_id IS NOT NULL;
      CREATE INDEX logs_time ON logs (logged_at);

      CREATE TABLE usage_records (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        app_id text NOT NULL,
        version_id text NOT NULL,
        function_name text NOT NULL,
        request_id text NOT NULL,
        started_at bigint NOT NULL,
        wall_ms double precision NOT NULL,
        cpu_ms double precision NOT NULL,
        peak_memory_bytes bigint NOT NULL,
        bytes_in bigint NOT NULL,
        bytes_out bigint NOT NULL,
        status integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN (${OUTCOMES}))
      );
      CREATE INDEX usage_app_time ON usage_records (app_id, started_at);
      CREATE INDEX usage_time ON usage_records (started_at);
    `,
  },
];

/** Migrations above what is applied; throws when the database is ahead of this waft. */
export function pending(migrations: readonly Migration[], applied: number, where: string): Migration[] {
  const latest = migrations.at(-1)?.version ?? 0;
  if (applied > latest) {
    throw new WaftError('WAFT_E_STORE_SCHEMA_NEWER', `${where} is at schema version ${applied}, but this waft knows only up to ${latest}`, { applied, latest });
  }
  return migrations.filter((m) => m.version > applied);
}
