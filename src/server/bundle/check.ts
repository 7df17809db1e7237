// The shape and size of an uploaded bundle, checked before anything touches the disk: paths
// that stay inside the version directory, a bounded number of files and bytes, and no entry
// that is both a file and a directory.
import { WaftError } from '../../errors.ts';
import { manifestFileName } from '../../manifest/index.ts';
import type { BundleFiles } from '../store/types.ts';
import { checkBundleFiles } from '../store/validate.ts';

export interface BundleLimits {
  maxBundleBytes: number;
  maxBundleFiles: number;
  maxPathBytes: number;
  maxSegmentBytes: number;
  maxManifestBytes: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxBundleBytes: 256 * 1024 * 1024,
  maxBundleFiles: 1000,
  maxPathBytes: 1024,
  maxSegmentBytes: 255,
  maxManifestBytes: 1024 * 1024,
};

// Control characters make paths that terminals and logs show wrongly; ':' and '*' and friends
// are legal on Linux, so only what is dangerous or ambiguous is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;

function bad(path: string, why: string): WaftError {
  return new WaftError('WAFT_E_BUNDLE_INVALID', `bundle file ${JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path)}: ${why}`, { path: path.slice(0, 1024) });
}

export interface CheckedBundle {
  entries: [string, { sha256: string; size: number }][];
  paths: ReadonlySet<string>;
}

/** Checks the file list of a version; returns its entries sorted by path, and the set of its paths. */
export function checkBundle(files: BundleFiles, limits: BundleLimits): CheckedBundle {
  const count = Object.keys(files).length;
  if (count > limits.maxBundleFiles) {
    throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the bundle lists ${count} files; this server takes at most ${limits.maxBundleFiles} per version`, {
      files: count, maxFiles: limits.maxBundleFiles,
    });
  }
  for (const path of Object.keys(files)) {
    const bytes = Buffer.byteLength(path);
    if (bytes > limits.maxPathBytes) throw bad(path, `the path is ${bytes} bytes long; at most ${limits.maxPathBytes} are allowed`);
    if (CONTROL.test(path)) throw bad(path, 'the path holds a control character');
    if (!path.isWellFormed()) throw bad(path, 'the path is not well-formed Unicode');
    for (const segment of path.split('/')) {
      const n = Buffer.byteLength(segment);
      if (n > limits.maxSegmentBytes) throw bad(path, `a path segment is ${n} bytes long; at most ${limits.maxSegmentBytes} are allowed`);
    }
    if (path === manifestFileName) throw bad(path, `${manifestFileName} is sent as "manifest", not as a file`);
  }
  const entries = checkBundleFiles(files);
  let totalBytes = 0;
  for (const [, f] of entries) totalBytes += f.size;
  if (totalBytes > limits.maxBundleBytes) {
    throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the bundle's files add up to ${totalBytes} bytes; this server takes at most ${limits.maxBundleBytes} per version`, {
      size: totalBytes, maxBytes: limits.maxBundleBytes,
    });
  }
  // Sorted by path, a file that is also a directory ("a" and "a/b") sits right before the paths under it.
  const paths = new Set(entries.map(([p]) => p));
  for (const [path] of entries) {
    let slash = path.indexOf('/');
    while (slash >= 0) {
      const dir = path.slice(0, slash);
      if (paths.has(dir)) throw bad(dir, `is a file, and also a directory holding ${JSON.stringify(path)}`);
      slash = path.indexOf('/', slash + 1);
    }
  }
  return { entries, paths };
}
