// The shapes of the server API (docs/api.md), as the CLI and the tests read them. Where the
// server builds a shape in one function (src/server/api/views.ts), the type is taken from it, so
// client and server cannot drift apart.
import type { appView, deploymentView, logView, tokenView, userView } from '../../server/api/views.ts';
import type { UsageTotals } from '../../server/api/usage.ts';

export type { UsageTotals };
export type User = ReturnType<typeof userView>;
export type Token = ReturnType<typeof tokenView>;
export type App = Awaited<ReturnType<typeof appView>>;
export type Deployment = Awaited<ReturnType<typeof deploymentView>>;
export type LogEntry = Awaited<ReturnType<typeof logView>>;

export interface ServerInfo {
  name: string;
  version: string;
  apiVersion: number;
  domain: string;
  appUrl: string;
  pathUrl: string;
  store: string;
  scopes: string[];
  limits: {
    maxBundleBytes: number;
    maxBundleFiles: number;
    maxPathBytes: number;
    maxSegmentBytes: number;
    maxManifestBytes: number;
    maxJsonBytes: number;
    maxVersionJsonBytes: number;
    maxInvokeJsonBytes: number;
  };
}

export interface NewToken {
  name: string;
  scopes: string[];
  expiresAt?: number;
  expiresIn?: string;
}

export interface BundleEntry {
  sha256: string;
  size: number;
}

export interface Version {
  id: string;
  app: string;
  number: number;
  createdAt: number;
  createdBy: string;
  active: boolean;
  fileCount: number;
  size: number;
  functions: { name: string; routes: string[] }[];
  /** Only on a single version, not in lists. */
  manifest?: string;
  files?: Record<string, BundleEntry>;
}

export interface InvokeRequest {
  function?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyEncoding?: 'utf8' | 'base64';
  version?: number | string;
}

export interface Invocation {
  requestId: string;
  function: string | null;
  version: number;
  status: number;
  headers: Record<string, string>;
  body: string;
  bodyEncoding: 'utf8' | 'base64';
  error: { code: string; message: string } | null;
  usage: { wallMs: number; cpuMs: number; peakMemoryBytes: number; bytesIn: number; bytesOut: number } | null;
  logs: string[];
}

export interface LogQuery {
  function?: string;
  version?: string | number;
  requestId?: string;
  level?: string;
  source?: string;
  since?: string | number;
  after?: number;
  limit?: number;
}

export interface UsageBucket extends UsageTotals {
  bucketStart: number;
  function: string;
  wallMsP50: number;
  wallMsP99: number;
}

export interface Usage {
  from: number;
  to: number;
  bucketMs: number;
  buckets: UsageBucket[];
  functions: (UsageTotals & { function: string })[];
  total: UsageTotals;
}
