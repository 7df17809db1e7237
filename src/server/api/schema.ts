// A small schema checker for API input. Each schema both checks a value and gives it a type;
// every failure is WAFT_E_REQUEST_INVALID naming the field (`body.scopes[1]`, `query.limit`).
// Objects refuse keys they do not declare, so a misspelt key is an error, not a silent default.
import { WaftError } from '../../errors.ts';

export interface Schema<T> {
  /** What the schema expects, for messages ("a string of 1–100 characters"). */
  readonly describe: string;
  parse(value: unknown, field: string): T;
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export function invalid(field: string, message: string): WaftError {
  return new WaftError('WAFT_E_REQUEST_INVALID', `${field}: ${message}`, { field });
}

function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return `${typeof value} ${String(value)}`;
}

function wrong(field: string, expected: string, value: unknown): WaftError {
  return invalid(field, `expected ${expected}, got ${shown(value)}`);
}

export function string(opts: { min?: number; max?: number; pattern?: RegExp; patternText?: string } = {}): Schema<string> {
  const { min = 0, max = Infinity, pattern, patternText } = opts;
  const describe = `a string${min > 0 || max < Infinity ? ` of ${min}–${max === Infinity ? '∞' : max} characters` : ''}${patternText ? ` (${patternText})` : ''}`;
  return {
    describe,
    parse(value, field) {
      if (typeof value !== 'string') throw wrong(field, describe, value);
      if (value.length < min || value.length > max) throw invalid(field, `expected ${describe}, got ${value.length} characters`);
      if (pattern && !pattern.test(value)) throw invalid(field, `${shown(value)} is not ${patternText ?? `of the form ${pattern}`}`);
      return value;
    },
  };
}

export function literal<const T extends string>(values: readonly T[]): Schema<T> {
  const describe = `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return {
    describe,
    parse(value, field) {
      if (typeof value !== 'string' || !values.includes(value as T)) throw wrong(field, describe, value);
      return value as T;
    },
  };
}

export function integer(opts: { min?: number; max?: number } = {}): Schema<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  const describe = `a whole number${min > Number.MIN_SAFE_INTEGER ? ` from ${min}` : ''}${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`;
  return {
    describe,
    parse(value, field) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw wrong(field, describe, value);
      if (value < min || value > max) throw invalid(field, `expected ${describe}, got ${value}`);
      return value;
    },
  };
}

export function boolean(): Schema<boolean> {
  return {
    describe: 'true or false',
    parse(value, field) {
      if (typeof value !== 'boolean') throw wrong(field, 'true or false', value);
      return value;
    },
  };
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return { describe: `${inner.describe} or null`, parse: (value, field) => (value === null ? null : inner.parse(value, field)) };
}

export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return { describe: inner.describe, optional: true, parse: (value, field) => (value === undefined ? undefined : inner.parse(value, field)) };
}

export function oneOf<A, B>(a: Schema<A>, b: Schema<B>, test: (value: unknown) => boolean): Schema<A | B> {
  const describe = `${a.describe} or ${b.describe}`;
  return {
    describe,
    parse(value, field) {
      if (test(value)) return a.parse(value, field);
      if (typeof value !== 'string' && typeof value !== 'number') throw wrong(field, describe, value);
      return b.parse(value, field);
    },
  };
}

export function array<T>(item: Schema<T>, opts: { min?: number; max?: number } = {}): Schema<T[]> {
  const { min = 0, max = Infinity } = opts;
  const describe = `a list of ${item.describe}`;
  return {
    describe,
    parse(value, field) {
      if (!Array.isArray(value)) throw wrong(field, describe, value);
      if (value.length < min) throw invalid(field, min === 1 ? 'the list is empty; give at least one item' : `give at least ${min} items`);
      if (value.length > max) throw invalid(field, `the list has ${value.length} items; at most ${max} are allowed`);
      return value.map((v, i) => item.parse(v, `${field}[${i}]`));
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An object whose keys are free (up to maxKeys), each value checked by `value`. */
export function record<T>(value: Schema<T>, opts: { maxKeys?: number; key?: (key: string, field: string) => void } = {}): Schema<Record<string, T>> {
  const describe = `an object of ${value.describe}`;
  return {
    describe,
    parse(input, field) {
      if (!isPlainObject(input)) throw wrong(field, describe, input);
      const keys = Object.keys(input);
      if (opts.maxKeys !== undefined && keys.length > opts.maxKeys) {
        throw invalid(field, `has ${keys.length} keys; at most ${opts.maxKeys} are allowed`);
      }
      const out: Record<string, T> = Object.create(null);
      for (const key of keys) {
        const at = `${field}[${JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key)}]`;
        opts.key?.(key, at);
        out[key] = value.parse(input[key], at);
      }
      return out;
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : undefined extends Infer<S[K]> ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

export function object<S extends Shape>(shape: S): Schema<ObjectOf<S>> {
  const keys = Object.keys(shape);
  const describe = `an object with ${keys.map((k) => JSON.stringify(k)).join(', ')}`;
  return {
    describe,
    parse(value, field) {
      if (!isPlainObject(value)) throw wrong(field, `an object`, value);
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) {
          const known = keys.length ? `; the known keys are ${keys.map((k) => JSON.stringify(k)).join(', ')}` : '';
          throw invalid(`${field}.${key.length > 80 ? `${key.slice(0, 80)}…` : key}`, `unknown key${known}`);
        }
      }
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const schema = shape[key];
        const raw = value[key];
        if (raw === undefined && !schema.optional) throw invalid(`${field}.${key}`, `missing; give ${schema.describe}`);
        const parsed = schema.parse(raw, `${field}.${key}`);
        if (parsed !== undefined) out[key] = parsed;
      }
      return out as ObjectOf<S>;
    },
  };
}

/**
 * Query parameters: each known one at most once, unknown ones refused. Values stay strings;
 * the caller converts them with the helpers below.
 */
export function queryParams(url: URL, known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (!known.includes(key)) {
      const list = known.length ? `; this endpoint takes ${known.join(', ')}` : '; this endpoint takes none';
      throw invalid(`query.${key.slice(0, 80)}`, `unknown parameter${list}`);
    }
    if (key in out) throw invalid(`query.${key}`, 'given more than once');
    out[key] = value;
  }
  return out;
}

export function queryInt(value: string, field: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(value)) throw invalid(field, `expected a whole number from ${min} to ${max}, got ${shown(value)}`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(field, `expected a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

/** The `function` query parameter: a function name of 1–63 characters. */
export function queryFunction(value: string): string {
  if (value.length === 0 || value.length > 63) throw invalid('query.function', 'expected a function name of 1–63 characters');
  return value;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** "250ms", "30s", "15m", "2h", "7d", "1w" → milliseconds; null when it is not a duration. */
export function parseDurationText(value: string): number | null {
  const m = /^(\d{1,12})(ms|s|m|h|d|w)$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * DURATION_UNITS[m[2]];
}

export function duration(opts: { min?: number; max?: number } = {}): Schema<number> {
  const { min = 1, max = 100 * 365 * 86_400_000 } = opts;
  const describe = 'a duration such as "30s", "15m", "2h" or "30d"';
  return {
    describe,
    parse(value, field) {
      const ms = typeof value === 'string' ? parseDurationText(value) : null;
      if (ms === null) throw wrong(field, describe, value);
      if (ms < min || ms > max) throw invalid(field, `${shown(value)} is out of range (${min}ms to ${Math.round(max / 86_400_000)}d)`);
      return ms;
    },
  };
}

/** A time as milliseconds since the epoch, an ISO 8601 date, or a duration back from `now`. */
export function queryTime(value: string, field: string, now: number): number {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  const ago = parseDurationText(value);
  if (ago !== null) return now - ago;
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t;
  }
  throw invalid(field, `expected a time: milliseconds since the epoch, an ISO 8601 date, or a duration ago such as "15m"; got ${shown(value)}`);
}
