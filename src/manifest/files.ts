import { isAbsolute, posix, relative, resolve, sep } from 'node:path';
import { checkKeys, formatKey, isTable, typeProblem, type Issues } from './issues.ts';
import type { FileMount } from './types.ts';

const example = 'files = ["static"] or files = [{ source = "static", destination = "/static" }]';

/** Reads a function's `files` (path points at it). Sources stay inside the app directory. */
export function readFiles(issues: Issues, dir: string, value: unknown, path: readonly string[]): FileMount[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    issues.add('WAFT_E_MANIFEST_TYPE', path, typeProblem(path, 'an array', value, example));
    return [];
  }
  const mounts: FileMount[] = [];
  const seen = new Map<string, string[]>();
  value.forEach((entry: unknown, index) => {
    const at = [...path, String(index)];
    let source: string;
    let destination: string | null = null;
    let sourceAt = at;
    let destinationAt = at;
    if (typeof entry === 'string') {
      source = entry;
    } else if (isTable(entry)) {
      checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', entry, at, ['source', 'destination']);
      sourceAt = [...at, 'source'];
      destinationAt = [...at, 'destination'];
      if (entry.source === undefined) {
        issues.add('WAFT_E_MANIFEST_MISSING', at, `${formatKey(at)} has no "source"; add source = "static" (a directory or file relative to waft.toml)`);
        return;
      }
      if (typeof entry.source !== 'string') {
        issues.add('WAFT_E_MANIFEST_TYPE', sourceAt, typeProblem(sourceAt, 'a string', entry.source, 'source = "static"'));
        return;
      }
      source = entry.source;
      if (entry.destination !== undefined) {
        if (typeof entry.destination !== 'string') {
          issues.add('WAFT_E_MANIFEST_TYPE', destinationAt, typeProblem(destinationAt, 'a string', entry.destination, 'destination = "/static"'));
          return;
        }
        destination = entry.destination;
      }
    } else {
      issues.add('WAFT_E_MANIFEST_TYPE', at, typeProblem(at, 'a string or a table', entry, example));
      return;
    }

    if (source === '') {
      issues.add('WAFT_E_MANIFEST_FILES', sourceAt, `${formatKey(sourceAt)} is empty; name a directory or file relative to waft.toml, e.g. "static"`);
      return;
    }
    const host = resolve(dir, source);
    const inside = relative(dir, host);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      issues.add('WAFT_E_MANIFEST_FILES', sourceAt, `${formatKey(sourceAt)} is ${JSON.stringify(source)}, which leads outside the app directory ${dir}; files can only share paths inside it (move the files there, or point to them from inside)`);
      return;
    }

    if (destination === null) destination = '/' + inside.split(sep).join('/');
    if (!destination.startsWith('/')) {
      issues.add('WAFT_E_MANIFEST_FILES', destinationAt, `${formatKey(destinationAt)} is ${JSON.stringify(destination)}; a guest path must be absolute, write "/${destination}"`);
      return;
    }
    if (destination.split('/').some((part) => part === '..')) {
      issues.add('WAFT_E_MANIFEST_FILES', destinationAt, `${formatKey(destinationAt)} is ${JSON.stringify(destination)}; a guest path may not hold ".." segments`);
      return;
    }
    if (destination.includes('\0')) {
      issues.add('WAFT_E_MANIFEST_FILES', destinationAt, `${formatKey(destinationAt)} holds a NUL character`);
      return;
    }
    let normalized = posix.normalize(destination);
    if (normalized.length > 1 && normalized.endsWith('/')) normalized = normalized.slice(0, -1);
    const earlier = seen.get(normalized);
    if (earlier) {
      const first = issues.locator.locate(earlier);
      issues.add('WAFT_E_MANIFEST_DUPLICATE', destinationAt, `${formatKey(destinationAt)} mounts a second directory at "${normalized}" (the first is ${formatKey(earlier)}, line ${first.line}); give each entry its own destination`);
      return;
    }
    seen.set(normalized, destinationAt);
    mounts.push({ source: host, destination: normalized });
  });
  return mounts;
}
