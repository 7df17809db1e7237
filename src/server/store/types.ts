// Records and the Store contract of the control plane. Two backends implement it (sqlite.ts,
// postgres.ts) and one suite (store.case.ts) runs against both. Ids are strings, except log
// entry ids, which are numbers that grow with every append so that readers can follow a log
// with `afterId`. Times are milliseconds since the epoch.

export interface User {
  id: string;
  name: string;
  isAdmin: boolean;
  createdAt: number;
}

/** An API token. The hash of its secret is stored but never part of this record. */
export interface Token {
  id: string;
  userId: string;
  name: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface NewToken {
  name: string;
  scopes: string[];
  expiresAt: number | null;
}

export interface App {
  id: string;
  ownerId: string;
  /** Unique across the server and DNS-label-safe. */
  name: string;
  createdAt: number;
  activeVersionId: string | null;
}

export interface BundleFile {
  sha256: string;
  size: number;
}

/** Path inside the bundle → the blob holding its bytes. */
export type BundleFiles = Record<string, BundleFile>;

/** An immutable version of an app: its manifest and the blobs of its bundle. */
export interface Version {
  id: string;
  appId: string;
  /** 1, 2, 3… per app, assigned by the store. */
  number: number;
  /** The waft.toml text. */
  manifest: string;
  files: BundleFiles;
  createdAt: number;
  createdBy: string;
}

export type DeploymentKind = 'deploy' | 'rollback';

export interface Deployment {
  id: string;
  appId: string;
  versionId: string;
  createdAt: number;
  createdBy: string;
  kind: DeploymentKind;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogSource = 'guest' | 'request' | 'system';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const LOG_SOURCES: readonly LogSource[] = ['guest', 'request', 'system'];

export interface LogEntry {
  /** Grows with every append across the whole store; entries of one append are in order. */
  id: number;
  appId: string;
  versionId: string | null;
  function: string | null;
  requestId: string | null;
  level: LogLevel;
  source: LogSource;
  message: string;
  time: number;
}

export interface LogQuery {
  appId: string;
  function?: string;
  versionId?: string;
  requestId?: string;
  /** Minimum level: 'warn' returns warn and error entries. */
  level?: LogLevel;
  /** Only entries with time >= since. */
  since?: number;
  /**
   * Follow mode: the first `limit` entries with id > afterId. Without it, the last `limit`
   * matching entries. Either way the result is in ascending id order.
   */
  afterId?: number;
  limit: number;
}

export interface LogRetention {
  /** Keep at most this many of the newest entries per app. */
  maxPerApp?: number;
  /** Delete entries with time < olderThan. */
  olderThan?: number;
}

export type UsageOutcome = 'ok' | 'error' | 'timeout' | 'trap' | 'memory' | 'output' | 'rejected';
export const USAGE_OUTCOMES: readonly UsageOutcome[] = ['ok', 'error', 'timeout', 'trap', 'memory', 'output', 'rejected'];

/** One invocation of one function, as accounted by the host. */
export interface UsageRecord {
  appId: string;
  versionId: string;
  function: string;
  requestId: string;
  startedAt: number;
  wallMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
  bytesIn: number;
  bytesOut: number;
  /** HTTP status (or 0 when there was none). */
  status: number;
  outcome: UsageOutcome;
}

export interface UsageQuery {
  appId: string;
  function?: string;
  /** Inclusive. */
  from: number;
  /** Exclusive. */
  to: number;
  /** Buckets are aligned to the epoch: bucketStart = floor(startedAt / bucketMs) * bucketMs. */
  bucketMs: number;
}

export interface UsageBucket {
  bucketStart: number;
  function: string;
  count: number;
  /** Invocations whose outcome is not 'ok' or whose status is 500 or above. */
  errors: number;
  wallMsSum: number;
  /** Nearest-rank percentiles of wallMs within the bucket. */
  wallMsP50: number;
  wallMsP99: number;
  cpuMsSum: number;
  bytesIn: number;
  bytesOut: number;
  peakMemoryMax: number;
}

export interface Store {
  /** Applies the migrations this database lacks, in order; safe to run again and concurrently. */
  migrate(): Promise<void>;
  /** The highest migration applied (0 on an empty database). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  users: {
    create(name: string, isAdmin: boolean): Promise<User>;
    get(id: string): Promise<User | null>;
    byName(name: string): Promise<User | null>;
    /** Oldest first. */
    list(): Promise<User[]>;
    count(): Promise<number>;
  };
  tokens: {
    create(userId: string, token: NewToken, secretHash: string): Promise<Token>;
    byHash(secretHash: string): Promise<(Token & { user: User }) | null>;
    /** All the user's tokens, revoked and expired ones included, oldest first. */
    list(userId: string): Promise<Token[]>;
    /** True when this call revoked a live token of this user; false when there was none. */
    revoke(userId: string, tokenId: string): Promise<boolean>;
    /** Records a use; lastUsedAt never moves backwards. */
    touch(tokenId: string, time: number): Promise<void>;
  };
  apps: {
    create(ownerId: string, name: string): Promise<App>;
    get(id: string): Promise<App | null>;
    byName(name: string): Promise<App | null>;
    /** Oldest first. */
    listByOwner(ownerId: string): Promise<App[]>;
    /** Deletes the app with its versions, deployments, logs and usage. False if there was none. */
    delete(id: string): Promise<boolean>;
  };
  versions: {
    /** Assigns the next number and stores the version with all its files in one transaction. */
    create(appId: string, createdBy: string, manifest: string, files: BundleFiles): Promise<Version>;
    get(id: string): Promise<Version | null>;
    byNumber(appId: string, number: number): Promise<Version | null>;
    /** Newest first. */
    list(appId: string): Promise<Version[]>;
  };
  deployments: {
    /** In one transaction: makes the version active for its app and records the deployment. */
    activate(appId: string, versionId: string, userId: string, kind: DeploymentKind): Promise<Deployment>;
    /** Newest first. */
    list(appId: string): Promise<Deployment[]>;
  };
  logs: {
    append(entries: Omit<LogEntry, 'id'>[]): Promise<void>;
    query(query: LogQuery): Promise<LogEntry[]>;
    /** Deletes what the retention rules exclude; returns how many entries were deleted. */
    prune(retention: LogRetention): Promise<number>;
  };
  usage: {
    record(records: UsageRecord[]): Promise<void>;
    /** One row per (bucket, function) that had invocations, by bucket then function. */
    aggregate(query: UsageQuery): Promise<UsageBucket[]>;
    /** Deletes records with startedAt < olderThan; returns how many were deleted. */
    prune(retention: { olderThan: number }): Promise<number>;
  };
}
