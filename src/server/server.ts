// `waft server`: one process, one port. By Host and path, a request goes to
//   - a deployed app: Host <app>.<domain>, or the path /apps/<app>/… (the gateway),
//   - the API under /api/v1 (api/),
//   - /healthz, /metrics, and the dashboard under /dashboard/.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve as resolvePath } from 'node:path';
import { abiExtension } from '../capabilities/abi/index.ts';
import { WaftError } from '../errors.ts';
import type { Logger } from '../host/logger.ts';
import { Sandbox, type SandboxOptions } from '../sandbox/pool.ts';
import { createGateway, type Completed, type GatewayApp } from '../triggers/http/gateway.ts';
import { Accounting, usageOutcome } from './accounting/accounting.ts';
import { DEFAULT_RETENTION, prune, startRetention, type PruneResult, type RetentionOptions } from './accounting/retention.ts';
import { SqliteWriter } from './accounting/sqlite-writer.ts';
import { appRoutes } from './api/apps.ts';
import { discardUnreadBody, sendApiError, sendJson } from './api/http.ts';
import { identityRoutes } from './api/identity.ts';
import { invocationLog, invokeRoutes } from './api/invoke.ts';
import { logRoutes } from './api/logs.ts';
import { ApiRouter, type ApiRequest } from './api/router.ts';
import { usageRoutes } from './api/usage.ts';
import { BlobStore } from './artifacts/blobs.ts';
import { authenticate, bootstrapAdmin, hasScope } from './auth/tokens.ts';
import { DEFAULT_BUNDLE_LIMITS } from './bundle/check.ts';
import { Receipts } from './bundle/receipts.ts';
import { clearStaging, versionDirs } from './bundle/stage.ts';
import { DEFAULT_API_LIMITS, type ServerContext, type ServerLimits } from './context.ts';
import { invokeTarget } from './invoke.ts';
import { Metrics } from './metrics.ts';
import { AppRuntime, type ServedApp } from './runtime.ts';
import { DASHBOARD_DIR, DASHBOARD_PREFIX, serveDashboard } from './static.ts';
import { openStore } from './store/index.ts';
import { redactUrl } from './store/postgres.ts';
import { APP_NAME } from './store/validate.ts';

export interface ServerOptions {
  dataDir: string;
  /** postgres://…; unset means SQLite in dataDir. */
  databaseUrl?: string;
  host: string;
  port: number;
  /** Apps answer at <app>.<domain>. */
  domain: string;
  logger: Logger;
  /** WAFT_ADMIN_TOKEN. */
  adminToken?: string;
  limits?: Partial<ServerLimits>;
  retention?: Partial<RetentionOptions>;
  metricsPublic?: boolean;
  /** Let apps reach private addresses their allowed_outbound_hosts name exactly (default false). */
  allowPrivateOutbound?: boolean;
  sandbox?: SandboxOptions;
  dashboardDir?: string;
  /** Test hook: called at named points of uploads and deploys. */
  onStep?: (step: string) => void;
}

export interface WaftServer {
  url: string;
  server: Server;
  ctx: ServerContext;
  /** The admin token this start created, when it generated one (print it once). */
  adminSecret: string | null;
  /** True when adminSecret came from WAFT_ADMIN_TOKEN rather than being generated. */
  adminSecretFromEnv: boolean;
  /** Applies the retention rules now (they also run at start and on a timer), after writing what is queued. */
  prune(): Promise<PruneResult>;
  /** Stops taking requests, lets requests in flight finish for up to graceMs, flushes logs and usage. */
  stop(graceMs: number): Promise<boolean>;
}

const PATH_BASED_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';
const TARGET = Symbol('waft.app');

interface AppTarget {
  name: string;
  path: string;
}

/** The app a Host header names (<app>.<domain>[:port]), or null. */
function appFromHost(host: string | undefined, domain: string): string | null {
  if (!host) return null;
  let h = host.toLowerCase();
  if (h.startsWith('[')) return null;
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length <= domain.length + 1 || !h.endsWith(domain) || h[h.length - domain.length - 1] !== '.') return null;
  const label = h.slice(0, h.length - domain.length - 1);
  return APP_NAME.test(label) ? label : null;
}

const idPrefix = randomBytes(3).toString('hex');
let idCounter = 0;
const newRequestId = () => `${idPrefix}a${(idCounter++).toString(36).padStart(4, '0')}`;

export async function startServer(opts: ServerOptions): Promise<WaftServer> {
  const { logger } = opts;
  const dataDir = resolvePath(opts.dataDir);
  await mkdir(dataDir, { recursive: true });
  const domain = opts.domain.toLowerCase().replace(/\.$/, '');
  const store = await openStore({ dataDir, databaseUrl: opts.databaseUrl });
  const storeKind = opts.databaseUrl?.trim() ? 'postgres' : 'sqlite';
  const closers: (() => Promise<void> | void)[] = [() => store.close()];

  try {
    const blobs = new BlobStore(join(dataDir, 'blobs'));
    const receipts = new Receipts(join(dataDir, 'receipts'));
    const dirs = versionDirs(dataDir);
    await clearStaging(dirs);
    const boot = await bootstrapAdmin(store, opts.adminToken);
    const appsDir = join(dataDir, 'apps');
    const runtime = new AppRuntime({ store, blobs, dirs, appsDir, logger, allowPrivateOutbound: opts.allowPrivateOutbound, onStep: opts.onStep });
    await runtime.start();
    const sandbox = new Sandbox({ extension: abiExtension, ...opts.sandbox });
    closers.push(() => sandbox.close());
    const metrics = new Metrics();
    closers.push(() => metrics.close());
    let lastStoreError = 0;
    let writer: SqliteWriter | null = null;
    if (storeKind === 'sqlite') {
      writer = new SqliteWriter(join(dataDir, 'waft.db'));
      closers.push(() => writer!.close());
      await writer.ready();
    }
    const accounting = new Accounting({
      store, sink: writer ?? undefined,
      onError: (what, err, lost) => {
        const now = Date.now();
        if (now - lastStoreError < 10_000) return;
        lastStoreError = now;
        logger.warn(`Could not write ${lost} ${what === 'logs' ? 'log entries' : 'usage records'} to the store: ${(err as Error).message}`);
      },
    });
    closers.push(() => accounting.close());
    const limits: ServerLimits = { ...DEFAULT_BUNDLE_LIMITS, ...DEFAULT_API_LIMITS, ...opts.limits };

    const gateway = createGateway({
      sandbox, logger,
      resolve(req) {
        const invoke = invokeTarget(req);
        if (invoke) return { app: invoke.app, path: invoke.path };
        const target = (req as unknown as Record<symbol, AppTarget | undefined>)[TARGET];
        if (!target) return null;
        const slot = runtime.lookup(target.name);
        if (!slot) throw new WaftError('WAFT_E_APP_NOT_FOUND', `no app named ${JSON.stringify(target.name)} on this server`, { app: target.name });
        if (!slot.active) {
          throw slot.loadError ?? new WaftError('WAFT_E_APP_NOT_DEPLOYED', `app ${target.name} has no deployed version yet`, { app: target.name });
        }
        return { app: slot.active, path: target.path };
      },
      onGuestLog(app: GatewayApp, fn, requestId, line, req) {
        accounting.guest(app as ServedApp, fn, requestId, line);
        const invoke = invokeTarget(req);
        if (invoke) invocationLog(invoke, line);
      },
      onCompleted(c: Completed) {
        const app = c.app as ServedApp | null;
        if (app) {
          const usage = c.outcome?.usage ?? null;
          const outcome = usageOutcome(c.error, usage !== null);
          accounting.completed(c, app, c.req.url ?? '/', outcome);
          metrics.request({
            app: app.name, function: c.function, status: c.status,
            outcome, wallMs: usage?.wallMs ?? null, cpuMs: usage?.cpuMs ?? null,
            bytesIn: c.outcome?.bytesIn ?? 0, bytesOut: c.outcome?.bytesOut ?? 0,
          });
        }
        invokeTarget(c.req)?.done(c);
      },
    });

    const ctx: ServerContext = {
      store, storeKind, blobs, receipts, dirs, appsDir, runtime, accounting, metrics, gateway, logger, limits, domain,
      metricsPublic: opts.metricsPublic ?? false, address: { host: opts.host, port: opts.port }, streams: new Set(), stopping: false,
      onStep: opts.onStep,
    };
    const router = new ApiRouter([...identityRoutes, ...appRoutes, ...invokeRoutes, ...logRoutes, ...usageRoutes]);
    const dashboardDir = opts.dashboardDir ?? DASHBOARD_DIR;

    async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const requestId = newRequestId();
      res.setHeader('x-request-id', requestId);
      let label = 'unmatched';
      try {
        if (ctx.stopping) throw new WaftError('WAFT_E_SERVER_STOPPING', 'the server is shutting down');
        const { route, params } = router.match(req.method ?? 'GET', url.pathname);
        label = route.pattern;
        let auth: ApiRequest['auth'] = null;
        if (route.scope !== null) {
          auth = await authenticate(store, req.headers.authorization);
          if (route.scope !== 'any' && !hasScope(auth.token, route.scope)) {
            throw new WaftError('WAFT_E_SCOPE_MISSING', `${req.method} ${route.pattern} needs the ${route.scope} scope, which token ${auth.token.id} (${auth.token.name}) does not have`, {
              scope: route.scope, tokenScopes: auth.token.scopes,
            });
          }
        }
        await route.handler({ ctx, req, res, url, params, requestId, auth });
      } catch (err) {
        const e = WaftError.wrap(err);
        if (e.code === 'WAFT_E_INTERNAL') {
          logger.warn(`[${requestId}] ${req.method} ${url.pathname}: internal error: ${(e.details?.stack as string | undefined) ?? e.message}`);
        }
        const headers: Record<string, string> = {};
        if (e.status === 401) headers['www-authenticate'] = 'Bearer realm="waft"';
        if (e.code === 'WAFT_E_METHOD_NOT_ALLOWED') headers.allow = (e.details?.allow as string[]).join(', ');
        // The largest body the API takes: an upload refused early may be that large.
        if (!res.headersSent) discardUnreadBody(req, ctx.limits.maxBundleBytes);
        if (req.method === 'HEAD' && !res.headersSent) {
          res.writeHead(e.status, { ...headers, 'x-waft-error': e.code }).end();
        } else {
          sendApiError(res, e, requestId, headers);
        }
      }
      metrics.api(req.method ?? 'GET', label, res.statusCode);
    }

    async function health(res: ServerResponse): Promise<void> {
      try {
        await store.schemaVersion();
        sendJson(res, 200, { status: 'ok', store: storeKind });
      } catch (err) {
        const e = WaftError.wrap(err);
        const error = e.code === 'WAFT_E_INTERNAL' ? new WaftError('WAFT_E_STORE_UNAVAILABLE', `the store does not answer: ${e.message}`) : e;
        sendApiError(res, error, newRequestId());
      }
    }

    async function metricsEndpoint(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const requestId = newRequestId();
      try {
        if (!ctx.metricsPublic) {
          const auth = await authenticate(store, req.headers.authorization);
          if (!hasScope(auth.token, 'admin')) throw new WaftError('WAFT_E_SCOPE_MISSING', '/metrics needs the admin scope (or a server started with --metrics-public)', { scope: 'admin' });
        }
        const body = metrics.render({
          inFlight: gateway.inFlight, appsDeployed: runtime.deployedCount, deployments: runtime.deployments, rollbacks: runtime.rollbacks,
          logsDropped: accounting.logs.dropped, usageDropped: accounting.usage.dropped,
        });
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store' }).end(body);
      } catch (err) {
        const e = WaftError.wrap(err);
        sendApiError(res, e, requestId, e.status === 401 ? { 'www-authenticate': 'Bearer realm="waft"' } : {});
      }
    }

    function dispatch(req: IncomingMessage, res: ServerResponse): void {
      const rawUrl = req.url ?? '/';
      const byHost = appFromHost(req.headers.host, domain);
      if (byHost !== null) {
        (req as unknown as Record<symbol, AppTarget>)[TARGET] = { name: byHost, path: rawUrl };
        gateway.handle(req, res);
        return;
      }
      if (rawUrl.startsWith('/apps/')) {
        const end = rawUrl.slice(6).search(/[/?]/);
        const name = end < 0 ? rawUrl.slice(6) : rawUrl.slice(6, 6 + end);
        let rest = end < 0 ? '/' : rawUrl.slice(6 + end);
        if (rest.startsWith('?')) rest = `/${rest}`;
        // The function sees the request as if its app had the whole host: the same app behaves
        // the same under `waft up`, at <app>.<domain> and here.
        req.url = rest;
        (req as unknown as Record<symbol, AppTarget>)[TARGET] = { name, path: rest };
        // Path-based replies share the origin of the API and the dashboard: a page of some app
        // must not be able to read what the dashboard keeps (its token) or act as it. The CSP
        // sandbox gives such pages an opaque origin; an app that needs its own origin for pages
        // is served at <app>.<domain>.
        res.setHeader('content-security-policy', PATH_BASED_CSP);
        gateway.handle(req, res);
        return;
      }
      let url: URL;
      try {
        url = new URL(rawUrl, 'http://server');
      } catch {
        sendApiError(res, new WaftError('WAFT_E_BAD_PATH', `request path ${JSON.stringify(rawUrl.slice(0, 200))} is not a valid URL path`), newRequestId());
        return;
      }
      const path = url.pathname;
      if (path.startsWith('/api/')) {
        void api(req, res, url);
      } else if (path === '/healthz') {
        void health(res);
      } else if (path === '/metrics') {
        void metricsEndpoint(req, res);
      } else if (path === '/' || path === '/dashboard') {
        res.writeHead(302, { location: DASHBOARD_PREFIX, 'content-length': '0' }).end();
      } else if (path.startsWith(DASHBOARD_PREFIX)) {
        serveDashboard(req, res, path, dashboardDir).catch(() => res.destroy());
      } else if (path === '/.well-known/waft/health') {
        gateway.handle(req, res);
      } else {
        sendApiError(res, new WaftError('WAFT_E_API_NOT_FOUND', `nothing at ${path.slice(0, 200)}; apps answer at http://<app>.${domain}/ or /apps/<app>/, the API under /api/v1`), newRequestId());
      }
    }

    const server = createServer({ keepAliveTimeout: 5000, requestTimeout: 0 }, dispatch);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, resolve);
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // the catch below closes what was opened
      throw new WaftError('WAFT_E_USAGE', e.code === 'EADDRINUSE'
        ? `cannot listen on ${opts.host}:${opts.port}: the address is in use; pick another with --listen`
        : `cannot listen on ${opts.host}:${opts.port}: ${e.message}`);
    }
    const addr = server.address() as AddressInfo;
    ctx.address = { host: addr.address, port: addr.port };
    const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    const retention = { ...DEFAULT_RETENTION, ...opts.retention };
    const stopRetention = startRetention(store, blobs, retention, (result, err) => {
      if (err) logger.warn(`Retention run failed: ${(err as Error).message}`);
      else if (result && (result.logs || result.usage || result.temp)) {
        logger.info(`Retention: deleted ${result.logs} log entries, ${result.usage} usage records, ${result.temp} stale upload files`);
      }
    });
    logger.info(`waft server: listening at ${url} (apps at http://<app>.${domain}:${addr.port}/ and ${url}/apps/<app>/), data in ${dataDir}, store ${storeKind === 'postgres' ? redactUrl(opts.databaseUrl!) : join(dataDir, 'waft.db')}`, {
      url, domain, dataDir, store: storeKind,
    });

    return {
      url, server, ctx,
      adminSecret: boot.secret,
      adminSecretFromEnv: boot.secret !== null && boot.secret === opts.adminToken?.trim(),
      async prune() {
        await accounting.flush();
        return prune(store, blobs, retention);
      },
      async stop(graceMs) {
        ctx.stopping = true;
        server.close();
        server.closeIdleConnections();
        for (const s of [...ctx.streams]) s.close();
        const clean = await gateway.drain(graceMs);
        server.closeAllConnections();
        await stopRetention();
        // accounting flushes (through the writer) before the store closes
        for (const close of [...closers].reverse()) await close();
        return clean;
      },
    };
  } catch (err) {
    for (const close of [...closers].reverse()) await Promise.resolve(close()).catch(() => {});
    throw err;
  }
}
