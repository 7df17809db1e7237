// A client for the waft server API (docs/api.md) over undici. Every non-2xx answer becomes a
// ServerError carrying the server's code, message, details, hint and request id unchanged.
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { WaftError } from '../../errors.ts';
import { ServerError } from './server-error.ts';
import { readSse, type SseEvent } from './sse.ts';
import type {
  App, BundleEntry, Deployment, Invocation, InvokeRequest, LogEntry, LogQuery, NewToken, ServerInfo, Token, Usage, User, Version,
} from './types.ts';

type Query = Record<string, string | number | undefined>;

export interface CallOptions {
  query?: Query;
  json?: unknown;
  body?: Readable | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const seg = encodeURIComponent;

export class ApiClient {
  readonly server: string;
  readonly #token: string | null;
  readonly #agent: Agent;

  /** `server` is the base URL (http://host:port); `token` may be null for /info only. */
  constructor(server: string, token: string | null) {
    this.server = server.replace(/\/+$/, '');
    this.#token = token;
    this.#agent = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: 10_000 } });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  url(path: string, query?: Query): string {
    let url = `${this.server}/api/v1${path}`;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    if (qs) url += `?${qs}`;
    return url;
  }

  /** Sends one request; resolves to the raw response when its status is 2xx, else throws ServerError. */
  async send(method: Dispatcher.HttpMethod, path: string, options: CallOptions = {}): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let body: string | Buffer | Readable | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    const url = this.url(path, options.query);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, { method, headers, body, dispatcher: this.#agent, signal: options.signal });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      throw new WaftError('WAFT_E_HTTP_UNREACHABLE', `cannot reach the waft server at ${this.server}: ${reason}`, { server: this.server });
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res;
    const text = method === 'HEAD' ? '' : await res.body.text();
    const requestId = headerValue(res.headers['x-request-id']);
    throw ServerError.fromResponse(res.statusCode, text, requestId);
  }

  async call<T>(method: Dispatcher.HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    const res = await this.send(method, path, options);
    const text = await res.body.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new WaftError('WAFT_E_HTTP_UNREACHABLE', `${method} ${path}: the server at ${this.server} did not answer with JSON; is it a waft server?`);
    }
  }

  // ── server and identity ──
  info(): Promise<ServerInfo> { return this.call('GET', '/info'); }
  me(): Promise<{ user: User; token: Token }> { return this.call('GET', '/me'); }

  // ── tokens ──
  async tokens(): Promise<Token[]> { return (await this.call<{ tokens: Token[] }>('GET', '/tokens')).tokens; }
  createToken(token: NewToken): Promise<{ token: Token; secret: string }> { return this.call('POST', '/tokens', { json: token }); }
  async revokeToken(id: string): Promise<Token> { return (await this.call<{ token: Token }>('DELETE', `/tokens/${seg(id)}`)).token; }

  // ── apps ──
  async apps(): Promise<App[]> { return (await this.call<{ apps: App[] }>('GET', '/apps')).apps; }
  async app(name: string): Promise<App> { return (await this.call<{ app: App }>('GET', `/apps/${seg(name)}`)).app; }
  async createApp(name: string): Promise<App> { return (await this.call<{ app: App }>('POST', '/apps', { json: { name } })).app; }
  async deleteApp(name: string): Promise<void> { await this.call('DELETE', `/apps/${seg(name)}`); }

  /** The app, created first when the caller has none of that name. */
  async ensureApp(name: string): Promise<{ app: App; created: boolean }> {
    try {
      return { app: await this.app(name), created: false };
    } catch (err) {
      if (!(err instanceof ServerError && err.code === 'WAFT_E_APP_NOT_FOUND')) throw err;
    }
    return { app: await this.createApp(name), created: true };
  }

  // ── blobs ──
  async hasBlob(app: string, sha256: string): Promise<boolean> {
    try {
      const res = await this.send('HEAD', `/apps/${seg(app)}/blobs/${sha256}`);
      await res.body.dump();
      return true;
    } catch (err) {
      // A HEAD answer has no body, so an error's code and hint cannot come with it: any refusal
      // counts as "not there", and the PUT that follows gets the full error.
      if (err instanceof ServerError) return false;
      throw err;
    }
  }

  putBlob(app: string, sha256: string, size: number, body: Readable | Buffer): Promise<{ sha256: string; size: number }> {
    return this.call('PUT', `/apps/${seg(app)}/blobs/${sha256}`, {
      body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    });
  }

  // ── versions and deployments ──
  async versions(app: string): Promise<Version[]> { return (await this.call<{ versions: Version[] }>('GET', `/apps/${seg(app)}/versions`)).versions; }
  async version(app: string, version: string | number): Promise<Version> {
    return (await this.call<{ version: Version }>('GET', `/apps/${seg(app)}/versions/${seg(String(version))}`)).version;
  }
  async createVersion(app: string, manifest: string, files: Record<string, BundleEntry>): Promise<Version> {
    return (await this.call<{ version: Version }>('POST', `/apps/${seg(app)}/versions`, { json: { manifest, files } })).version;
  }
  async deployments(app: string): Promise<Deployment[]> {
    return (await this.call<{ deployments: Deployment[] }>('GET', `/apps/${seg(app)}/deployments`)).deployments;
  }
  deploy(app: string, version: string | number): Promise<{ deployment: Deployment; app: App }> {
    return this.call('POST', `/apps/${seg(app)}/deployments`, { json: { version } });
  }
  rollback(app: string, version?: string | number): Promise<{ deployment: Deployment; app: App }> {
    return this.call('POST', `/apps/${seg(app)}/rollback`, { json: version === undefined ? {} : { version } });
  }

  // ── invoke, logs, usage ──
  invoke(app: string, req: InvokeRequest): Promise<Invocation> { return this.call('POST', `/apps/${seg(app)}/invoke`, { json: req }); }

  logs(app: string, query: LogQuery = {}): Promise<{ entries: LogEntry[]; lastId: number }> {
    return this.call('GET', `/apps/${seg(app)}/logs`, { query: query as Query });
  }

  /**
   * Follows the log: yields entries as the server sends them, and reconnects with Last-Event-ID
   * (resuming exactly after the last entry) when the connection drops, until `signal` aborts.
   */
  async *followLogs(app: string, query: Omit<LogQuery, 'limit'> = {}, signal?: AbortSignal): AsyncGenerator<LogEntry> {
    let lastId: string | undefined = query.after === undefined ? undefined : String(query.after);
    let failures = 0;
    while (!signal?.aborted) {
      const q = { ...query } as Query;
      delete q.after;
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastId !== undefined) headers['last-event-id'] = lastId;
      let res: Dispatcher.ResponseData;
      try {
        res = await this.send('GET', `/apps/${seg(app)}/logs/stream`, { query: q, headers, signal });
      } catch (err) {
        if (signal?.aborted) return;
        // Errors the server sent (bad token, unknown app) are final; a lost or restarting server
        // (unreachable, or 503 while it stops or its database is away) is retried.
        const transient = (err instanceof WaftError && err.code === 'WAFT_E_HTTP_UNREACHABLE') || (err instanceof ServerError && err.status === 503);
        if (!transient || ++failures > 30) throw err;
        await sleep(Math.min(5_000, 250 * 2 ** Math.min(failures, 5)), signal);
        continue;
      }
      failures = 0;
      try {
        for await (const event of readSse(res.body)) {
          if (event.id !== undefined) lastId = event.id;
          if (event.event === 'log' && event.data) yield JSON.parse(event.data) as LogEntry;
        }
      } catch (err) {
        if (signal?.aborted) return;
        if ((err as Error).name !== 'AbortError' && !isConnectionError(err)) throw err;
      }
    }
  }

  usage(app: string, query: { from?: string | number; to?: string | number; bucket?: string; function?: string } = {}): Promise<Usage> {
    return this.call('GET', `/apps/${seg(app)}/usage`, { query });
  }
}

function isConnectionError(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code.startsWith('UND_ERR') || code === 'ECONNRESET' || code === 'EPIPE';
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

export type { SseEvent };
