// Logs: a query with filters, and a live follow over Server-Sent Events.
import { WaftError } from '../../errors.ts';
import { LOG_LEVELS, LOG_SOURCES, type App, type LogEntry, type LogLevel, type LogQuery, type LogSource } from '../store/types.ts';
import { MAX_LOG_LIMIT } from '../store/validate.ts';
import { findVersion, ownedApp } from './access.ts';
import { sendJson } from './http.ts';
import type { ApiRequest, ApiRoute } from './router.ts';
import { invalid, queryFunction, queryInt, queryParams, queryTime } from './schema.ts';
import { logView } from './views.ts';

const FILTERS = ['function', 'version', 'requestId', 'level', 'source', 'since', 'after'] as const;
const DEFAULT_LIMIT = 1000;
/** A follower starts with this many of the newest entries. */
const BACKLOG = 100;
/** With a source filter, a query reads at most this many entries past `after` before it answers. */
const MAX_SCAN = 100_000;
const KEEP_ALIVE_MS = 15_000;
/** Followers also look for entries written by other server processes this often. */
const POLL_MS = 1000;

interface Filters {
  query: Omit<LogQuery, 'limit' | 'afterId'>;
  source: LogSource | null;
  after: number | null;
}

async function readFilters(r: ApiRequest, app: App, params: Record<string, string>): Promise<Filters> {
  const query: Omit<LogQuery, 'limit' | 'afterId'> = { appId: app.id };
  if (params.function !== undefined) query.function = queryFunction(params.function);
  if (params.version !== undefined) query.versionId = (await findVersion(r, app, params.version)).id;
  if (params.requestId !== undefined) {
    if (params.requestId.length === 0 || params.requestId.length > 100) throw invalid('query.requestId', 'expected a request id of 1–100 characters');
    query.requestId = params.requestId;
  }
  if (params.level !== undefined) {
    if (!LOG_LEVELS.includes(params.level as LogLevel)) throw invalid('query.level', `expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(params.level.slice(0, 40))}`);
    query.level = params.level as LogLevel;
  }
  let source: LogSource | null = null;
  if (params.source !== undefined) {
    if (!LOG_SOURCES.includes(params.source as LogSource)) throw invalid('query.source', `expected one of ${LOG_SOURCES.join(', ')}, got ${JSON.stringify(params.source.slice(0, 40))}`);
    source = params.source as LogSource;
  }
  if (params.since !== undefined) query.since = queryTime(params.since, 'query.since', Date.now());
  const after = params.after !== undefined ? queryInt(params.after, 'query.after', 0, Number.MAX_SAFE_INTEGER) : null;
  return { query, source, after };
}

/**
 * Entries after `after` in id order, at most `limit` of them. The store filters everything but
 * the source; a source filter reads on in pages until it has enough or has read MAX_SCAN.
 * `lastId` is how far it read, to pass as `after` next time.
 */
async function readAfter(r: ApiRequest, f: Filters, after: number, limit: number): Promise<{ entries: LogEntry[]; lastId: number }> {
  const { store } = r.ctx;
  if (f.source === null) {
    const entries = await store.logs.query({ ...f.query, afterId: after, limit });
    return { entries, lastId: entries.length ? entries[entries.length - 1].id : after };
  }
  const out: LogEntry[] = [];
  let cursor = after;
  let scanned = 0;
  while (out.length < limit && scanned < MAX_SCAN) {
    const page = await store.logs.query({ ...f.query, afterId: cursor, limit: MAX_LOG_LIMIT });
    if (page.length === 0) break;
    scanned += page.length;
    for (const e of page) {
      cursor = e.id;
      if (e.source === f.source) {
        out.push(e);
        if (out.length === limit) break;
      }
    }
    if (page.length < MAX_LOG_LIMIT) break;
  }
  return { entries: out, lastId: cursor };
}

/** The newest `limit` matching entries (with a source filter: among the newest 10 000). */
async function readNewest(r: ApiRequest, f: Filters, limit: number): Promise<LogEntry[]> {
  if (f.source === null) return r.ctx.store.logs.query({ ...f.query, limit });
  const page = await r.ctx.store.logs.query({ ...f.query, limit: MAX_LOG_LIMIT });
  return page.filter((e) => e.source === f.source).slice(-limit);
}

export const logRoutes: ApiRoute[] = [
  {
    method: 'GET', pattern: '/api/v1/apps/:app/logs', scope: 'logs:read',
    async handler(r) {
      const app = await ownedApp(r);
      const params = queryParams(r.url, [...FILTERS, 'limit']);
      const f = await readFilters(r, app, params);
      const limit = params.limit !== undefined ? queryInt(params.limit, 'query.limit', 1, MAX_LOG_LIMIT) : DEFAULT_LIMIT;
      let entries: LogEntry[];
      let lastId: number;
      if (f.after !== null) {
        ({ entries, lastId } = await readAfter(r, f, f.after, limit));
      } else {
        entries = await readNewest(r, f, limit);
        lastId = entries.length ? entries[entries.length - 1].id : 0;
      }
      sendJson(r.res, 200, { entries: await Promise.all(entries.map((e) => logView(r.ctx, e))), lastId });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/apps/:app/logs/stream', scope: 'logs:read',
    async handler(r) {
      const { ctx, req, res } = r;
      const app = await ownedApp(r);
      const f = await readFilters(r, app, queryParams(r.url, FILTERS));
      const lastEvent = req.headers['last-event-id'];
      let cursor: number;
      let backlog: LogEntry[] = [];
      if (typeof lastEvent === 'string' && lastEvent !== '') {
        cursor = queryInt(lastEvent, 'header.Last-Event-ID', 0, Number.MAX_SAFE_INTEGER);
      } else if (f.after !== null) {
        cursor = f.after;
      } else {
        backlog = await readNewest(r, f, BACKLOG);
        // Start after everything written so far, matching or not, so nothing old is replayed.
        const [newest] = await ctx.store.logs.query({ appId: app.id, limit: 1 });
        cursor = Math.max(backlog.length ? backlog[backlog.length - 1].id : 0, newest?.id ?? 0);
      }
      if (ctx.stopping) throw new WaftError('WAFT_E_SERVER_STOPPING', 'the server is shutting down');

      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      let closed = false;
      const send = async (entries: LogEntry[]) => {
        for (const e of entries) {
          if (closed) return;
          res.write(`id: ${e.id}\nevent: log\ndata: ${JSON.stringify(await logView(ctx, e))}\n\n`);
        }
      };
      await send(backlog);

      let busy = false;
      let again = false;
      const pull = async () => {
        if (closed) return;
        if (busy) {
          again = true;
          return;
        }
        busy = true;
        try {
          do {
            again = false;
            for (;;) {
              const { entries, lastId } = await readAfter(r, f, cursor, 1000);
              await send(entries);
              const moved = lastId !== cursor;
              cursor = lastId;
              if (!moved || entries.length < 1000) break;
            }
          } while (again && !closed);
        } catch (err) {
          ctx.logger.warn(`Log stream of app "${app.name}" failed: ${(err as Error).message}`);
          stop();
        } finally {
          busy = false;
        }
      };
      const onWritten = (apps: Set<string>) => { if (apps.has(app.id)) void pull(); };
      ctx.accounting.events.on('written', onWritten);
      const poll = setInterval(() => void pull(), POLL_MS);
      const keepAlive = setInterval(() => { if (!closed) res.write(': keep-alive\n\n'); }, KEEP_ALIVE_MS);
      const stream = { close: () => stop() };
      ctx.streams.add(stream);
      function stop() {
        if (closed) return;
        closed = true;
        ctx.accounting.events.off('written', onWritten);
        clearInterval(poll);
        clearInterval(keepAlive);
        ctx.streams.delete(stream);
        res.end();
      }
      req.on('close', stop);
      res.on('close', stop);
      void pull();
    },
  },
];
