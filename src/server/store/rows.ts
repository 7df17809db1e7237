// Row → record mapping shared by both backends. Column names are snake_case in both schemas;
// Postgres returns int8 and numeric as strings, so every number goes through Number().
import type { App, BundleFiles, Deployment, DeploymentKind, LogEntry, LogLevel, LogSource, Token, User, UsageBucket, Version } from './types.ts';
import { randomBytes } from 'node:crypto';

export type Row = Record<string, unknown>;

/** A random id with a prefix naming its kind, e.g. app_5f0c…; 96 random bits. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function toUser(r: Row): User {
  return { id: String(r.id), name: String(r.name), isAdmin: Boolean(r.is_admin), createdAt: num(r.created_at) };
}

export function toToken(r: Row): Token {
  return {
    id: String(r.id),
    userId: String(r.user_id),
    name: String(r.name),
    scopes: JSON.parse(String(r.scopes)) as string[],
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
    lastUsedAt: numOrNull(r.last_used_at),
  };
}

/** A token row joined with its user, whose columns are prefixed with u_. */
export function toTokenWithUser(r: Row): Token & { user: User } {
  return { ...toToken(r), user: toUser({ id: r.u_id, name: r.u_name, is_admin: r.u_is_admin, created_at: r.u_created_at }) };
}

export function toApp(r: Row): App {
  return {
    id: String(r.id),
    ownerId: String(r.owner_id),
    name: String(r.name),
    createdAt: num(r.created_at),
    activeVersionId: strOrNull(r.active_version_id),
  };
}

export function toVersion(r: Row, files: BundleFiles): Version {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    number: num(r.number),
    manifest: String(r.manifest),
    files,
    createdAt: num(r.created_at),
    createdBy: String(r.created_by),
  };
}

/** Groups version_files rows (version_id, path, sha256, size), sorted by path, per version. */
export function groupFiles(rows: Row[]): Map<string, BundleFiles> {
  const byVersion = new Map<string, BundleFiles>();
  for (const r of rows) {
    const id = String(r.version_id);
    let files = byVersion.get(id);
    if (!files) byVersion.set(id, (files = {}));
    files[String(r.path)] = { sha256: String(r.sha256), size: num(r.size) };
  }
  return byVersion;
}

export function toDeployment(r: Row): Deployment {
  return {
    id: String(r.id),
    appId: String(r.app_id),
    versionId: String(r.version_id),
    createdAt: num(r.created_at),
    createdBy: String(r.created_by),
    kind: String(r.kind) as DeploymentKind,
  };
}

export function toLogEntry(r: Row): LogEntry {
  return {
    id: num(r.id),
    appId: String(r.app_id),
    versionId: strOrNull(r.version_id),
    function: strOrNull(r.function_name),
    requestId: strOrNull(r.request_id),
    level: String(r.level) as LogLevel,
    source: String(r.source) as LogSource,
    message: String(r.message),
    time: num(r.logged_at),
  };
}

export function toUsageBucket(r: Row): UsageBucket {
  return {
    bucketStart: num(r.bucket_start),
    function: String(r.function_name),
    count: num(r.count),
    errors: num(r.errors),
    wallMsSum: num(r.wall_ms_sum),
    wallMsP50: num(r.wall_ms_p50),
    wallMsP99: num(r.wall_ms_p99),
    cpuMsSum: num(r.cpu_ms_sum),
    bytesIn: num(r.bytes_in),
    bytesOut: num(r.bytes_out),
    peakMemoryMax: num(r.peak_memory_max),
  };
}

/**
 * The columns of a usage aggregate, the same SQL for both stores. Percentiles by nearest rank:
 * the value at rank ceil(p * n) in the bucket, in integer arithmetic (rn and n come from the
 * window functions of the inner query).
 */
export const USAGE_AGGREGATE_COLUMNS = `bucket_start, function_name,
  COUNT(*) AS count,
  SUM(CASE WHEN outcome <> 'ok' OR status >= 500 THEN 1 ELSE 0 END) AS errors,
  SUM(wall_ms) AS wall_ms_sum,
  MAX(CASE WHEN rn = (50 * n + 99) / 100 THEN wall_ms END) AS wall_ms_p50,
  MAX(CASE WHEN rn = (99 * n + 99) / 100 THEN wall_ms END) AS wall_ms_p99,
  SUM(cpu_ms) AS cpu_ms_sum,
  SUM(bytes_in) AS bytes_in,
  SUM(bytes_out) AS bytes_out,
  MAX(peak_memory_bytes) AS peak_memory_max`;
