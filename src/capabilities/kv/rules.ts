// The argument rules every backend shares: names, keys, values, ttls, list pages, cursors and
// the integer format of increment. Backends see only arguments that passed these checks.
import { WaftError } from '../../errors.ts';
import { parseSize } from '../../util/units.ts';
import { defaultKvLimits, type KvLimits } from './contract.ts';

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
/** 100 years: far beyond any cache lifetime, far inside every backend's range. */
export const MAX_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const integerText = /^(0|-?[1-9][0-9]{0,18})$/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Where a check failed, for messages: `key-value store "default"`. */
export interface Where {
  store: string;
  namespace: string;
}

function label(where: Where): string {
  return `key-value store ${JSON.stringify(where.store)}`;
}

export function resolveLimits(limits: Partial<KvLimits> | undefined, where = 'key-value limits'): KvLimits {
  const out: KvLimits = { ...defaultKvLimits };
  for (const [name, value] of Object.entries(limits ?? {})) {
    if (!(name in defaultKvLimits)) {
      throw new WaftError('WAFT_E_KV_CONFIG', `${where}: unknown limit ${JSON.stringify(name)} (known: ${Object.keys(defaultKvLimits).join(', ')})`, { limit: name });
    }
    if (value === undefined) continue;
    let n: number;
    try {
      n = name === 'maxListPage' ? Number(value) : parseSize(value as string | number, `${where}.${name}`);
    } catch (err) {
      throw new WaftError('WAFT_E_KV_CONFIG', `${where}.${name}: ${(err as Error).message}`, { limit: name, value });
    }
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new WaftError('WAFT_E_KV_CONFIG', `${where}.${name} must be a positive whole number, not ${JSON.stringify(value)}`, { limit: name, value });
    }
    out[name as keyof KvLimits] = n;
  }
  return out;
}

export function checkName(kind: 'store' | 'namespace', name: unknown): string {
  if (typeof name !== 'string' || !namePattern.test(name)) {
    const what = kind === 'store' ? 'key-value store name' : 'key-value namespace (app name)';
    throw new WaftError('WAFT_E_KV_BAD_NAME', `${what} ${JSON.stringify(name)} is not 1–128 letters, digits, "_", "-" and "." starting with a letter, digit or "_"`, { [kind]: name });
  }
  return name;
}

function utf8Length(s: string): number {
  return utf8.encode(s).byteLength;
}

function tooLarge(where: Where, what: string, limit: keyof KvLimits, max: number, size: number): WaftError {
  return new WaftError(
    'WAFT_E_KV_TOO_LARGE',
    `${label(where)}: the ${what} is ${size} bytes, over the limit of ${max} bytes (${limit})`,
    { store: where.store, namespace: where.namespace, limit, max, size },
  );
}

/** A key, or a list prefix when `prefix` is set (which may be empty). */
export function checkKey(where: Where, limits: KvLimits, key: unknown, prefix = false): string {
  const what = prefix ? 'prefix' : 'key';
  if (typeof key !== 'string') {
    throw new WaftError('WAFT_E_KV_BAD_KEY', `${label(where)}: the ${what} must be a string, not ${typeof key}`, { store: where.store });
  }
  if (key.length === 0 && !prefix) {
    throw new WaftError('WAFT_E_KV_BAD_KEY', `${label(where)}: the key is empty`, { store: where.store });
  }
  if (key.includes('\0')) {
    throw new WaftError('WAFT_E_KV_BAD_KEY', `${label(where)}: the ${what} contains a NUL ("\\0") character at index ${key.indexOf('\0')}`, { store: where.store });
  }
  if (!key.isWellFormed()) {
    throw new WaftError('WAFT_E_KV_BAD_KEY', `${label(where)}: the ${what} is not well-formed Unicode (it has a lone surrogate)`, { store: where.store });
  }
  // UTF-8 takes at least one byte per UTF-16 unit and at most three: skip encoding short keys.
  if (key.length * 3 > limits.maxKeyBytes) {
    const size = utf8Length(key);
    if (size > limits.maxKeyBytes) throw tooLarge(where, what, 'maxKeyBytes', limits.maxKeyBytes, size);
  }
  return key;
}

export function checkValue(where: Where, limits: KvLimits, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new WaftError('WAFT_E_KV_BAD_ARGUMENT', `${label(where)}: the value must be a Uint8Array, not ${value === null ? 'null' : typeof value}`, { store: where.store });
  }
  if (value.byteLength > limits.maxValueBytes) {
    throw tooLarge(where, 'value', 'maxValueBytes', limits.maxValueBytes, value.byteLength);
  }
  return value;
}

/** The ttl in whole milliseconds, or null for none. */
export function checkTtl(where: Where, options: { ttlMs?: number } | undefined): number | null {
  const ttl = options?.ttlMs;
  if (ttl === undefined) return null;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) {
    throw new WaftError('WAFT_E_KV_BAD_ARGUMENT', `${label(where)}: ttlMs must be a whole number of milliseconds from 1 to ${MAX_TTL_MS}, not ${String(ttl)}`, { store: where.store, ttlMs: String(ttl) });
  }
  return ttl;
}

export function checkDelta(where: Where, delta: unknown): bigint {
  if (typeof delta !== 'bigint' || delta < INT64_MIN || delta > INT64_MAX) {
    throw new WaftError('WAFT_E_KV_BAD_ARGUMENT', `${label(where)}: the increment delta must be a bigint within signed 64 bits, not ${String(delta)}`, { store: where.store });
  }
  return delta;
}

/** The page size: the caller's limit cut to maxListPage. */
export function checkListLimit(where: Where, limits: KvLimits, limit: unknown): number {
  if (limit === undefined) return limits.maxListPage;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
    throw new WaftError('WAFT_E_KV_BAD_ARGUMENT', `${label(where)}: the list limit must be a whole number ≥ 1, not ${String(limit)}`, { store: where.store });
  }
  return Math.min(limit, limits.maxListPage);
}

// A cursor is the last key of the previous page: the next page starts strictly after it.
// Keys that exist throughout a listing are therefore returned exactly once, whatever is
// written or deleted meanwhile.
const cursorTag = 'k1.';

export function encodeCursor(lastKey: string): string {
  return cursorTag + Buffer.from(lastKey, 'utf8').toString('base64url');
}

/** The key the cursor stands for, or null when there is no cursor. */
export function decodeCursor(where: Where, limits: KvLimits, cursor: unknown): string | null {
  if (cursor === undefined || cursor === null) return null;
  const bad = () => new WaftError('WAFT_E_KV_BAD_ARGUMENT', `${label(where)}: the list cursor ${JSON.stringify(String(cursor).slice(0, 64))} was not returned by list`, { store: where.store });
  if (typeof cursor !== 'string' || !cursor.startsWith(cursorTag)) throw bad();
  const body = cursor.slice(cursorTag.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw bad();
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.toString('base64url') !== body || bytes.byteLength > limits.maxKeyBytes) throw bad();
  let key: string;
  try {
    key = strictUtf8.decode(bytes);
  } catch {
    throw bad();
  }
  if (key.includes('\0')) throw bad();
  return key;
}

/**
 * The smallest string that sorts after every string starting with prefix (in code point order,
 * which is UTF-8 byte order), or null when there is none (an empty prefix, or one made only of
 * U+10FFFF). Backends list the range [prefix, prefixEnd) so that no pattern syntax is involved.
 */
export function prefixEnd(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last === 0xd7ff ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return null;
}

/** The integer a stored value holds, or null when it is not canonical decimal int64 text. */
export function storedInteger(value: Uint8Array): bigint | null {
  if (value.byteLength === 0 || value.byteLength > 20) return null;
  const text = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (!integerText.test(text)) return null;
  const n = BigInt(text);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

export function notInteger(where: Where, key: string, reason: string): WaftError {
  return new WaftError('WAFT_E_KV_NOT_INTEGER', `${label(where)}: cannot increment key ${JSON.stringify(key)}: ${reason}`, { store: where.store, namespace: where.namespace, key });
}

export function integerBytes(n: bigint): Uint8Array {
  return utf8.encode(n.toString());
}
