// A version on disk, for loadApp to read: DATA/versions/<version id>/ holds waft.toml and every
// bundle file (hard links to the blobs, or copies where links are not possible). A version
// directory is built under DATA/staging/ and renamed into place only when complete, so a
// directory under versions/ is always whole; a crash leaves at most a staging directory, which
// the next start removes. The store is the truth: a version without a directory (a crash
// between the version commit and the rename, or a lost disk) is rebuilt from its blobs.
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { WaftError } from '../../errors.ts';
import { manifestFileName, parseManifest } from '../../manifest/index.ts';
import { displayPath } from '../../manifest/issues.ts';
import type { AppManifest } from '../../manifest/types.ts';
import type { BlobStore } from '../artifacts/blobs.ts';

export interface VersionDirs {
  staging: string;
  versions: string;
}

export function versionDirs(dataDir: string): VersionDirs {
  return { staging: join(dataDir, 'staging'), versions: join(dataDir, 'versions') };
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/** Replaces the staging or version directory in messages with nothing, so errors read "waft.toml:3:1". */
export function scrubPaths(err: unknown, dir: string): WaftError {
  const e = WaftError.wrap(err);
  const prefixes = [...new Set([`${dir}${sep}`, `${displayPath(dir)}${sep}`])].sort((a, b) => b.length - a.length);
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') {
      let s = value;
      for (const p of prefixes) s = s.split(p).join('');
      return s;
    }
    if (Array.isArray(value)) return value.map(clean);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)]));
    return value;
  };
  return new WaftError(e.code, clean(e.message) as string, clean(e.details) as Record<string, unknown> | undefined);
}

function bundlePath(dir: string, absolute: string): string | null {
  const rel = relative(dir, absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

function incomplete(manifest: AppManifest, key: string[], message: string, details: Record<string, unknown>): WaftError {
  const at = manifest.locate(key);
  return new WaftError('WAFT_E_BUNDLE_INCOMPLETE', `${manifestFileName}:${at.line}:${at.column}: ${message}`, {
    ...details, file: manifestFileName, line: at.line, column: at.column, key: key.join('.'),
  });
}

/**
 * Parses the manifest as if it were DIR/waft.toml and checks that every module and every
 * `files` source it names is in the bundle.
 */
export function checkManifestAgainstBundle(text: string, dir: string, paths: ReadonlySet<string>): AppManifest {
  const manifest = parseManifest(text, join(dir, manifestFileName));
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) dirs.add(p.slice(0, i));
  }
  for (const fn of manifest.functions) {
    const source = bundlePath(manifest.dir, fn.source);
    if (source === null || !paths.has(source)) {
      const hint = fn.build ? '; the server does not build, so run `waft build` and include the module' : '';
      throw incomplete(manifest, ['functions', fn.name, 'source'],
        `function "${fn.name}": its module ${JSON.stringify(source ?? fn.source)} is not in the bundle${hint}`, { function: fn.name, path: source });
    }
    fn.files.forEach((mount, i) => {
      const path = bundlePath(manifest.dir, mount.source);
      // A mount of the whole app directory ("." ) shares every file.
      if (path === null && relative(manifest.dir, mount.source) === '') return;
      if (path === null || (!paths.has(path) && !dirs.has(path))) {
        throw incomplete(manifest, ['functions', fn.name, 'files', String(i)],
          `function "${fn.name}": files source ${JSON.stringify(path ?? mount.source)} is neither a file nor a directory of the bundle`, { function: fn.name, path });
      }
    });
  }
  return manifest;
}

/** Fills a staging directory with a bundle's files (hard links to the blobs, or copies) and its waft.toml. */
export async function stageFiles(dir: string, blobs: BlobStore, manifestText: string, entries: [string, { sha256: string }][]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const made = new Set<string>();
  for (const [path, file] of entries) {
    const target = join(dir, ...path.split('/'));
    const parent = dirname(target);
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    const source = blobs.path(file.sha256);
    try {
      await link(source, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new WaftError('WAFT_E_BLOB_MISSING', `bundle file ${path}: blob ${file.sha256} is not stored`, { path, sha256: file.sha256 });
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw err;
      await copyFile(source, target);
    }
  }
  await writeFile(join(dir, manifestFileName), manifestText);
}

export async function newStagingDir(dirs: VersionDirs): Promise<string> {
  await mkdir(dirs.staging, { recursive: true });
  const dir = join(dirs.staging, randomBytes(8).toString('hex'));
  await mkdir(dir);
  return dir;
}

/** Moves a complete staging directory to versions/<id>. If it is there already, keeps that one. */
export async function commitStaged(dirs: VersionDirs, staged: string, versionId: string): Promise<string> {
  const final = join(dirs.versions, versionId);
  await mkdir(dirs.versions, { recursive: true });
  try {
    await rename(staged, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await rm(staged, { recursive: true, force: true });
  }
  return final;
}

/** The directory of a stored version, rebuilt from its blobs when it is missing. */
export async function ensureVersionDir(
  dirs: VersionDirs, blobs: BlobStore, version: { id: string; manifest: string; files: Record<string, { sha256: string }> },
): Promise<string> {
  const final = join(dirs.versions, version.id);
  try {
    if ((await stat(join(final, manifestFileName))).isFile()) return final;
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const staged = await newStagingDir(dirs);
  try {
    await stageFiles(staged, blobs, version.manifest, Object.entries(version.files));
  } catch (err) {
    await rm(staged, { recursive: true, force: true });
    throw err;
  }
  return commitStaged(dirs, staged, version.id);
}

/** At start-up: staging directories are leftovers of uploads that never finished. */
export async function clearStaging(dirs: VersionDirs): Promise<void> {
  await rm(dirs.staging, { recursive: true, force: true });
  await mkdir(dirs.staging, { recursive: true });
}

export async function removeVersionDir(dirs: VersionDirs, versionId: string): Promise<void> {
  await rm(join(dirs.versions, versionId), { recursive: true, force: true });
}
