// Helpers for the manifest tests (not a test file itself).
import assert from 'node:assert/strict';
import { WaftError, type ErrorCode } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/load.ts';
import type { AppManifest } from '../../src/manifest/types.ts';

/** An absolute path outside the working directory, so messages show it whole. */
export const FILE = '/srv/demo/waft.toml';
export const DIR = '/srv/demo';

/** Joins lines with "\n": line N of the file is argument N. */
export function lines(...text: string[]): string {
  return text.join('\n') + '\n';
}

/** A valid app header plus the given lines; the first given line is line 3. */
export function app(...rest: string[]): string {
  return lines('[app]', 'name = "demo"', ...rest);
}

export function parse(text: string): AppManifest {
  return parseManifest(text, FILE);
}

export function errorOf(fn: () => unknown): WaftError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WaftError) return err;
    throw err;
  }
  assert.fail('expected a WaftError');
}

export interface Expected {
  code: ErrorCode;
  line: number;
  column?: number;
  key?: string;
  /** Substrings the message must contain. */
  says?: string[];
}

/** Parses `text`, expects it to fail with exactly one problem, and checks it. */
export function expectError(text: string, expected: Expected): WaftError {
  const err = errorOf(() => parse(text));
  const errors = (err.details?.errors ?? []) as { code: string; message: string; line: number }[];
  assert.equal(errors.length, 1, `expected one problem, got:\n${errors.map((e) => e.message).join('\n')}`);
  checkError(err, expected);
  return err;
}

export function checkError(err: WaftError, expected: Expected): void {
  assert.equal(err.code, expected.code, err.message);
  assert.equal(err.details?.line, expected.line, err.message);
  assert.ok(err.message.startsWith(`${FILE}:${expected.line}:`), err.message);
  if (expected.column !== undefined) assert.equal(err.details?.column, expected.column, err.message);
  if (expected.key !== undefined) assert.equal(err.details?.key, expected.key, err.message);
  assert.equal(err.details?.file, FILE);
  for (const s of expected.says ?? []) assert.ok(err.message.includes(s), `message lacks ${JSON.stringify(s)}:\n${err.message}`);
}
