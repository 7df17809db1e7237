// A real `waft server` in this process (port 0) on a fresh data directory, with SQLite or a
// fresh Postgres database, and a small HTTP client for its API.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { Logger } from '../../../src/host/logger.ts';
import { startServer, type ServerOptions, type WaftServer } from '../../../src/server/server.ts';
import { createTestDatabase } from '../store/pg.ts';

export type Backend = 'sqlite' | 'postgres';

export const ADMIN_TOKEN = `waft_test_admin_${'a'.repeat(40)}`;

export interface TestServer {
  server: WaftServer;
  url: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  logs(): string;
  stop(): Promise<void>;
}

/** A running server, or a skip reason (Postgres unreachable). */
export async function startTestServer(backend: Backend, options: Partial<ServerOptions> = {}): Promise<TestServer | string> {
  let databaseUrl: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  if (backend === 'postgres') {
    const db = await createTestDatabase();
    if (typeof db === 'string') return db;
    databaseUrl = db.url;
    drop = () => db.drop();
  }
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'waft-server-test-'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const server = await startServer({
    dataDir, databaseUrl, host: '127.0.0.1', port: 0, domain: 'localhost', logger: new Logger('plain', out), adminToken: ADMIN_TOKEN,
    sandbox: { minWorkers: 2 }, ...options,
  });
  return {
    server, url: server.url, port: server.ctx.address.port, dataDir, databaseUrl,
    logs: () => text,
    async stop() {
      await server.stop(2000);
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
      await drop?.();
    },
  };
}

export interface Reply<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
  text: string;
}

/** One API call. `body` objects are sent as JSON; Uint8Array/string as they are. */
export async function call<T = any>(
  base: string, method: string, path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Uint8Array | undefined;
  if (opts.body instanceof Uint8Array || typeof opts.body === 'string') body = opts.body;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const r = await request(`${base}${path}`, { method: method as 'GET', headers, body });
  const text = await r.body.text();
  let parsed: unknown = text;
  if (String(r.headers['content-type'] ?? '').startsWith('application/json')) parsed = JSON.parse(text);
  return { status: r.statusCode, headers: r.headers, body: parsed as T, text };
}

/** A request to a deployed app, by Host header (<app>.localhost) or by /apps/<app>/ path. */
export async function hit(t: TestServer, app: string, path: string, how: 'host' | 'path' = 'host', init: { method?: string; body?: string } = {}): Promise<Reply<string>> {
  const url = how === 'host' ? `${t.url}${path}` : `${t.url}/apps/${app}${path}`;
  const headers: Record<string, string> = how === 'host' ? { host: `${app}.localhost:${t.port}` } : {};
  const r = await request(url, { method: (init.method ?? 'GET') as 'GET', headers, body: init.body });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, body: text, text };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface BundleFileInput {
  path: string;
  bytes: Uint8Array;
}

/** Uploads each file's blob for the app, then creates the version; returns the reply of the version call. */
export async function uploadVersion(base: string, token: string, app: string, manifest: string, files: BundleFileInput[]): Promise<Reply> {
  const listed: Record<string, { sha256: string; size: number }> = {};
  for (const f of files) {
    const sha = sha256(f.bytes);
    const put = await call(base, 'PUT', `/api/v1/apps/${app}/blobs/${sha}`, { token, body: f.bytes, headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`blob upload of ${f.path}: ${put.status} ${put.text}`);
    listed[f.path] = { sha256: sha, size: f.bytes.byteLength };
  }
  return call(base, 'POST', `/api/v1/apps/${app}/versions`, { token, body: { manifest, files: listed } });
}

export function file(path: string, source: string): BundleFileInput {
  return { path, bytes: new Uint8Array(readFileSync(source)) };
}

/** A user and a token of theirs with the default scopes, made by the admin. */
export async function makeUser(base: string, name: string, token?: { scopes?: string[]; expiresIn?: string }): Promise<{ id: string; token: string }> {
  const r = await call(base, 'POST', '/api/v1/users', { token: ADMIN_TOKEN, body: { name, ...(token ? { token } : {}) } });
  if (r.status !== 201) throw new Error(`create user ${name}: ${r.status} ${r.text}`);
  return { id: r.body.user.id, token: r.body.secret };
}
