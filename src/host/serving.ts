import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { abiExtension } from '../capabilities/abi/index.ts';
import { WaftError } from '../errors.ts';
import { Sandbox, type SandboxOptions } from '../sandbox/pool.ts';
import { createGateway, type Gateway } from '../triggers/http/gateway.ts';
import type { LoadedApp } from './app.ts';
import type { Logger } from './logger.ts';

export interface ServingOptions {
  host: string;
  port: number;
  /** Listen with SO_REUSEPORT, so that other threads can serve the same port. */
  reusePort: boolean;
  logger: Logger;
  sandbox?: SandboxOptions;
  /** The gateway's counts (GatewayOptions.tally). */
  tally?: Int32Array;
  /** The app as it is now (a reload replaces it). */
  app: () => LoadedApp;
}

/** One thread's share of `waft up`: an HTTP server, its gateway and the sandbox its guests run in. */
export interface Serving {
  server: Server;
  gateway: Gateway;
  port: number;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then stops the guests. */
  stop(graceMs: number): Promise<boolean>;
}

export async function startServing(o: ServingOptions): Promise<Serving> {
  const sandbox = new Sandbox({ extension: abiExtension, ...o.sandbox });
  await sandbox.ready();
  const gateway = createGateway({ sandbox, logger: o.logger, tally: o.tally, resolve: (req) => ({ app: o.app(), path: req.url ?? '/' }) });
  const server = createServer({ keepAliveTimeout: 5000 }, gateway.handle);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: o.port, host: o.host, reusePort: o.reusePort }, resolve);
    });
  } catch (err) {
    await sandbox.close();
    throw listenError(o.host, o.port, err as NodeJS.ErrnoException);
  }
  return {
    server, gateway, port: (server.address() as AddressInfo).port,
    async stop(graceMs) {
      server.close();
      server.closeIdleConnections();
      const clean = await gateway.drain(graceMs);
      server.closeAllConnections();
      await sandbox.close();
      return clean;
    },
  };
}

export function listenError(host: string, port: number, e: NodeJS.ErrnoException): WaftError {
  return new WaftError('WAFT_E_USAGE', e.code === 'EADDRINUSE'
    ? `cannot listen on ${host}:${port}: the address is in use; pick another with --listen`
    : `cannot listen on ${host}:${port}: ${e.message}`);
}
