// The Postgres backend (porsager/postgres): one table for every app and store,
// {schema}.waft_kv (namespace, store, key, value bytea, expires_at), created when missing.
// Keys are text in the "C" collation, so that ORDER BY and ranges follow UTF-8 bytes like the
// other backends. Expiry uses the database clock, so several hosts agree on it.
import postgres from 'postgres';
import { WaftError } from '../../errors.ts';
import type { KvBackend, KvLimits } from './contract.ts';
import { notInteger, prefixEnd, resolveLimits } from './rules.ts';
import { storeBackend, type RawStore, type StoreInfo } from './store.ts';

const CONNECT_TIMEOUT_S = 5;
const SWEEP_EVERY_MS = 60_000;
const SWEEP_BATCH = 1000;
const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** "127.0.0.1:5432/dbname" from the url, without credentials. */
function postgresAddress(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new WaftError('WAFT_E_KV_CONFIG', 'postgres key-value backend: cannot read the url; write postgres://[user[:password]@]host[:port]/database');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new WaftError('WAFT_E_KV_CONFIG', `postgres key-value backend: the url must start with postgres:// or postgresql://, not ${u.protocol}//`);
  }
  return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname.length > 1 ? u.pathname : ''}`;
}

export function postgresBackend(options: { url: string; limits?: Partial<KvLimits>; schema?: string }): KvBackend {
  if (typeof options?.url !== 'string' || options.url === '') {
    throw new WaftError('WAFT_E_KV_CONFIG', 'the postgres key-value backend needs `url`, e.g. postgres://postgres@127.0.0.1:5432/waft');
  }
  const address = postgresAddress(options.url);
  const limits = resolveLimits(options.limits, 'postgres key-value limits');
  const schema = options.schema ?? 'public';
  if (typeof schema !== 'string' || !schemaPattern.test(schema)) {
    throw new WaftError('WAFT_E_KV_CONFIG', `postgres key-value backend: schema ${JSON.stringify(schema)} must be a plain lower-case identifier (letters, digits, "_")`, { schema });
  }

  let sql: postgres.Sql | undefined;
  let ready: Promise<void> | undefined;
  let sweeping: Promise<void> | undefined;
  let lastSweep = 0;

  function db(): postgres.Sql {
    sql ??= postgres(options.url, {
      connect_timeout: CONNECT_TIMEOUT_S,
      idle_timeout: 60,
      onnotice: () => {},
    });
    return sql;
  }

  async function ensureTable(s: postgres.Sql): Promise<void> {
    const table = s(`${schema}.waft_kv`);
    await s.begin(async (tx) => {
      // Two hosts creating the table at once would otherwise race in the catalog.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`waft_kv:${schema}`}))`;
      const [{ encoding }] = await tx`SELECT current_setting('server_encoding') AS encoding`;
      if (encoding !== 'UTF8') {
        throw new WaftError('WAFT_E_KV_CONFIG', `postgres key-value backend: the database at ${address} is encoded as ${encoding}; key-value stores need a UTF8 database`, { encoding });
      }
      const [{ present }] = await tx`SELECT to_regclass(${`"${schema}".waft_kv`}) IS NOT NULL AS present`;
      if (present) return;
      const [{ hasSchema }] = await tx`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS "hasSchema"`;
      if (!hasSchema) await tx`CREATE SCHEMA ${tx(schema)}`;
      await tx`
        CREATE TABLE ${table} (
          namespace  text NOT NULL,
          store      text NOT NULL,
          key        text COLLATE "C" NOT NULL,
          value      bytea NOT NULL,
          expires_at timestamptz,
          PRIMARY KEY (namespace, store, key)
        )`;
      await tx`CREATE INDEX waft_kv_expires_at ON ${table} (expires_at) WHERE expires_at IS NOT NULL`;
    });
  }

  /** Expired rows are invisible at once; this removes some of them now and then. */
  function maybeSweep(s: postgres.Sql): void {
    const now = Date.now();
    if (sweeping || now - lastSweep < SWEEP_EVERY_MS) return;
    lastSweep = now;
    const table = s(`${schema}.waft_kv`);
    sweeping = s`DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM ${table} WHERE expires_at <= now() LIMIT ${SWEEP_BATCH}))`
      .then(() => {}, () => {})
      .finally(() => { sweeping = undefined; });
  }

  function rawStore(s: postgres.Sql, info: StoreInfo): RawStore {
    const table = s(`${schema}.waft_kv`);
    const ns = info.namespace;
    const st = info.store;
    const live = s`(expires_at IS NULL OR expires_at > now())`;
    return {
      async get(key) {
        const rows = await s`SELECT value FROM ${table} WHERE namespace = ${ns} AND store = ${st} AND key = ${key} AND ${live}`;
        return rows.length === 0 ? null : new Uint8Array(rows[0].value as Buffer);
      },
      async set(key, value, ttlMs) {
        const expires = ttlMs === null ? s`NULL` : s`now() + ${ttlMs}::float8 * interval '1 millisecond'`;
        await s`INSERT INTO ${table} (namespace, store, key, value, expires_at)
          VALUES (${ns}, ${st}, ${key}, ${value}, ${expires})
          ON CONFLICT (namespace, store, key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`;
        maybeSweep(s);
      },
      async delete(key) {
        const rows = await s`DELETE FROM ${table} WHERE namespace = ${ns} AND store = ${st} AND key = ${key}
          RETURNING (expires_at IS NULL OR expires_at > now()) AS live`;
        return rows.length > 0 && rows[0].live === true;
      },
      async exists(key) {
        const rows = await s`SELECT 1 FROM ${table} WHERE namespace = ${ns} AND store = ${st} AND key = ${key} AND ${live}`;
        return rows.length > 0;
      },
      async list(prefix, after, count) {
        const end = prefixEnd(prefix);
        const rows = await s`SELECT key FROM ${table} WHERE namespace = ${ns} AND store = ${st}
          AND key >= ${prefix} ${end === null ? s`` : s`AND key < ${end}`} AND key > ${after ?? ''}
          AND ${live} ORDER BY key LIMIT ${count}`;
        return { keys: rows.map((r) => r.key as string) };
      },
      async increment(key, delta) {
        // One statement: the row lock of ON CONFLICT makes concurrent increments queue up. The
        // WHERE leaves a non-canonical value alone (no row comes back); the escape encoding
        // turns every non-ASCII byte into "\nnn", so only plain decimal text can match.
        const d = delta.toString();
        const expired = s`(kv.expires_at IS NOT NULL AND kv.expires_at <= now())`;
        try {
          const rows = await s`INSERT INTO ${table} AS kv (namespace, store, key, value)
            VALUES (${ns}, ${st}, ${key}, convert_to(${d}::bigint::text, 'UTF8'))
            ON CONFLICT (namespace, store, key) DO UPDATE SET
              value = convert_to((CASE WHEN ${expired} THEN 0 ELSE convert_from(kv.value, 'UTF8')::bigint END + ${d}::bigint)::text, 'UTF8'),
              expires_at = CASE WHEN ${expired} THEN NULL ELSE kv.expires_at END
            WHERE ${expired} OR encode(kv.value, 'escape') ~ '^(0|-?[1-9][0-9]{0,18})$'
            RETURNING convert_from(value, 'UTF8') AS value`;
          if (rows.length === 0) throw notInteger(info, key, 'the stored value is not the decimal text of a signed 64-bit integer');
          return BigInt(rows[0].value as string);
        } catch (err) {
          if ((err as { code?: string }).code === '22003') {
            throw notInteger(info, key, `adding ${delta} would leave signed 64 bits (or the stored number already does)`);
          }
          throw err;
        }
      },
    };
  }

  return storeBackend({
    backend: 'postgres',
    limits,
    address: () => address,
    async open(info) {
      const s = db();
      ready ??= ensureTable(s).catch((err) => { ready = undefined; throw err; });
      await ready;
      return rawStore(s, info);
    },
    async close() {
      await sweeping;
      await sql?.end({ timeout: 5 });
      sql = undefined;
    },
  });
}
