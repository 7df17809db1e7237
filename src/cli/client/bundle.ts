// What `waft deploy` uploads: the text of waft.toml, every function's module and every file a
// `files` mount shares, each named by its path relative to waft.toml and its sha256. Nothing is
// built here: a module that does not exist yet is an error that says to build it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { WaftError } from '../../errors.ts';
import { loadManifest, type AppManifest } from '../../manifest/index.ts';
import type { BundleEntry } from './types.ts';

export interface BundleFile {
  /** Relative to waft.toml's directory, with "/" separators. */
  path: string;
  /** Absolute path on this machine. */
  source: string;
  sha256: string;
  size: number;
}

export interface Bundle {
  manifest: AppManifest;
  manifestText: string;
  files: BundleFile[];
  totalBytes: number;
}

/** Directory names never walked into when a `files` mount shares a directory. */
const SKIPPED_DIRS = new Set(['.git', '.waft', 'node_modules']);

export function bundleEntries(bundle: Bundle): Record<string, BundleEntry> {
  const out: Record<string, BundleEntry> = {};
  for (const f of bundle.files) out[f.path] = { sha256: f.sha256, size: f.size };
  return out;
}

/** Validates DIR/waft.toml (or FILE) locally and lists and hashes the files to upload. */
export async function collectBundle(pathOrDir: string): Promise<Bundle> {
  const manifest = await loadManifest(pathOrDir);
  const manifestText = await readFile(manifest.file, 'utf8');
  const realDir = await realpath(manifest.dir);
  const found = new Map<string, string>(); // bundle path → absolute path

  const inside = (abs: string): string | null => {
    const rel = relative(manifest.dir, abs);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? null : rel.split(sep).join('/');
  };

  for (const fn of manifest.functions) {
    const rel = inside(fn.source);
    const at = manifest.locate(['functions', fn.name, 'source']);
    const where = `${relative(process.cwd(), manifest.file) || manifest.file}:${at.line}:${at.column}`;
    if (rel === null) {
      throw new WaftError('WAFT_E_BUNDLE_INVALID', `${where}: functions.${fn.name}.source ${fn.source} is outside the app directory ${manifest.dir}; the server only gets files inside it, so copy or build the module there`, { function: fn.name });
    }
    const info = await stat(fn.source).catch(() => null);
    if (!info?.isFile()) {
      const build = fn.build ? ' run `waft build` (deploy never builds),' : '';
      throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${where}: functions.${fn.name}.source ${rel} does not exist;${build} build the module first, then deploy again`, { function: fn.name, path: rel });
    }
    await checkRealInside(fn.source, realDir, rel);
    found.set(rel, fn.source);
  }

  for (const fn of manifest.functions) {
    for (const mount of fn.files) {
      const info = await stat(mount.source).catch(() => null);
      const rel = inside(mount.source);
      if (info === null) {
        throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${manifest.file}: functions.${fn.name}.files shares ${relative(manifest.dir, mount.source) || '.'}, which does not exist; create it or remove the entry`, { function: fn.name });
      }
      if (info.isDirectory()) await walk(mount.source, realDir, manifest.dir, found);
      else if (rel !== null) {
        await checkRealInside(mount.source, realDir, rel);
        found.set(rel, mount.source);
      }
    }
  }

  const files: BundleFile[] = [];
  let totalBytes = 0;
  for (const [path, source] of [...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const { sha256, size } = await hashFile(source);
    files.push({ path, source, sha256, size });
    totalBytes += size;
  }
  return { manifest, manifestText, files, totalBytes };
}

/** Adds every regular file under dir; links may point anywhere inside the app directory, not out of it. */
async function walk(dir: string, realAppDir: string, appDir: string, found: Map<string, string>): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    const abs = join(dir, entry.name);
    const rel = relative(appDir, abs).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) await walk(abs, realAppDir, appDir, found);
      continue;
    }
    if (entry.isSymbolicLink()) {
      // A link to a file is followed (inside the app directory only); a link to a directory is
      // not, since it could loop. A dangling link shares nothing.
      const target = await stat(abs).catch(() => null);
      if (!target?.isFile()) continue;
      await checkRealInside(abs, realAppDir, rel);
    } else if (!entry.isFile()) {
      continue; // sockets, fifos, devices
    }
    found.set(rel, abs);
  }
}

async function checkRealInside(path: string, realAppDir: string, shown: string): Promise<void> {
  const real = await realpath(path);
  const rel = relative(realAppDir, real);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new WaftError('WAFT_E_BUNDLE_INVALID', `${shown} leads through a symbolic link to ${real}, outside the app directory; copy the file into the app directory instead of linking to it`, { path: shown });
  }
}

function hashFile(path: string): Promise<{ sha256: string; size: number }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let size = 0;
    createReadStream(path)
      .on('data', (chunk) => { hash.update(chunk); size += chunk.length; })
      .on('error', reject)
      .on('end', () => resolve({ sha256: hash.digest('hex'), size }));
  });
}
