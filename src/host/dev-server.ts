import { createServer, type Server } from 'node:http';
import type { FSWatcher } from 'node:fs';
import { abiExtension } from '../capabilities/abi/index.ts';
import type { AddressInfo } from 'node:net';
import { WaftError } from '../errors.ts';
import { loadManifest } from '../manifest/load.ts';
import { checkKeyValueStores, loadRuntimeConfig } from '../manifest/runtime-config.ts';
import type { AppManifest } from '../manifest/types.ts';
import { ModuleCache } from '../wasm/cache.ts';
import { Sandbox, type SandboxOptions } from '../sandbox/pool.ts';
import { createGateway, type Gateway } from '../triggers/http/gateway.ts';
import { loadApp, resolveAppVariables, type AppCapabilities, type LoadedApp, type VariableSources } from './app.ts';
import { buildApp, buildFunction } from './build.ts';
import type { Logger } from './logger.ts';
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
}

export interface DevServer {
  url: string;
  server: Server;
  gateway: Gateway;
  app(): LoadedApp;
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
  let app = await loadApp(manifest, cache, undefined, await capabilities(manifest));
  const filter = logger.filter;
  logger.filter = (line) => filter(app.redactor.redact(line));
  const sandbox = new Sandbox({ extension: abiExtension, ...opts.sandbox });
  await sandbox.ready();
  const gateway = createGateway({ sandbox, logger, resolve: (req) => ({ app, path: req.url ?? '/' }) });
  const server = createServer({ keepAliveTimeout: 5000 }, gateway.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port, opts.host, resolve);
    });
  } catch (err) {
    await sandbox.close();
    const e = err as NodeJS.ErrnoException;
    throw new WaftError('WAFT_E_USAGE', e.code === 'EADDRINUSE'
      ? `cannot listen on ${opts.host}:${opts.port}: the address is in use; pick another with --listen`
      : `cannot listen on ${opts.host}:${opts.port}: ${e.message}`);
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  logger.info(`waft up: serving "${manifest.app.name}" at ${url}`, { url, app: manifest.app.name });
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
        app = await loadApp(next, cache, app, await capabilities(next));
        manifest = next;
        logger.info(`Reloaded "${manifest.app.name}" (${app.functions.size} functions)`);
      } catch (err) {
        error = WaftError.wrap(err);
        logger.warn(`Reload failed, still serving the previous version: ${error.message} [${error.code}]`);
      }
      for (const l of reloadListeners) l(error);
    });
  }

  return {
    url, server, gateway,
    app: () => app,
    onReload: (listener) => { reloadListeners.push(listener); },
    async stop(graceMs) {
      watcher?.close();
      server.close();
      server.closeIdleConnections();
      const clean = await gateway.drain(graceMs);
      server.closeAllConnections();
      await sandbox.close();
      logger.filter = filter;
      return clean;
    },
  };
}
