// Everything an API handler may use, in one object built by startServer().
import type { Logger } from '../host/logger.ts';
import type { Accounting } from './accounting/accounting.ts';
import type { BlobStore } from './artifacts/blobs.ts';
import type { BundleLimits } from './bundle/check.ts';
import type { Receipts } from './bundle/receipts.ts';
import type { VersionDirs } from './bundle/stage.ts';
import type { Metrics } from './metrics.ts';
import type { AppRuntime } from './runtime.ts';
import type { Store } from './store/types.ts';
import type { Gateway } from '../triggers/http/gateway.ts';

export interface ServerLimits extends BundleLimits {
  maxJsonBytes: number;
  maxVersionJsonBytes: number;
  maxInvokeJsonBytes: number;
  /** The most bytes of a function's reply that an invoke returns. */
  maxInvokeReplyBytes: number;
}

export const DEFAULT_API_LIMITS = {
  maxJsonBytes: 64 * 1024,
  maxVersionJsonBytes: 4 * 1024 * 1024,
  maxInvokeJsonBytes: 16 * 1024 * 1024,
  maxInvokeReplyBytes: 16 * 1024 * 1024,
};

export interface ServerContext {
  store: Store;
  storeKind: 'sqlite' | 'postgres';
  blobs: BlobStore;
  receipts: Receipts;
  dirs: VersionDirs;
  /** DATA/apps: per-app state that outlives versions (key-value data). */
  appsDir: string;
  runtime: AppRuntime;
  accounting: Accounting;
  metrics: Metrics;
  gateway: Gateway;
  logger: Logger;
  limits: ServerLimits;
  domain: string;
  metricsPublic: boolean;
  /** The address the server listens on, once it does. */
  address: { host: string; port: number };
  /** Open log streams, ended when the server stops. */
  streams: Set<{ close(): void }>;
  /** Set when the server is stopping: new API work is refused. */
  stopping: boolean;
  /** Test hook, see RuntimeOptions.onStep. */
  onStep?: (step: string) => void;
}

/** Where an app answers, host-based and path-based. */
export function appUrls(ctx: ServerContext, app: string): { host: string; path: string } {
  const { host, port } = ctx.address;
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  const base = wildcard ? ctx.domain : host.includes(':') ? `[${host}]` : host;
  return {
    host: `http://${app}.${ctx.domain}:${port}/`,
    path: `http://${base}:${port}/apps/${app}/`,
  };
}
