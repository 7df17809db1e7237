import { WaftError } from '../errors.ts';
import { formatBytes, parseDuration, parseSize } from '../util/units.ts';
import { defaultLimits, limitRanges } from './defaults.ts';
import { checkKeys, formatKey, isTable, typeName, typeProblem, type Issues } from './issues.ts';
import type { Limits } from './types.ts';

export const limitKeys = ['memory', 'timeout', 'max_body', 'max_output', 'concurrency', 'queue'] as const;

type LimitKey = (typeof limitKeys)[number];
const field: Record<LimitKey, keyof Limits> = {
  memory: 'memory',
  timeout: 'timeoutMs',
  max_body: 'maxBody',
  max_output: 'maxOutput',
  concurrency: 'concurrency',
  queue: 'queue',
};
const examples: Record<LimitKey, string> = {
  memory: 'memory = "64MiB"',
  timeout: 'timeout = "10s"',
  max_body: 'max_body = "16MiB"',
  max_output: 'max_output = "16MiB"',
  concurrency: 'concurrency = 8',
  queue: 'queue = 64',
};

/** Reads a [functions.NAME.limits] table (path points at it); missing keys take the defaults. */
export function readLimits(issues: Issues, value: unknown, path: readonly string[]): Limits {
  const limits: Limits = { ...defaultLimits };
  if (value === undefined) return limits;
  if (!isTable(value)) {
    issues.add('WAFT_E_MANIFEST_TYPE', path, typeProblem(path, `a table ([${formatKey(path)}])`, value, 'limits = { memory = "64MiB", timeout = "10s" }'));
    return limits;
  }
  checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', value, path, limitKeys);
  for (const key of limitKeys) {
    const raw = value[key];
    if (raw === undefined) continue;
    const at = [...path, key];
    const name = field[key];
    const range = limitRanges[name];
    const read = key === 'concurrency' || key === 'queue'
      ? readCount(issues, raw, at, examples[key], range)
      : readAmount(issues, raw, at, key === 'timeout' ? 'duration' : 'size', examples[key], range);
    if (read !== null) limits[name] = read;
  }
  return limits;
}

type Range = { readonly min: number; readonly max: number };

function readCount(issues: Issues, raw: unknown, at: string[], example: string, range: Range): number | null {
  if (typeof raw === 'number' && Number.isInteger(raw)) return inRange(issues, raw, at, range, String);
  issues.add('WAFT_E_MANIFEST_TYPE', at, typeProblem(at, 'a whole number', raw, example));
  return null;
}

/**
 * A size (whole bytes, or a number and a unit) or a duration (whole milliseconds, or a number and
 * a unit) within `range`; null after adding the issue when it is not. The runtime config reads its
 * [outbound_http] amounts with it too.
 */
export function readAmount(issues: Issues, raw: unknown, at: string[], kind: 'size' | 'duration', example: string, range: Range): number | null {
  const isDuration = kind === 'duration';
  if (typeof raw !== 'string' && !(typeof raw === 'number' && Number.isInteger(raw))) {
    const expected = isDuration ? 'a duration string or whole milliseconds' : 'a size string or whole bytes';
    issues.add('WAFT_E_MANIFEST_TYPE', at, typeProblem(at, expected, raw, example));
    return null;
  }
  let value: number;
  try {
    value = isDuration ? parseDuration(raw, formatKey(at)) : parseSize(raw, formatKey(at));
  } catch (err) {
    if (!(err instanceof WaftError)) throw err;
    const how = isDuration
      ? 'write a number and a unit: ms, s, m or h'
      : 'write a number and a unit: B, KB, KiB, MB, MiB, GB or GiB';
    const shown = typeof raw === 'string' ? JSON.stringify(raw) : typeName(raw);
    issues.add('WAFT_E_MANIFEST_LIMIT', at, `${formatKey(at)}: cannot read ${shown} as a ${kind}; ${how}, e.g. ${example}`);
    return null;
  }
  return inRange(issues, value, at, range, isDuration ? (n) => `${n}ms` : formatBytes);
}

function inRange(issues: Issues, value: number, at: string[], range: Range, show: (n: number) => string): number | null {
  if (value >= range.min && value <= range.max) return value;
  const bound = value < range.min ? `below the least allowed, ${show(range.min)}` : `above the most allowed, ${show(range.max)}`;
  issues.add('WAFT_E_MANIFEST_LIMIT', at, `${formatKey(at)} is ${show(value)}, ${bound}; choose a value from ${show(range.min)} to ${show(range.max)}`);
  return null;
}
