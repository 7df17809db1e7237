import { isAbsolute, relative } from 'node:path';
import { WaftError, type ErrorCode } from '../errors.ts';
import { keyId, locateKeys, type KeyLocations } from './locate.ts';
import { closest } from '../util/suggest.ts';
import type { Position } from './types.ts';

export interface Issue {
  code: ErrorCode;
  message: string;
  file: string;
  line: number;
  column: number;
  key: string;
}

/** How a file is named in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** `functions.hello.files[0].source`; numeric segments are array indices. */
export function formatKey(path: readonly string[]): string {
  let out = '';
  for (const part of path) {
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += (out === '' ? '' : '.') + (/^[A-Za-z0-9_-]+$/.test(part) ? part : JSON.stringify(part));
  }
  return out;
}

/** How a table is named in messages: `[functions.hello]`, or `functions.hello.files[0]` for an element. */
export function formatTable(path: readonly string[]): string {
  if (path.length === 0) return 'the top level';
  const key = formatKey(path);
  return key.includes('[') ? key : `[${key}]`;
}

/** Positions of keys in one TOML file. */
export class Locator {
  readonly file: string;
  readonly keys: KeyLocations;

  constructor(text: string, file: string) {
    this.file = file;
    this.keys = locateKeys(text);
  }

  locate(path: string[]): Position {
    for (let n = path.length; n > 0; n--) {
      const id = keyId(path.slice(0, n));
      const found = this.keys.explicit.get(id) ?? this.keys.implicit.get(id);
      if (found) return { file: this.file, ...found };
    }
    return { file: this.file, line: 1, column: 1 };
  }

  /** Makes `path` locate where `target` is written, unless `path` is written itself. */
  alias(path: readonly string[], target: readonly string[]): void {
    const id = keyId(path);
    const found = this.keys.explicit.get(keyId(target));
    if (found && !this.keys.explicit.has(id)) this.keys.explicit.set(id, found);
  }
}

/** Anything that can place a key path in a file: a Locator, or an AppManifest. */
export interface Positions {
  readonly file: string;
  locate(path: string[]): Position;
}

/** Every problem found in one file; thrown together, first (by position) one as the message. */
export class Issues {
  readonly list: Issue[] = [];
  readonly locator: Positions;
  readonly display: string;
  /** When set, every issue carries this code (the runtime config has one code for all). */
  readonly onlyCode: ErrorCode | null;

  constructor(locator: Positions, onlyCode: ErrorCode | null = null) {
    this.locator = locator;
    this.display = displayPath(locator.file);
    this.onlyCode = onlyCode;
  }

  add(code: ErrorCode, path: readonly string[], text: string): void {
    if (this.onlyCode !== null) code = this.onlyCode;
    const { file, line, column } = this.locator.locate([...path]);
    this.list.push({ code, message: `${this.display}:${line}:${column}: ${text}`, file, line, column, key: formatKey(path) });
  }

  throwIfAny(): void {
    if (this.list.length === 0) return;
    const sorted = this.list
      .map((issue, order) => ({ issue, order }))
      .sort((a, b) => a.issue.line - b.issue.line || a.issue.column - b.issue.column || a.order - b.order)
      .map(({ issue }) => issue);
    const first = sorted[0];
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more ${sorted.length === 2 ? 'error' : 'errors'})` : '';
    throw new WaftError(first.code, first.message + more, {
      file: first.file,
      line: first.line,
      column: first.column,
      key: first.key,
      errors: sorted,
    });
  }
}

export type Table = Record<string, unknown>;

export function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

export function typeName(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  return 'a table';
}

/**
 * Reports keys of `table` that are not in `allowed`, with a did-you-mean or the list of keys.
 * Returns the allowed keys it suggested, so a caller can skip "missing" errors for them.
 */
export function checkKeys(
  issues: Issues,
  code: ErrorCode,
  table: Table,
  path: readonly string[],
  allowed: readonly string[],
  hint: (key: string) => string | null = () => null,
): Set<string> {
  const suggested = new Set<string>();
  for (const key of Object.keys(table)) {
    if (allowed.includes(key)) continue;
    const special = hint(key);
    let text = `unknown key ${JSON.stringify(key)} in ${formatTable(path)}`;
    if (special !== null) text += `; ${special}`;
    else {
      const match = closest(key, allowed);
      if (match !== null) suggested.add(match);
      text += match !== null ? `; did you mean "${match}"?` : `; the keys allowed here are ${allowed.map((k) => `"${k}"`).join(', ')}`;
    }
    issues.add(code, [...path, key], text);
  }
  return suggested;
}

/** `functions.hello.route must be a string, not an integer; e.g. route = "/hello"` */
export function typeProblem(path: readonly string[], expected: string, value: unknown, example: string): string {
  return `${formatKey(path)} must be ${expected}, not ${typeName(value)}; e.g. ${example}`;
}
