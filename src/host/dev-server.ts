import type { FSWatcher } from 'node:fs';
import type { Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { WaftError } from '../errors.ts';
import { loadManifest } from '../manifest/load.ts';
import { checkKeyValueStores, loadRuntimeConfig } from '../manifest/runtime-config.ts';
import type { AppManifest } from '../manifest/types.ts';
import { ModuleCache } from '../wasm/cache.ts';
import type { SandboxOptions } from '../sandbox/pool.ts';
import { IN_FLIGHT, SERVED, type Gateway } from '../triggers/http/gateway.ts';
import { appShare, loadApp, resolveAppVariables, type AppCapabilities, type LoadedApp, type VariableSources } from './app.ts';
import { buildApp, buildFunction } from './build.ts';
import type { Logger } from './logger.ts';
import { listenError, startServing } from './serving.ts';
import { ServingThread } from './threads.ts';
import { watchApp } from './watch.ts';

export interface DevServerOptions {
  /** waft.toml, or the directory holding it. */
  manifest: string;
  host: string;
  port: number;
  logger: Logger;
  build?: boolean;
  watch?: boolean;
  sandbox?: SandboxOptions;
  /** The runtime config file (`--runtime-config`); without it the built-in defaults. */
  runtimeConfig?: string;
  /** Where app variables come from: --var, WAFT_VAR_* and .env (see ./variables.ts). */
  variables?: VariableSources;
  /**
   * Host name → addresses that the guests' outbound requests use instead of DNS, for tests and
   * development (like curl --resolve). The SSRF policy checks them as it checks DNS answers.
   */
  resolve?: Record<string, string[]>;
  /**
   * Threads that serve HTTP (default 1). Each listens on the port (SO_REUSEPORT: the kernel
   * spreads the connections), runs short guests inline and has its own sandbox; the functions'
   * concurrency and queue limits are shared by all of them.
   */
  threads?: number;
}

export interface DevServer {
  url: string;
  /** The main thread's server and gateway (the other serving threads have their own). */
  server: Server;
  gateway: Gateway;
  app(): LoadedApp;
  /** Requests in flight, on every thread. */
  readonly inFlight: number;
  /** Requests answered so far by each serving thread, the main thread first. */
  served(): number[];
  /** Resolves after each reload attempt (for tests and tools). */
  onReload(listener: (error: WaftError | null) => void): void;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then stops the guests. */
  stop(graceMs: number): Promise<boolean>;
}

/** What `waft up` runs: one app from a directory, served over HTTP. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const { logger } = opts;
  let manifest: AppManifest = await loadManifest(opts.manifest);
  if (opts.build) {
    for (const r of await buildApp(manifest)) logger.info(`Built function "${r.function}" in ${Math.round(r.ms)}ms: ${r.command}`);
  }
  const cache = new ModuleCache();
  // Variables and the runtime config are read again on each reload: a changed .env applies too.
  const capabilities = async (m: AppManifest): Promise<AppCapabilities> => {
    const runtime = await loadRuntimeConfig(opts.runtimeConfig ?? null, m.dir);
    checkKeyValueStores(m, runtime);
    return { runtime, variables: await resolveAppVariables(m, opts.variables ?? {}), resolve: opts.resolve };
  };
  const caps = await capabilities(manifest);
  let app = await loadApp(manifest, cache, undefined, caps);
  const filter = logger.filter;
  logger.filter = (line) => filter(app.redactor.redact(line));
  const threadCount = Math.max(1, opts.threads ?? 1);
  if (threadCount > 1 && opts.port !== 0) await checkPortFree(opts.host, opts.port);
  const tally = new SharedArrayBuffer(threadCount * 8);
  // Each thread has a sandbox: together they keep as many workers as one would.
  const sandbox: SandboxOptions = { minWorkers: Math.max(1, Math.floor(availableParallelism() / threadCount)), ...opts.sandbox };
  if (sandbox.extension instanceof URL) sandbox.extension = sandbox.extension.href;
  const main = await startServing({
    host: opts.host, port: opts.port, reusePort: threadCount > 1, logger, sandbox,
    tally: new Int32Array(tally, 0, 2), app: () => app,
  });
  const { server, gateway } = main;
  const share = appShare(app);
  const starts = await Promise.allSettled(Array.from({ length: threadCount - 1 }, (_, i) => ServingThread.start({
    manifest: manifest.file, capabilities: caps, share, host: opts.host, port: main.port,
    sandbox, format: logger.format, requests: logger.requests, tally, index: i + 1,
  }, logger)));
  const threads = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.all([main.stop(0), ...threads.map((t) => t.stop(0))]);
    logger.filter = filter;
    throw failed.reason;
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info(`waft up: serving "${manifest.app.name}" at ${url}${threadCount > 1 ? ` on ${threadCount} threads` : ''}`, { url, app: manifest.app.name, threads: threadCount });
  for (const route of app.router.routes) logger.info(`  ${route.name.padEnd(16)} ${url}${route.pattern}`, { function: route.name, route: route.pattern });

  const reloadListeners: ((error: WaftError | null) => void)[] = [];
  let watcher: FSWatcher | undefined;
  if (opts.watch) {
    watcher = watchApp(() => manifest, async ({ rebuild }) => {
      let error: WaftError | null = null;
      try {
        for (const spec of rebuild) {
          logger.info(`Rebuilding function "${spec.name}": ${spec.build!.command}`);
          await buildFunction(spec);
        }
        const next = await loadManifest(manifest.file);
        const nextCaps = await capabilities(next);
        app = await loadApp(next, cache, app, nextCaps);
        manifest = next;
        const nextShare = appShare(app);
        const failures = await Promise.all(threads.map((t) => t.reload(nextCaps, nextShare)));
        failures.forEach((e, i) => {
          if (e) logger.warn(`Serving thread ${threads[i].index} still serves the previous version: ${e.message} [${e.code}]`);
        });
        logger.info(`Reloaded "${manifest.app.name}" (${app.functions.size} functions)`);
      } catch (err) {
        error = WaftError.wrap(err);
        logger.warn(`Reload failed, still serving the previous version: ${error.message} [${error.code}]`);
      }
      for (const l of reloadListeners) l(error);
    });
  }

  const counts = new Int32Array(tally);
  return {
    url, server, gateway,
    app: () => app,
    get inFlight() {
      let n = 0;
      for (let i = 0; i < threadCount; i++) n += Atomics.load(counts, i * 2 + IN_FLIGHT);
      return n;
    },
    served: () => Array.from({ length: threadCount }, (_, i) => Atomics.load(counts, i * 2 + SERVED)),
    onReload: (listener) => { reloadListeners.push(listener); },
    async stop(graceMs) {
      watcher?.close();
      const clean = await Promise.all([main.stop(graceMs), ...threads.map((t) => t.stop(graceMs))]);
      logger.filter = filter;
      return clean.every(Boolean);
    },
  };
}

/**
 * SO_REUSEPORT would let this server share a port that another one (say, an earlier `waft up`)
 * listens on with it too, and take half its connections: make sure no one listens there first.
 */
function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', (err) => reject(listenError(host, port, err as NodeJS.ErrnoException)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}
