// The control-plane store on Postgres (the `postgres` client). Same schema and behaviour as
// sqlite.ts; where Postgres allows real concurrency, row locks and advisory locks give the
// guarantees SQLite gets from its single writer (see the comments at each).
import postgres from 'postgres';
import { WaftError } from '../../errors.ts';
import { refused } from './refusals.ts';
import { pending, postgresMigrations } from './migrations.ts';
import {
  groupFiles, newId, toApp, toDeployment, toLogEntry, toToken, toTokenWithUser, toUsageBucket, toUser, toVersion, type Row,
  USAGE_AGGREGATE_COLUMNS,
} from './rows.ts';
import type { App, Deployment, Store, Token, User, Version } from './types.ts';
import {
  checkAppName, checkKind, checkLogEntry, checkMaxPerApp, checkNewVersion, checkTime, checkUsageQuery, checkUsageRecord,
  checkUserName, levelsFrom, logLimit,
} from './validate.ts';

// Advisory lock keys (arbitrary, fixed): one for migrations, one for log appends.
const MIGRATE_LOCK = 0x7761_6674_01;
const LOG_APPEND_LOCK = 0x7761_6674_02;
const PRUNE_BATCH = 5_000;
/** Rows per multi-row INSERT, well under the 65535 parameters of one statement. */
const INSERT_CHUNK = 5_000;

const pgCode = (err: unknown): string | undefined =>
  typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
const isUnique = (err: unknown): boolean => pgCode(err) === '23505';
const isForeignKey = (err: unknown): boolean => pgCode(err) === '23503';

/** The URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export async function openPostgresStore(url: string): Promise<Store> {
  const sql = postgres(url, { max: 10, onnotice: () => {}, connect_timeout: 10, connection: { application_name: 'waft' } });
  try {
    await sql`SELECT 1`;
  } catch (err) {
    await sql.end({ timeout: 0 }).catch(() => {});
    throw new WaftError('WAFT_E_STORE_UNAVAILABLE', `cannot connect to Postgres at ${redactUrl(url)}: ${(err as Error).message}`, { url: redactUrl(url) });
  }

  /** Runs several reads on one snapshot, so that a concurrent write cannot slip in between. */
  function snapshot<T>(fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    return sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', fn) as Promise<T>;
  }

  /** The version the query finds (at most one row of versions), with its files, read on one snapshot. */
  function version(find: (tx: postgres.TransactionSql) => Promise<Row[]>): Promise<Version | null> {
    return snapshot(async (tx) => {
      const [r] = await find(tx);
      if (!r) return null;
      const id = String(r.id);
      const files = await tx`SELECT version_id, path, sha256, size FROM version_files WHERE version_id = ${id} ORDER BY path COLLATE "C"`;
      return toVersion(r, groupFiles(files as Row[]).get(id) ?? {});
    });
  }

  const store: Store = {
    async migrate() {
      await sql.begin(async (tx) => {
        // Two servers starting at once: the second waits here, then finds nothing to do.
        await tx`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`;
        await tx`CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`;
        const [{ v }] = await tx`SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations`;
        for (const m of pending(postgresMigrations, Number(v), `the Postgres database ${redactUrl(url)}`)) {
          await tx.unsafe(m.sql).simple();
          await tx`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, ${m.name}, ${Date.now()})`;
        }
      });
    },

    async schemaVersion() {
      const [{ exists }] = await sql`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`;
      if (!exists) return 0;
      const [{ v }] = await sql`SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations`;
      return Number(v);
    },

    async close() {
      await sql.end({ timeout: 5 });
    },

    users: {
      async create(name, isAdmin) {
        checkUserName(name);
        const user: User = { id: newId('usr'), name, isAdmin: Boolean(isAdmin), createdAt: Date.now() };
        try {
          await sql`INSERT INTO users (id, name, is_admin, created_at) VALUES (${user.id}, ${name}, ${user.isAdmin}, ${user.createdAt})`;
        } catch (err) {
          if (isUnique(err)) throw refused.userExists(name);
          throw err;
        }
        return user;
      },
      async get(id) {
        const [r] = await sql`SELECT * FROM users WHERE id = ${id}`;
        return r ? toUser(r) : null;
      },
      async byName(name) {
        const [r] = await sql`SELECT * FROM users WHERE name = ${name}`;
        return r ? toUser(r) : null;
      },
      async list() {
        return (await sql`SELECT * FROM users ORDER BY created_at, id`).map(toUser);
      },
      async count() {
        const [{ n }] = await sql`SELECT COUNT(*) AS n FROM users`;
        return Number(n);
      },
    },

    tokens: {
      async create(userId, { name, scopes, expiresAt }, secretHash) {
        if (expiresAt !== null) checkTime('token expiresAt', expiresAt);
        const token: Token = {
          id: newId('tok'), userId, name, scopes: [...scopes], createdAt: Date.now(), expiresAt, revokedAt: null, lastUsedAt: null,
        };
        try {
          await sql`
            INSERT INTO tokens (id, user_id, name, secret_hash, scopes, created_at, expires_at)
            VALUES (${token.id}, ${userId}, ${name}, ${secretHash}, ${JSON.stringify(token.scopes)}, ${token.createdAt}, ${expiresAt})`;
        } catch (err) {
          if (isForeignKey(err)) throw refused.tokenUserMissing(userId);
          if (isUnique(err)) throw refused.tokenSecretReused();
          throw err;
        }
        return token;
      },
      async byHash(secretHash) {
        const [r] = await sql`
          SELECT t.*, u.id AS u_id, u.name AS u_name, u.is_admin AS u_is_admin, u.created_at AS u_created_at
          FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ${secretHash}`;
        return r ? toTokenWithUser(r) : null;
      },
      async list(userId) {
        return (await sql`SELECT * FROM tokens WHERE user_id = ${userId} ORDER BY created_at, id`).map(toToken);
      },
      async revoke(userId, tokenId) {
        const r = await sql`UPDATE tokens SET revoked_at = ${Date.now()} WHERE id = ${tokenId} AND user_id = ${userId} AND revoked_at IS NULL`;
        return r.count > 0;
      },
      async touch(tokenId, time) {
        checkTime('token use time', time);
        await sql`UPDATE tokens SET last_used_at = ${time} WHERE id = ${tokenId} AND (last_used_at IS NULL OR last_used_at < ${time})`;
      },
    },

    apps: {
      async create(ownerId, name) {
        checkAppName(name);
        const app: App = { id: newId('app'), ownerId, name, createdAt: Date.now(), activeVersionId: null };
        try {
          await sql`INSERT INTO apps (id, owner_id, name, created_at) VALUES (${app.id}, ${ownerId}, ${name}, ${app.createdAt})`;
        } catch (err) {
          if (isUnique(err)) throw refused.appExists(name);
          if (isForeignKey(err)) throw refused.appOwnerMissing(name, ownerId);
          throw err;
        }
        return app;
      },
      async get(id) {
        const [r] = await sql`SELECT * FROM apps WHERE id = ${id}`;
        return r ? toApp(r) : null;
      },
      async byName(name) {
        const [r] = await sql`SELECT * FROM apps WHERE name = ${name}`;
        return r ? toApp(r) : null;
      },
      async listByOwner(ownerId) {
        return (await sql`SELECT * FROM apps WHERE owner_id = ${ownerId} ORDER BY created_at, id`).map(toApp);
      },
      async delete(id) {
        return sql.begin(async (tx) => {
          const [locked] = await tx`UPDATE apps SET active_version_id = NULL WHERE id = ${id} RETURNING id`;
          if (!locked) return false;
          await tx`DELETE FROM logs WHERE app_id = ${id}`;
          await tx`DELETE FROM usage_records WHERE app_id = ${id}`;
          await tx`DELETE FROM apps WHERE id = ${id}`;
          return true;
        });
      },
    },

    versions: {
      async create(appId, createdBy, manifest, files) {
        const entries = checkNewVersion(manifest, files);
        const createdAt = Date.now();
        const id = newId('ver');
        const number = await sql.begin(async (tx) => {
          // The UPDATE takes the app's row lock, so concurrent creates for one app are numbered
          // one after the other; a rollback gives the number back.
          const [seq] = await tx`UPDATE apps SET version_seq = version_seq + 1 WHERE id = ${appId} RETURNING version_seq`;
          if (!seq) throw refused.versionAppMissing(appId);
          const n = Number(seq.version_seq);
          try {
            await tx`
              INSERT INTO versions (id, app_id, number, manifest, created_at, created_by)
              VALUES (${id}, ${appId}, ${n}, ${manifest}, ${createdAt}, ${createdBy})`;
          } catch (err) {
            if (isForeignKey(err)) throw refused.versionCreatorMissing(createdBy);
            throw err;
          }
          const rows = entries.map(([path, f]) => ({ version_id: id, path, sha256: f.sha256, size: f.size }));
          for (const chunk of chunks(rows, INSERT_CHUNK)) {
            await tx`INSERT INTO version_files ${tx(chunk, 'version_id', 'path', 'sha256', 'size')}`;
          }
          return n;
        });
        return { id, appId, number, manifest, files: Object.fromEntries(entries), createdAt, createdBy };
      },
      async get(id) {
        return version((tx) => tx`SELECT * FROM versions WHERE id = ${id}`);
      },
      async byNumber(appId, number) {
        return version((tx) => tx`SELECT * FROM versions WHERE app_id = ${appId} AND number = ${number}`);
      },
      async list(appId) {
        return snapshot(async (tx) => {
          const rows = await tx`SELECT * FROM versions WHERE app_id = ${appId} ORDER BY number DESC`;
          const files = groupFiles(await tx`
            SELECT f.version_id, f.path, f.sha256, f.size FROM version_files f JOIN versions v ON v.id = f.version_id
            WHERE v.app_id = ${appId} ORDER BY f.version_id, f.path COLLATE "C"` as Row[]);
          return rows.map((r) => toVersion(r, files.get(String(r.id)) ?? {}));
        });
      },
    },

    deployments: {
      async activate(appId, versionId, userId, kind) {
        checkKind(kind);
        const deployment: Deployment = { id: newId('dep'), appId, versionId, createdAt: Date.now(), createdBy: userId, kind };
        await sql.begin(async (tx) => {
          // Lock the app row first: activations of one app commit in the order of their seq.
          const [app] = await tx`SELECT id FROM apps WHERE id = ${appId} FOR UPDATE`;
          if (!app) throw refused.activateAppMissing(appId);
          const [v] = await tx`SELECT id FROM versions WHERE id = ${versionId} AND app_id = ${appId}`;
          if (!v) throw refused.activateVersionMissing(appId, versionId);
          try {
            await tx`
              INSERT INTO deployments (id, app_id, version_id, created_at, created_by, kind)
              VALUES (${deployment.id}, ${appId}, ${versionId}, ${deployment.createdAt}, ${userId}, ${kind})`;
          } catch (err) {
            if (isForeignKey(err)) throw refused.deployerMissing(userId);
            throw err;
          }
          await tx`UPDATE apps SET active_version_id = ${versionId} WHERE id = ${appId}`;
        });
        return deployment;
      },
      async list(appId) {
        return (await sql`SELECT * FROM deployments WHERE app_id = ${appId} ORDER BY seq DESC`).map(toDeployment);
      },
    },

    logs: {
      async append(entries) {
        if (entries.length === 0) return;
        for (const e of entries) checkLogEntry(e);
        const rows = entries.map((e) => ({
          app_id: e.appId, version_id: e.versionId ?? null, function_name: e.function ?? null, request_id: e.requestId ?? null,
          level: e.level, source: e.source, message: e.message, logged_at: e.time,
        }));
        await sql.begin(async (tx) => {
          // Identity values are handed out before commit, so two concurrent appends could
          // commit out of id order and a reader following with afterId would skip the later
          // commit's smaller ids. Serialising appends makes commit order equal id order.
          await tx`SELECT pg_advisory_xact_lock(${LOG_APPEND_LOCK})`;
          for (const chunk of chunks(rows, INSERT_CHUNK)) {
            await tx`INSERT INTO logs ${tx(chunk, 'app_id', 'version_id', 'function_name', 'request_id', 'level', 'source', 'message', 'logged_at')}`;
          }
        });
      },
      async query(q) {
        const limit = logLimit(q);
        const levels = levelsFrom(q.level);
        const since = q.since === undefined ? undefined : checkTime('log query since', q.since);
        const afterId = q.afterId === undefined ? undefined : checkTime('log query afterId', q.afterId);
        const rows = await sql`
          SELECT * FROM logs WHERE app_id = ${q.appId}
          ${q.function !== undefined ? sql`AND function_name = ${q.function}` : sql``}
          ${q.versionId !== undefined ? sql`AND version_id = ${q.versionId}` : sql``}
          ${q.requestId !== undefined ? sql`AND request_id = ${q.requestId}` : sql``}
          ${levels ? sql`AND level IN ${sql(levels)}` : sql``}
          ${since !== undefined ? sql`AND logged_at >= ${since}` : sql``}
          ${afterId !== undefined ? sql`AND id > ${afterId} ORDER BY id ASC` : sql`ORDER BY id DESC`}
          LIMIT ${limit}`;
        const entries = rows.map(toLogEntry);
        return afterId === undefined ? entries.reverse() : entries;
      },
      async prune({ maxPerApp, olderThan }) {
        let deleted = 0;
        if (olderThan !== undefined) {
          checkTime('log retention olderThan', olderThan);
          for (;;) {
            const r = await sql`
              DELETE FROM logs WHERE id IN (SELECT id FROM logs WHERE logged_at < ${olderThan} ORDER BY logged_at LIMIT ${PRUNE_BATCH})`;
            deleted += r.count;
            if (r.count < PRUNE_BATCH) break;
          }
        }
        if (maxPerApp !== undefined) {
          checkMaxPerApp(maxPerApp);
          for (const { app_id: appId } of await sql`SELECT DISTINCT app_id FROM logs`) {
            const [cutoff] = await sql`SELECT id FROM logs WHERE app_id = ${appId} ORDER BY id DESC LIMIT 1 OFFSET ${maxPerApp}`;
            if (!cutoff) continue;
            const r = await sql`DELETE FROM logs WHERE app_id = ${appId} AND id <= ${cutoff.id}`;
            deleted += r.count;
          }
        }
        return deleted;
      },
    },

    usage: {
      async record(records) {
        if (records.length === 0) return;
        for (const r of records) checkUsageRecord(r);
        const rows = records.map((r) => ({
          app_id: r.appId, version_id: r.versionId, function_name: r.function, request_id: r.requestId, started_at: r.startedAt,
          wall_ms: r.wallMs, cpu_ms: r.cpuMs, peak_memory_bytes: r.peakMemoryBytes, bytes_in: r.bytesIn, bytes_out: r.bytesOut,
          status: r.status, outcome: r.outcome,
        }));
        await sql.begin(async (tx) => {
          for (const chunk of chunks(rows, INSERT_CHUNK)) {
            await tx`INSERT INTO usage_records ${tx(chunk,
              'app_id', 'version_id', 'function_name', 'request_id', 'started_at', 'wall_ms', 'cpu_ms', 'peak_memory_bytes',
              'bytes_in', 'bytes_out', 'status', 'outcome')}`;
          }
        });
      },
      async aggregate(q) {
        checkUsageQuery(q);
        const b = q.bucketMs;
        // The column list is fixed text shared with the SQLite backend (no input in it).
        const rows = await sql`
          SELECT ${sql.unsafe(USAGE_AGGREGATE_COLUMNS)}
          FROM (
            SELECT (started_at / ${b}::bigint) * ${b}::bigint AS bucket_start, function_name, wall_ms, cpu_ms, bytes_in, bytes_out,
              peak_memory_bytes, outcome, status,
              ROW_NUMBER() OVER (PARTITION BY started_at / ${b}::bigint, function_name ORDER BY wall_ms) AS rn,
              COUNT(*) OVER (PARTITION BY started_at / ${b}::bigint, function_name) AS n
            FROM usage_records
            WHERE app_id = ${q.appId} AND started_at >= ${q.from} AND started_at < ${q.to}
            ${q.function !== undefined ? sql`AND function_name = ${q.function}` : sql``}
          ) AS u
          GROUP BY bucket_start, function_name
          ORDER BY bucket_start, function_name COLLATE "C"`;
        return rows.map(toUsageBucket);
      },
      async prune({ olderThan }) {
        checkTime('usage retention olderThan', olderThan);
        let deleted = 0;
        for (;;) {
          const r = await sql`
            DELETE FROM usage_records WHERE id IN (SELECT id FROM usage_records WHERE started_at < ${olderThan} ORDER BY started_at LIMIT ${PRUNE_BATCH})`;
          deleted += r.count;
          if (r.count < PRUNE_BATCH) return deleted;
        }
      },
    },
  };
  return store;
}
