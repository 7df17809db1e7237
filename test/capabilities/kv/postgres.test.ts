import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import postgres from 'postgres';
import { WaftError } from '../../../src/errors.ts';
import { kvConformance } from '../../../src/capabilities/kv/conformance.case.ts';
import { postgresBackend } from '../../../src/capabilities/kv/index.ts';
import { dropPostgresSchemas, freePort, POSTGRES_URL, postgresUnreachable } from '../../support/servers.ts';

// Each run works in schemas of its own, dropped at the end.
const run = randomBytes(4).toString('hex');
const schemas = new Set<string>();
function schemaFor(purpose: string): string {
  const schema = `waft_kv_t_${run}_${purpose}`;
  schemas.add(schema);
  return schema;
}

after(() => dropPostgresSchemas(schemas));

const conformanceSchema = schemaFor('conformance');
kvConformance('postgres', async () => (await postgresUnreachable(POSTGRES_URL)) ?? postgresBackend({ url: POSTGRES_URL, schema: conformanceSchema }));

test('postgres: one table (namespace, store, key, value bytea, expires_at), created when missing', async (t) => {
  const why = await postgresUnreachable(POSTGRES_URL);
  if (why) return t.skip(why);
  const schema = schemaFor('layout');
  const backend = postgresBackend({ url: POSTGRES_URL, schema });
  const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  try {
    // Two backends opening at once must not race each other into a catalog error.
    const other = postgresBackend({ url: POSTGRES_URL, schema });
    const [kv] = await Promise.all([backend.open('default', 'app'), other.open('default', 'app')]);
    await other.close();
    await kv.set('k', new Uint8Array([0, 255]), { ttlMs: 60_000 });
    const columns = await sql`SELECT column_name, data_type, collation_name FROM information_schema.columns
      WHERE table_schema = ${schema} AND table_name = 'waft_kv' ORDER BY ordinal_position`;
    assert.deepEqual(columns.map((c) => [c.column_name, c.data_type, c.collation_name]), [
      ['namespace', 'text', null],
      ['store', 'text', null],
      ['key', 'text', 'C'],
      ['value', 'bytea', null],
      ['expires_at', 'timestamp with time zone', null],
    ]);
    const rows = await sql`SELECT namespace, store, key, value, expires_at > now() AS future FROM ${sql(schema)}.waft_kv`;
    assert.deepEqual(rows.map((r) => ({ ...r, value: [...r.value] })), [{ namespace: 'app', store: 'default', key: 'k', value: [0, 255], future: true }]);
  } finally {
    await sql.end();
    await backend.close();
  }
});

test('postgres: a server that is not there fails with WAFT_E_KV_UNAVAILABLE naming it', async () => {
  const port = await freePort();
  const backend = postgresBackend({ url: `postgres://postgres@127.0.0.1:${port}/waft` });
  try {
    await assert.rejects(backend.open('default', 'app'), (err: unknown) => {
      assert.ok(err instanceof WaftError);
      assert.equal(err.code, 'WAFT_E_KV_UNAVAILABLE');
      assert.match(err.message, new RegExp(`^key-value store "default" \\(postgres at 127\\.0\\.0\\.1:${port}/waft\\) is unavailable: .*ECONNREFUSED`));
      return true;
    });
  } finally {
    await backend.close();
  }
});

test('postgres: a schema name that would inject SQL is WAFT_E_KV_CONFIG', () => {
  for (const schema of ['x; DROP TABLE users', 'a.b', '"quoted"', 'Upper', '', 'x'.repeat(64)]) {
    assert.throws(() => postgresBackend({ url: POSTGRES_URL, schema }), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_KV_CONFIG', schema);
  }
  assert.throws(() => postgresBackend({ url: 'mysql://x' }), (err: unknown) => err instanceof WaftError && err.code === 'WAFT_E_KV_CONFIG');
});
