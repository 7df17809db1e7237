// Checks shared by both store backends, run before any SQL so that both reject the same input
// with the same error.
import { WaftError } from '../../errors.ts';
import {
  LOG_LEVELS, LOG_SOURCES, USAGE_OUTCOMES,
  type BundleFiles, type DeploymentKind, type LogEntry, type LogLevel, type LogQuery, type UsageQuery, type UsageRecord,
} from './types.ts';

export const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** An app name: a DNS label, since apps answer at <app>.<domain>. */
export const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const SHA256_HEX = /^[0-9a-f]{64}$/;
/** An app id (app_…, see newId), checked before it names a directory. */
export const APP_ID = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_PATH = 1024;
/** The most log entries one query returns. */
export const MAX_LOG_LIMIT = 10_000;

export function checkUserName(name: string): void {
  if (typeof name !== 'string' || !USER_NAME.test(name)) {
    throw new WaftError('WAFT_E_USER_NAME_INVALID', `user name ${JSON.stringify(String(name).slice(0, 80))} is not valid`, { name });
  }
}

export function checkAppName(name: string): void {
  if (typeof name !== 'string' || !APP_NAME.test(name)) {
    throw new WaftError('WAFT_E_APP_NAME_INVALID', `app name ${JSON.stringify(String(name).slice(0, 80))} is not a DNS label`, { name });
  }
}

function badFile(path: string, why: string): WaftError {
  return new WaftError('WAFT_E_BUNDLE_INVALID', `bundle file ${JSON.stringify(path.slice(0, 200))}: ${why}`, { path });
}

/** Checks every entry and returns them sorted by path. */
export function checkBundleFiles(files: BundleFiles): [string, { sha256: string; size: number }][] {
  if (files === null || typeof files !== 'object' || Array.isArray(files)) {
    throw new WaftError('WAFT_E_BUNDLE_INVALID', 'bundle files must be an object of path → { sha256, size }');
  }
  const entries = Object.entries(files).map(([path, file]): [string, { sha256: string; size: number }] => {
    if (path.length === 0 || path.length > MAX_PATH) throw badFile(path, `the path must be 1–${MAX_PATH} characters`);
    if (path.startsWith('/') || path.includes('\\') || path.includes('\0')) {
      throw badFile(path, 'the path must be relative, with "/" separators and no NUL');
    }
    for (const segment of path.split('/')) {
      if (segment === '' || segment === '.' || segment === '..') throw badFile(path, 'the path has an empty, "." or ".." segment');
    }
    if (file === null || typeof file !== 'object') throw badFile(path, 'the entry must be { sha256, size }');
    const { sha256, size } = file;
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) throw badFile(path, 'sha256 must be 64 lower-case hex digits');
    if (!Number.isSafeInteger(size) || size < 0) throw badFile(path, 'size must be a whole number of bytes');
    return [path, { sha256, size }];
  });
  return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A new version's manifest and files; returns the files' entries sorted by path. */
export function checkNewVersion(manifest: string, files: BundleFiles): [string, { sha256: string; size: number }][] {
  const entries = checkBundleFiles(files);
  if (typeof manifest !== 'string') throw new WaftError('WAFT_E_BUNDLE_INVALID', 'the manifest must be the text of waft.toml');
  return entries;
}

function internal(message: string, details?: Record<string, unknown>): WaftError {
  return new WaftError('WAFT_E_INTERNAL', message, details);
}

export function checkTime(what: string, value: unknown): number {
  if (!Number.isSafeInteger(value)) throw internal(`${what} must be a whole number of milliseconds, got ${String(value)}`);
  return value as number;
}

export function checkKind(kind: DeploymentKind): void {
  if (kind !== 'deploy' && kind !== 'rollback') throw internal(`deployment kind must be 'deploy' or 'rollback', got ${String(kind)}`);
}

export function checkLogEntry(entry: Omit<LogEntry, 'id'>): void {
  if (typeof entry.appId !== 'string' || entry.appId === '') throw internal('log entry without appId');
  if (!LOG_LEVELS.includes(entry.level)) throw internal(`log entry level ${String(entry.level)} is not one of ${LOG_LEVELS.join(', ')}`);
  if (!LOG_SOURCES.includes(entry.source)) throw internal(`log entry source ${String(entry.source)} is not one of ${LOG_SOURCES.join(', ')}`);
  if (typeof entry.message !== 'string') throw internal('log entry message must be a string');
  checkTime('log entry time', entry.time);
}

/** The levels at or above the given minimum. */
export function levelsFrom(level: LogLevel | undefined): LogLevel[] | null {
  if (level === undefined) return null;
  const i = LOG_LEVELS.indexOf(level);
  if (i < 0) throw internal(`log level ${String(level)} is not one of ${LOG_LEVELS.join(', ')}`);
  return LOG_LEVELS.slice(i);
}

export function logLimit(query: LogQuery): number {
  if (!Number.isSafeInteger(query.limit) || query.limit < 1) throw internal(`log query limit must be a positive whole number, got ${String(query.limit)}`);
  return Math.min(query.limit, MAX_LOG_LIMIT);
}

export function checkMaxPerApp(maxPerApp: number): void {
  if (!Number.isSafeInteger(maxPerApp) || maxPerApp < 0) {
    throw internal(`log retention maxPerApp must be a non-negative whole number, got ${String(maxPerApp)}`);
  }
}

function finite(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw internal(`${what} must be a non-negative number, got ${String(value)}`);
}

export function checkUsageRecord(r: UsageRecord): void {
  for (const key of ['appId', 'versionId', 'function', 'requestId'] as const) {
    if (typeof r[key] !== 'string') throw internal(`usage record ${key} must be a string`);
  }
  checkTime('usage record startedAt', r.startedAt);
  finite('usage record wallMs', r.wallMs);
  finite('usage record cpuMs', r.cpuMs);
  for (const key of ['peakMemoryBytes', 'bytesIn', 'bytesOut', 'status'] as const) {
    if (!Number.isSafeInteger(r[key]) || r[key] < 0) throw internal(`usage record ${key} must be a non-negative whole number, got ${String(r[key])}`);
  }
  if (!USAGE_OUTCOMES.includes(r.outcome)) throw internal(`usage record outcome ${String(r.outcome)} is not one of ${USAGE_OUTCOMES.join(', ')}`);
}

export function checkUsageQuery(q: UsageQuery): void {
  checkTime('usage query from', q.from);
  checkTime('usage query to', q.to);
  if (!Number.isSafeInteger(q.bucketMs) || q.bucketMs < 1) throw internal(`usage query bucketMs must be a positive whole number, got ${String(q.bucketMs)}`);
}
