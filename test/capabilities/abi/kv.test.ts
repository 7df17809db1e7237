// Every key-value call of the guest ABI, made by a real C guest (test/guests/c/cap_script.c)
// through the sandbox, on each backend: SQLite (embedded), Redis and Postgres (real servers).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KvBackendConfig } from '../../../src/capabilities/kv/index.ts';
import type { Sandbox } from '../../../src/sandbox/pool.ts';
import type { CompiledModule } from '../../../src/wasm/cache.ts';
import { clangMissing } from '../../support/guests.ts';
import {
  deleteRedisNamespaces, dropPostgresSchemas, POSTGRES_URL, postgresUnreachable, REDIS_URL, redisUnreachable,
} from '../../support/servers.ts';
import { capabilitySandbox, cModule, makeGrant, runScript } from './support.ts';

function fnv1a(bytes: Uint8Array): string {
  let h = 2166136261;
  for (const b of bytes) h = Math.imul(h ^ b, 16777619) >>> 0;
  return h.toString(16).padStart(8, '0');
}
const pattern = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) % 251);
const text = (s: string) => new TextEncoder().encode(s);

const run = randomBytes(4).toString('hex');
const sqliteDir = mkdtempSync(join(tmpdir(), 'waft-abi-kv-'));
const pgSchema = `waft_abi_t_${run}`;
const limits = { max_value_bytes: '8MiB' };

const backends: { name: string; unreachable: () => Promise<string | null>; config: KvBackendConfig }[] = [
  { name: 'sqlite', unreachable: async () => null, config: { type: 'sqlite', path: sqliteDir, options: limits } },
  { name: 'redis', unreachable: () => redisUnreachable(REDIS_URL), config: { type: 'redis', url: REDIS_URL, options: limits } },
  { name: 'postgres', unreachable: () => postgresUnreachable(POSTGRES_URL), config: { type: 'postgres', url: POSTGRES_URL, options: { ...limits, schema: pgSchema } } },
];

let sandbox: Sandbox;
let script: CompiledModule | null;
before(async () => {
  sandbox = capabilitySandbox();
  script = await cModule('cap_script');
});
after(async () => {
  await sandbox.close();
  rmSync(sqliteDir, { recursive: true, force: true });
  // The shared servers keep what the tests wrote under their own app names and schema: remove it.
  await deleteRedisNamespaces([`abi-redis-${run}`, `abi-redis-${run}-2`]);
  await dropPostgresSchemas([pgSchema]);
});

for (const backend of backends) {
  describe(`guest ABI key-value calls on ${backend.name}`, () => {
    const app = `abi-${backend.name}-${run}`;
    const grant = makeGrant({ app, function: 'kvtest', stores: { default: backend.config, other: backend.config } });

    async function skipWhy(): Promise<string | null> {
      return clangMissing() ?? await backend.unreachable();
    }

    test('open, set, get (in chunks of any size), exists, delete, ttl', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      const { lines, result } = await runScript(sandbox, script!, grant, [
        'version', 'open default',
        'set greeting hello', 'get greeting', 'get greeting 2', 'get missing',
        'exists greeting', 'exists missing', 'del greeting', 'del greeting', 'get greeting',
        'set kept v 86400000', 'get kept', 'set neg v -1',
        'close', 'get kept',
      ]);
      assert.equal(result.error, null);
      const hello = fnv1a(text('hello'));
      assert.deepEqual(lines, [
        'version -> 1',
        'open -> 0 handle=nonzero',
        'set -> 0',
        `get -> 0 len=5 fnv=${hello} value=hello reads=1 drop=0 drop-again=7`,
        `get -> 0 len=5 fnv=${hello} value=hello reads=3 drop=0 drop-again=7`,
        'get -> 2\n  error: key "missing" is not in key-value store "default"',
        'exists -> 0 exists=1',
        'exists -> 0 exists=0',
        'del -> 0 existed=1',
        'del -> 0 existed=0',
        'get -> 2\n  error: key "greeting" is not in key-value store "default"',
        'set -> 0',
        `get -> 0 len=1 fnv=${fnv1a(text('v'))} value=v reads=1 drop=0 drop-again=7`,
        'set -> 5\n  error: ttl_ms -1 is out of range: 0 for no expiry, or 1 to 3153600000000 (100 years)',
        'close -> 0',
        'get -> 7\n  error: key-value store handle 1 is not open (never opened, closed, or not a store)',
      ]);
      assert.ok(result.usage.hostCalls > 16, `host calls counted: ${result.usage.hostCalls}`);
    });

    test('increment: counts from 0, signed deltas, CONFLICT on text and on overflow', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      const { lines } = await runScript(sandbox, script!, grant, [
        'open default', 'incr n 5', 'incr n -7', 'get n', 'set word abc', 'incr word 1', 'get word',
        'incr max 9223372036854775807', 'incr max 1', 'get max',
      ]);
      assert.deepEqual(lines.slice(1, 4), ['incr -> 0 value=5', 'incr -> 0 value=-2', `get -> 0 len=2 fnv=${fnv1a(text('-2'))} value=-2 reads=1 drop=0 drop-again=7`]);
      assert.match(lines[5], /^incr -> 9\n {2}error: key-value store "default": cannot increment key "word": .* \[WAFT_E_KV_NOT_INTEGER\]$/);
      assert.match(lines[6], /value=abc /, 'the value is unchanged');
      assert.equal(lines[7], 'incr -> 0 value=9223372036854775807');
      assert.match(lines[8], /^incr -> 9\n {2}error: key-value store "default": cannot increment key "max": .*signed 64 bits.* \[WAFT_E_KV_NOT_INTEGER\]$/);
      assert.match(lines[9], /value=9223372036854775807 /);
    });

    test('list: pages by prefix with a cursor, each key once, in byte order', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      const { lines } = await runScript(sandbox, script!, grant, [
        'open default', 'set p/b 1', 'set p/a 1', 'set p/c 1', 'set q/x 1', 'set p/d 1', 'set p/e 1',
        'list p/ 2', 'listall p/ 2', 'listall p/ 0', 'listall nothing/ 5',
      ]);
      assert.equal(lines[7], 'list -> 0 page count=2 [p/a] [p/b] cursor=more\n  pages=1');
      assert.equal(lines[8], [
        'list -> 0 page count=2 [p/a] [p/b] cursor=more',
        '  page count=2 [p/c] [p/d] cursor=more',
        '  page count=1 [p/e] cursor=end',
        '  pages=3',
      ].join('\n'));
      assert.equal(lines[9], 'list -> 0 page count=5 [p/a] [p/b] [p/c] [p/d] [p/e] cursor=end\n  pages=1');
      assert.equal(lines[10], 'list -> 0 page count=0 cursor=end\n  pages=1');
    });

    test('a 5 MB value is paged through a 1 KiB guest buffer; a value over the limit is TOO_LARGE', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      const size = 5_000_000;
      const { lines, result } = await runScript(sandbox, script!, grant, [
        'open default', `setbig big ${size}`, 'get big 1024', 'get big 65536', `setbig huge ${9 * 1024 * 1024}`, 'get huge',
      ], { memoryBytes: 64 * 1024 * 1024 });
      assert.equal(result.error, null);
      const sum = fnv1a(pattern(size));
      assert.equal(lines[1], `setbig -> 0 fnv=${sum}`);
      assert.equal(lines[2], `get -> 0 len=${size} fnv=${sum} reads=${Math.ceil(size / 1024)} drop=0 drop-again=7`);
      assert.equal(lines[3], `get -> 0 len=${size} fnv=${sum} reads=${Math.ceil(size / 65536)} drop=0 drop-again=7`);
      assert.match(lines[4], /^setbig -> 3 fnv=\w+\n {2}error: key-value store "default": the value is 9437184 bytes, over the limit of 8388608 bytes \(maxValueBytes\) \[WAFT_E_KV_TOO_LARGE\]$/);
      assert.match(lines[5], /^get -> 2\n/, 'nothing was written');
    });

    test('stores and apps are kept apart', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      await runScript(sandbox, script!, grant, ['open default', 'set shared-name from-default']);
      const other = await runScript(sandbox, script!, grant, ['open other', 'get shared-name', 'set shared-name from-other']);
      assert.match(other.lines[1], /^get -> 2\n/);
      const otherApp = makeGrant({ ...grant, app: `${app}-2` });
      const stranger = await runScript(sandbox, script!, otherApp, ['open default', 'get shared-name']);
      assert.match(stranger.lines[1], /^get -> 2\n/);
      const again = await runScript(sandbox, script!, grant, ['open default', 'get shared-name']);
      assert.match(again.lines[1], /value=from-default /);
    });

    test('handles of the wrong kind, dropped or never made are BAD_HANDLE', async (t) => {
      const why = await skipWhy();
      if (why) return t.skip(why);
      const { lines, result } = await runScript(sandbox, script!, grant, ['open default', 'badhandle']);
      assert.equal(result.error, null);
      assert.equal(lines[1], 'badhandle -> get=7 read=7 drop=7 resp=7\n  error: HTTP response handle 1 is not open (never made, dropped, or not a response)');
    });
  });
}
