// The embedded backend: node:sqlite, one WAL-mode file per app (namespace) under `path`.
// node:sqlite is synchronous, so each call runs to completion on the calling thread; increment
// still runs in a BEGIN IMMEDIATE transaction so that other processes using the same file
// cannot interleave with it.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { WaftError } from '../../errors.ts';
import type { KvBackend, KvLimits } from './contract.ts';
import { integerBytes, INT64_MAX, INT64_MIN, notInteger, prefixEnd, resolveLimits, storedInteger } from './rules.ts';
import { storeBackend, type RawStore, type StoreInfo } from './store.ts';

const BUSY_TIMEOUT_MS = 2000;
const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 1000;

const schema = `
  CREATE TABLE IF NOT EXISTS waft_kv (
    namespace  TEXT NOT NULL,
    store      TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      BLOB NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (namespace, store, key)
  );
  CREATE INDEX IF NOT EXISTS waft_kv_expires_at ON waft_kv (expires_at) WHERE expires_at IS NOT NULL;
`;

const live = '(expires_at IS NULL OR expires_at > ?)';
const where = 'namespace = ? AND store = ? AND key = ?';

interface Statements {
  get: StatementSync;
  getForIncrement: StatementSync;
  set: StatementSync;
  delete: StatementSync;
  exists: StatementSync;
  listBounded: StatementSync;
  listOpen: StatementSync;
  sweep: StatementSync;
}

interface Connection {
  db: DatabaseSync;
  file: string;
  stmts: Statements;
  lastSweep: number;
}

function connect(file: string): Connection {
  const db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
    db.exec(schema);
    const stmts: Statements = {
      get: db.prepare(`SELECT value FROM waft_kv WHERE ${where} AND ${live}`),
      getForIncrement: db.prepare(`SELECT value, expires_at FROM waft_kv WHERE ${where} AND ${live}`),
      set: db.prepare(`INSERT INTO waft_kv (namespace, store, key, value, expires_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (namespace, store, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`),
      delete: db.prepare(`DELETE FROM waft_kv WHERE ${where} RETURNING expires_at`),
      exists: db.prepare(`SELECT 1 AS found FROM waft_kv WHERE ${where} AND ${live}`),
      listBounded: db.prepare(`SELECT key FROM waft_kv WHERE namespace = ? AND store = ?
        AND key >= ? AND key < ? AND key > ? AND ${live} ORDER BY key LIMIT ?`),
      listOpen: db.prepare(`SELECT key FROM waft_kv WHERE namespace = ? AND store = ?
        AND key >= ? AND key > ? AND ${live} ORDER BY key LIMIT ?`),
      sweep: db.prepare(`DELETE FROM waft_kv WHERE rowid IN
        (SELECT rowid FROM waft_kv WHERE expires_at <= ? LIMIT ${SWEEP_BATCH})`),
    };
    const conn = { db, file, stmts, lastSweep: 0 };
    sweep(conn);
    return conn;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Expired rows are invisible at once; this removes them from the file now and then. */
function sweep(conn: Connection): void {
  const now = Date.now();
  if (now - conn.lastSweep < SWEEP_EVERY_MS) return;
  conn.lastSweep = now;
  conn.stmts.sweep.run(now);
}

function rawStore(conn: Connection, info: StoreInfo): RawStore {
  const { stmts, db } = conn;
  const ns = info.namespace;
  const st = info.store;
  return {
    async get(key) {
      const row = stmts.get.get(ns, st, key, Date.now());
      return row ? (row.value as Uint8Array) : null;
    },
    async set(key, value, ttlMs) {
      const now = Date.now();
      stmts.set.run(ns, st, key, value, ttlMs === null ? null : now + ttlMs);
      sweep(conn);
    },
    async delete(key) {
      const row = stmts.delete.get(ns, st, key);
      if (!row) return false;
      return row.expires_at === null || (row.expires_at as number) > Date.now();
    },
    async exists(key) {
      return stmts.exists.get(ns, st, key, Date.now()) !== undefined;
    },
    async list(prefix, after, count) {
      const end = prefixEnd(prefix);
      const rows = end === null
        ? stmts.listOpen.all(ns, st, prefix, after ?? '', Date.now(), count)
        : stmts.listBounded.all(ns, st, prefix, end, after ?? '', Date.now(), count);
      return { keys: rows.map((r) => r.key as string) };
    },
    async increment(key, delta) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const row = stmts.getForIncrement.get(ns, st, key, Date.now());
        let current = 0n;
        let expiresAt: number | null = null;
        if (row) {
          const n = storedInteger(row.value as Uint8Array);
          if (n === null) throw notInteger(info, key, 'the stored value is not the decimal text of a signed 64-bit integer');
          current = n;
          expiresAt = row.expires_at as number | null;
        }
        const next = current + delta;
        if (next < INT64_MIN || next > INT64_MAX) throw notInteger(info, key, `${current} + ${delta} is outside signed 64 bits`);
        stmts.set.run(ns, st, key, integerBytes(next), expiresAt);
        db.exec('COMMIT');
        return next;
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
    },
  };
}

export function sqliteBackend(options: { path: string; limits?: Partial<KvLimits> }): KvBackend {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new WaftError('WAFT_E_KV_CONFIG', 'the sqlite key-value backend needs `path`: the directory that holds one SQLite file per app');
  }
  const dir = resolve(options.path);
  const connections = new Map<string, Connection>();

  return storeBackend({
    backend: 'sqlite',
    limits: resolveLimits(options.limits, 'sqlite key-value limits'),
    address: (namespace) => join(dir, `${namespace}.sqlite`),
    open(info) {
      let conn = connections.get(info.namespace);
      if (!conn) {
        mkdirSync(dir, { recursive: true });
        conn = connect(info.address);
        connections.set(info.namespace, conn);
      }
      return rawStore(conn, info);
    },
    close() {
      for (const conn of connections.values()) conn.db.close();
      connections.clear();
    },
  });
}
