// Real servers for tests: is the shared Redis/Postgres reachable (and if not, why — for
// t.skip), removing what a test run left on them, a free port, and a private redis-server that
// a test may kill and restart.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import postgres from 'postgres';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Sends PING; resolves with null on +PONG or with what went wrong. A missing server refuses the
 * connection at once; the timeout only catches a port that never answers, so it is generous: a CI
 * machine busy compiling guests can take seconds to schedule the reply.
 */
function pingRedis(host: string, port: number, timeoutMs = 10_000): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let reply = '';
    const finish = (why: string | null) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => finish(`no answer to PING within ${timeoutMs}ms`), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') ? null : `PING answered ${JSON.stringify(reply.trim())}`);
    });
    socket.on('error', (err) => finish(err.message));
  });
}

/** null when Redis answers at url, else a skip reason. */
export async function redisUnreachable(url = REDIS_URL): Promise<string | null> {
  const u = new URL(url);
  const host = u.hostname || '127.0.0.1';
  const port = Number(u.port || 6379);
  const why = await pingRedis(host, port);
  return why === null ? null
    : `Redis at ${host}:${port} is not reachable: ${why} (install and start it: apt-get install redis-server && service redis-server start)`;
}

/** null when Postgres accepts a query at url, else a skip reason. */
export async function postgresUnreachable(url = POSTGRES_URL): Promise<string | null> {
  const u = new URL(url);
  const where = `${u.hostname || 'localhost'}:${u.port || 5432}`;
  const sql = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await sql`SELECT 1`;
    return null;
  } catch (err) {
    return `Postgres at ${where} is not reachable: ${(err as Error).message} (install and start it with trust auth for user postgres: apt-get install postgresql)`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** Deletes every key the Redis key-value backend keeps for these apps (waft:{app}:*), when Redis is reachable. */
export async function deleteRedisNamespaces(namespaces: Iterable<string>, url = REDIS_URL): Promise<void> {
  const list = [...namespaces];
  if (list.length === 0 || await redisUnreachable(url)) return;
  const raw = new Redis(url);
  try {
    for (const ns of list) {
      const keys: string[] = [];
      for await (const batch of raw.scanStream({ match: `waft:${ns}:*`, count: 1000 })) keys.push(...(batch as string[]));
      if (keys.length > 0) await raw.del(...keys);
    }
  } finally {
    raw.disconnect();
  }
}

/** Drops these schemas and all they hold, when Postgres is reachable. */
export async function dropPostgresSchemas(schemas: Iterable<string>, url = POSTGRES_URL): Promise<void> {
  const list = [...schemas];
  if (list.length === 0 || await postgresUnreachable(url)) return;
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const schema of list) await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  } finally {
    await sql.end();
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let redisServerProbe: string | null | undefined;

/** null when a redis-server binary runs here, else a skip reason. */
export function redisServerMissing(): string | null {
  if (redisServerProbe !== undefined) return redisServerProbe;
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  redisServerProbe = r.status === 0 ? null
    : `redis-server is not installed (${r.error?.message ?? r.stderr.trim()}); install it: apt-get install redis-server`;
  return redisServerProbe;
}

export interface RedisServer {
  port: number;
  url: string;
  pid: number;
  /** SIGKILL, as in a crash; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM; resolves once the process is gone. */
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a private redis-server without persistence (--save "" --appendonly no) on port (or
 * a free one) and resolves once it answers PING.
 */
export async function startRedisServer(options: { port?: number } = {}): Promise<RedisServer> {
  const missing = redisServerMissing();
  if (missing) throw new Error(missing);
  const port = options.port ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'waft-redis-'));
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000); });
  child.stderr!.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-4000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
    resolve();
  }));
  let gone = false;
  void exited.then(() => { gone = true; });

  const deadline = Date.now() + 15_000;
  for (;;) {
    if (gone) throw new Error(`redis-server on port ${port} exited before it answered:\n${output}`);
    if (await pingRedis('127.0.0.1', port, 500) === null) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer PING within 15s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = async (signal: NodeJS.Signals) => {
    if (!gone) child.kill(signal);
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
  };
}
