// The control-plane store on SQLite (node:sqlite): one file, WAL journal, foreign keys on.
// node:sqlite is synchronous, so every method does all of its SQL without awaiting in between;
// a transaction therefore never interleaves with another call in this process, and
// BEGIN IMMEDIATE plus the busy timeout serialise writers of other processes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { WaftError } from '../../errors.ts';
import { refused } from './refusals.ts';
import { pending, sqliteMigrations } from './migrations.ts';
import {
  groupFiles, newId, toApp, toDeployment, toLogEntry, toToken, toTokenWithUser, toUsageBucket, toUser, toVersion, type Row,
  USAGE_AGGREGATE_COLUMNS,
} from './rows.ts';
import type { App, Deployment, Store, Token, User, Version } from './types.ts';
import {
  checkAppName, checkKind, checkLogEntry, checkMaxPerApp, checkNewVersion, checkTime, checkUsageQuery, checkUsageRecord,
  checkUserName, levelsFrom, logLimit,
} from './validate.ts';

const BUSY_TIMEOUT_MS = 10_000;
/** Rows per statement for batch inserts of logs and usage (64 × 12 parameters, far below SQLite's limit). */
const INSERT_ROWS = 64;
/** Rows deleted per transaction when pruning, so that appends are not held up for long. */
const PRUNE_BATCH = 5_000;

function sqliteCode(err: unknown): number | undefined {
  return typeof err === 'object' && err !== null && 'errcode' in err ? Number((err as { errcode: unknown }).errcode) : undefined;
}
// Extended result codes: SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY and _FOREIGNKEY.
const isUnique = (err: unknown): boolean => sqliteCode(err) === 2067 || sqliteCode(err) === 1555;
const isForeignKey = (err: unknown): boolean => sqliteCode(err) === 787;

export async function openSqliteStore(path: string): Promise<Store> {
  let db: DatabaseSync;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new DatabaseSync(path, { enableForeignKeyConstraints: true, timeout: BUSY_TIMEOUT_MS });
    db.exec('PRAGMA journal_mode = WAL');
    // FULL: a deploy that was acknowledged survives a power cut, not just a process crash.
    db.exec('PRAGMA synchronous = FULL');
  } catch (err) {
    throw new WaftError('WAFT_E_STORE_UNAVAILABLE', `cannot open the SQLite database ${path}: ${(err as Error).message}`, { path });
  }

  const statements = new Map<string, StatementSync>();
  function stmt(sql: string): StatementSync {
    let s = statements.get(sql);
    if (!s) statements.set(sql, (s = db.prepare(sql)));
    return s;
  }
  const all = (sql: string, ...params: SQLInputValue[]): Row[] => stmt(sql).all(...params) as Row[];
  const one = (sql: string, ...params: SQLInputValue[]): Row | undefined => stmt(sql).get(...params) as Row | undefined;
  const run = (sql: string, ...params: SQLInputValue[]) => stmt(sql).run(...params);

  /**
   * Inserts rows (all of one width) INSERT_ROWS to a statement: one statement for many rows
   * costs about half as much per row as one statement each. Rows get their ids in order.
   */
  function insertMany(head: string, rows: SQLInputValue[][]): void {
    if (rows.length === 0) return;
    const tuple = `(${rows[0].map(() => '?').join(', ')})`;
    let i = 0;
    if (rows.length >= INSERT_ROWS) {
      const many = stmt(`${head} VALUES ${Array(INSERT_ROWS).fill(tuple).join(', ')}`);
      for (; i + INSERT_ROWS <= rows.length; i += INSERT_ROWS) many.run(...rows.slice(i, i + INSERT_ROWS).flat());
    }
    const one = stmt(`${head} VALUES ${tuple}`);
    for (; i < rows.length; i++) one.run(...rows[i]);
  }

  function transaction<T>(fn: () => T): T {
    db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      db.exec('COMMIT');
      return result;
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Runs several reads on one snapshot, so that a writer in another process cannot slip in between. */
  function snapshot<T>(fn: () => T): T {
    db.exec('BEGIN');
    try {
      return fn();
    } finally {
      db.exec('COMMIT');
    }
  }

  function version(where: string, ...params: SQLInputValue[]): Version | null {
    return snapshot(() => {
      const row = one(`SELECT * FROM versions WHERE ${where}`, ...params);
      if (!row) return null;
      const files = groupFiles(all('SELECT version_id, path, sha256, size FROM version_files WHERE version_id = ? ORDER BY path', String(row.id)));
      return toVersion(row, files.get(String(row.id)) ?? {});
    });
  }

  const store: Store = {
    async migrate() {
      db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
      transaction(() => {
        const applied = Number(one('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')!.v);
        for (const m of pending(sqliteMigrations, applied, `the SQLite database ${path}`)) {
          db.exec(m.sql);
          run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', m.version, m.name, Date.now());
        }
      });
    },

    async schemaVersion() {
      const exists = one("SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'");
      return exists ? Number(one('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations')!.v) : 0;
    },

    async close() {
      if (db.isOpen) db.close();
    },

    users: {
      async create(name, isAdmin) {
        checkUserName(name);
        const user: User = { id: newId('usr'), name, isAdmin: Boolean(isAdmin), createdAt: Date.now() };
        try {
          run('INSERT INTO users (id, name, is_admin, created_at) VALUES (?, ?, ?, ?)', user.id, name, user.isAdmin ? 1 : 0, user.createdAt);
        } catch (err) {
          if (isUnique(err)) throw refused.userExists(name);
          throw err;
        }
        return user;
      },
      async get(id) {
        const r = one('SELECT * FROM users WHERE id = ?', id);
        return r ? toUser(r) : null;
      },
      async byName(name) {
        const r = one('SELECT * FROM users WHERE name = ?', name);
        return r ? toUser(r) : null;
      },
      async list() {
        return all('SELECT * FROM users ORDER BY created_at, id').map(toUser);
      },
      async count() {
        return Number(one('SELECT COUNT(*) AS n FROM users')!.n);
      },
    },

    tokens: {
      async create(userId, { name, scopes, expiresAt }, secretHash) {
        if (expiresAt !== null) checkTime('token expiresAt', expiresAt);
        const token: Token = {
          id: newId('tok'), userId, name, scopes: [...scopes], createdAt: Date.now(), expiresAt, revokedAt: null, lastUsedAt: null,
        };
        try {
          run(
            'INSERT INTO tokens (id, user_id, name, secret_hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
            token.id, userId, name, secretHash, JSON.stringify(token.scopes), token.createdAt, expiresAt,
          );
        } catch (err) {
          if (isForeignKey(err)) throw refused.tokenUserMissing(userId);
          if (isUnique(err)) throw refused.tokenSecretReused();
          throw err;
        }
        return token;
      },
      async byHash(secretHash) {
        const r = one(
          `SELECT t.*, u.id AS u_id, u.name AS u_name, u.is_admin AS u_is_admin, u.created_at AS u_created_at
           FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`,
          secretHash,
        );
        return r ? toTokenWithUser(r) : null;
      },
      async list(userId) {
        return all('SELECT * FROM tokens WHERE user_id = ? ORDER BY created_at, id', userId).map(toToken);
      },
      async revoke(userId, tokenId) {
        const r = run('UPDATE tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL', Date.now(), tokenId, userId);
        return Number(r.changes) > 0;
      },
      async touch(tokenId, time) {
        checkTime('token use time', time);
        run('UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', time, tokenId, time);
      },
    },

    apps: {
      async create(ownerId, name) {
        checkAppName(name);
        const app: App = { id: newId('app'), ownerId, name, createdAt: Date.now(), activeVersionId: null };
        try {
          run('INSERT INTO apps (id, owner_id, name, created_at) VALUES (?, ?, ?, ?)', app.id, ownerId, name, app.createdAt);
        } catch (err) {
          if (isUnique(err)) throw refused.appExists(name);
          if (isForeignKey(err)) throw refused.appOwnerMissing(name, ownerId);
          throw err;
        }
        return app;
      },
      async get(id) {
        const r = one('SELECT * FROM apps WHERE id = ?', id);
        return r ? toApp(r) : null;
      },
      async byName(name) {
        const r = one('SELECT * FROM apps WHERE name = ?', name);
        return r ? toApp(r) : null;
      },
      async listByOwner(ownerId) {
        return all('SELECT * FROM apps WHERE owner_id = ? ORDER BY created_at, id', ownerId).map(toApp);
      },
      async delete(id) {
        return transaction(() => {
          run('UPDATE apps SET active_version_id = NULL WHERE id = ?', id);
          run('DELETE FROM logs WHERE app_id = ?', id);
          run('DELETE FROM usage_records WHERE app_id = ?', id);
          return Number(run('DELETE FROM apps WHERE id = ?', id).changes) > 0;
        });
      },
    },

    versions: {
      async create(appId, createdBy, manifest, files) {
        const entries = checkNewVersion(manifest, files);
        const createdAt = Date.now();
        const id = newId('ver');
        const number = transaction(() => {
          const seq = one('UPDATE apps SET version_seq = version_seq + 1 WHERE id = ? RETURNING version_seq', appId);
          if (!seq) throw refused.versionAppMissing(appId);
          const n = Number(seq.version_seq);
          try {
            run('INSERT INTO versions (id, app_id, number, manifest, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)', id, appId, n, manifest, createdAt, createdBy);
          } catch (err) {
            if (isForeignKey(err)) throw refused.versionCreatorMissing(createdBy);
            throw err;
          }
          const insert = stmt('INSERT INTO version_files (version_id, path, sha256, size) VALUES (?, ?, ?, ?)');
          for (const [path, f] of entries) insert.run(id, path, f.sha256, f.size);
          return n;
        });
        return { id, appId, number, manifest, files: Object.fromEntries(entries), createdAt, createdBy };
      },
      async get(id) {
        return version('id = ?', id);
      },
      async byNumber(appId, number) {
        return version('app_id = ? AND number = ?', appId, number);
      },
      async list(appId) {
        return snapshot(() => {
          const rows = all('SELECT * FROM versions WHERE app_id = ? ORDER BY number DESC', appId);
          const files = groupFiles(all(
            `SELECT f.version_id, f.path, f.sha256, f.size FROM version_files f JOIN versions v ON v.id = f.version_id
             WHERE v.app_id = ? ORDER BY f.version_id, f.path`,
            appId,
          ));
          return rows.map((r) => toVersion(r, files.get(String(r.id)) ?? {}));
        });
      },
    },

    deployments: {
      async activate(appId, versionId, userId, kind) {
        checkKind(kind);
        const deployment: Deployment = { id: newId('dep'), appId, versionId, createdAt: Date.now(), createdBy: userId, kind };
        transaction(() => {
          if (!one('SELECT 1 AS x FROM apps WHERE id = ?', appId)) {
            throw refused.activateAppMissing(appId);
          }
          if (!one('SELECT 1 AS x FROM versions WHERE id = ? AND app_id = ?', versionId, appId)) {
            throw refused.activateVersionMissing(appId, versionId);
          }
          try {
            run(
              'INSERT INTO deployments (id, app_id, version_id, created_at, created_by, kind) VALUES (?, ?, ?, ?, ?, ?)',
              deployment.id, appId, versionId, deployment.createdAt, userId, kind,
            );
          } catch (err) {
            if (isForeignKey(err)) throw refused.deployerMissing(userId);
            throw err;
          }
          run('UPDATE apps SET active_version_id = ? WHERE id = ?', versionId, appId);
        });
        return deployment;
      },
      async list(appId) {
        return all('SELECT * FROM deployments WHERE app_id = ? ORDER BY seq DESC', appId).map(toDeployment);
      },
    },

    logs: {
      async append(entries) {
        if (entries.length === 0) return;
        for (const e of entries) checkLogEntry(e);
        transaction(() => insertMany(
          'INSERT INTO logs (app_id, version_id, function_name, request_id, level, source, message, logged_at)',
          entries.map((e) => [e.appId, e.versionId ?? null, e.function ?? null, e.requestId ?? null, e.level, e.source, e.message, e.time]),
        ));
      },
      async query(q) {
        const limit = logLimit(q);
        const where = ['app_id = ?'];
        const params: SQLInputValue[] = [q.appId];
        if (q.function !== undefined) where.push('function_name = ?'), params.push(q.function);
        if (q.versionId !== undefined) where.push('version_id = ?'), params.push(q.versionId);
        if (q.requestId !== undefined) where.push('request_id = ?'), params.push(q.requestId);
        const levels = levelsFrom(q.level);
        if (levels) where.push(`level IN (${levels.map(() => '?').join(', ')})`), params.push(...levels);
        if (q.since !== undefined) where.push('logged_at >= ?'), params.push(checkTime('log query since', q.since));
        if (q.afterId !== undefined) where.push('id > ?'), params.push(checkTime('log query afterId', q.afterId));
        const order = q.afterId !== undefined ? 'ASC' : 'DESC';
        const rows = all(`SELECT * FROM logs WHERE ${where.join(' AND ')} ORDER BY id ${order} LIMIT ?`, ...params, limit).map(toLogEntry);
        return order === 'DESC' ? rows.reverse() : rows;
      },
      async prune({ maxPerApp, olderThan }) {
        let deleted = 0;
        if (olderThan !== undefined) {
          checkTime('log retention olderThan', olderThan);
          for (;;) {
            const n = Number(run(
              'DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE logged_at < ? ORDER BY logged_at LIMIT ?)', olderThan, PRUNE_BATCH,
            ).changes);
            deleted += n;
            if (n < PRUNE_BATCH) break;
            await yieldToLoop();
          }
        }
        if (maxPerApp !== undefined) {
          checkMaxPerApp(maxPerApp);
          for (const { app_id: appId } of all('SELECT DISTINCT app_id FROM logs')) {
            const cutoff = one('SELECT id FROM logs WHERE app_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?', appId as string, maxPerApp);
            if (!cutoff) continue;
            deleted += Number(run('DELETE FROM logs WHERE app_id = ? AND id <= ?', appId as string, cutoff.id as number).changes);
            await yieldToLoop();
          }
        }
        return deleted;
      },
    },

    usage: {
      async record(records) {
        if (records.length === 0) return;
        for (const r of records) checkUsageRecord(r);
        transaction(() => insertMany(
          'INSERT INTO usage_records (app_id, version_id, function_name, request_id, started_at, wall_ms, cpu_ms, peak_memory_bytes, bytes_in, bytes_out, status, outcome)',
          records.map((r) => [r.appId, r.versionId, r.function, r.requestId, r.startedAt, r.wallMs, r.cpuMs, r.peakMemoryBytes, r.bytesIn, r.bytesOut, r.status, r.outcome]),
        ));
      },
      async aggregate(q) {
        checkUsageQuery(q);
        const params: SQLInputValue[] = [q.bucketMs, q.bucketMs, q.bucketMs, q.bucketMs, q.appId, q.from, q.to];
        let fn = '';
        if (q.function !== undefined) fn = 'AND function_name = ?', params.push(q.function);
        // node:sqlite binds JS numbers as REAL, hence the casts for integer division.
        return all(
          `SELECT ${USAGE_AGGREGATE_COLUMNS}
           FROM (
             SELECT (started_at / CAST(? AS INTEGER)) * CAST(? AS INTEGER) AS bucket_start, function_name, wall_ms, cpu_ms, bytes_in, bytes_out, peak_memory_bytes, outcome, status,
               ROW_NUMBER() OVER (PARTITION BY started_at / CAST(? AS INTEGER), function_name ORDER BY wall_ms) AS rn,
               COUNT(*) OVER (PARTITION BY started_at / CAST(? AS INTEGER), function_name) AS n
             FROM usage_records
             WHERE app_id = ? AND started_at >= ? AND started_at < ? ${fn}
           ) AS u
           GROUP BY bucket_start, function_name
           ORDER BY bucket_start, function_name`,
          ...params,
        ).map(toUsageBucket);
      },
      async prune({ olderThan }) {
        checkTime('usage retention olderThan', olderThan);
        let deleted = 0;
        for (;;) {
          const n = Number(run(
            'DELETE FROM usage_records WHERE id IN (SELECT id FROM usage_records WHERE started_at < ? ORDER BY started_at LIMIT ?)', olderThan, PRUNE_BATCH,
          ).changes);
          deleted += n;
          if (n < PRUNE_BATCH) return deleted;
          await yieldToLoop();
        }
      },
    },
  };
  return store;
}
