// Guest path → host path, one component at a time, never leaving the starting directory.
//
// On Linux every step is taken relative to a directory fd the walk holds (/proc/self/fd/N), each
// directory is opened with O_NOFOLLOW, ".." pops the walk's own stack instead of asking the
// kernel, and symlinks are read and expanded here. The kernel is never handed a path in which it
// could follow a symlink or "..", so a tree changed concurrently cannot redirect the walk.
// Elsewhere the same walk runs on path strings with lstat checks (see docs/wasi.md).
import { closeSync, existsSync, lstatSync, openSync, readlinkSync, constants as fsc } from 'node:fs';
import { ERRNO } from './constants.ts';
import { fail } from './errno.ts';
import type { DirEntry } from './fd-table.ts';

/** Linux's O_PATH: a handle for path walks that needs no read permission. */
const O_PATH = 0o10000000;

/**
 * Whether paths are walked through /proc/self/fd (Linux). WAFT_WASI_NO_PROC_FD=1 forces the
 * string walk used on other systems, so that it can be tested on Linux too.
 */
export const procFdMode = process.platform === 'linux' && existsSync('/proc/self/fd') && process.env.WAFT_WASI_NO_PROC_FD !== '1';

/** How many symlinks one lookup may expand, like Linux's MAXSYMLINKS. */
const MAX_SYMLINKS = 40;
/** Longest guest path, like Linux's PATH_MAX. */
const MAX_PATH_BYTES = 4096;
/** Deepest directory nesting one lookup may walk: each level holds a host fd during the walk. */
const MAX_DEPTH = 256;

/** The host path through which the directory an fd refers to is reached. */
export function dirBase(e: DirEntry): string {
  return procFdMode ? `/proc/self/fd/${e.hostFd}` : e.hostPath;
}

export interface Resolved {
  /** The last component; null when the path names the directory the walk ended in ("." or "a/.."). */
  name: string | null;
  /** Reaches what the path names: `name` inside that directory, or the directory itself. */
  path: string;
  /** The path ended in "/": what it names must be a directory. */
  trailingSlash: boolean;
  /** Real host path of the result, for platforms without /proc/self/fd. */
  realPath: string;
  /** Closes the directory handles the walk opened. */
  release(): void;
}

interface Step {
  path: string;
  real: string;
  fd?: number;
}

/** Reads a guest path given as a string and checks its form. */
function split(guestPath: string): string[] {
  if (guestPath === '') fail(ERRNO.NOENT);
  if (guestPath.includes('\0')) fail(ERRNO.INVAL);
  if (Buffer.byteLength(guestPath) >= MAX_PATH_BYTES) fail(ERRNO.NAMETOOLONG);
  // Like wasmtime (cap-std): an absolute path would leave the directory: not permitted.
  if (guestPath.startsWith('/')) fail(ERRNO.PERM);
  return guestPath.split('/');
}

/**
 * Resolves `guestPath` under the directory `dir`. Symlinks in the middle are always followed
 * (within the directory); the last one only when `followLast` or when the path ends in "/".
 * Escapes (an absolute path, too many "..", an absolute symlink target, a symlink that climbs
 * out) fail with EPERM, as in wasmtime.
 */
export function resolvePath(dir: DirEntry, guestPath: string, followLast: boolean): Resolved {
  const queue = split(guestPath);
  const trailingSlash = guestPath.endsWith('/');
  const base: Step = { path: dirBase(dir), real: dir.hostPath };
  const stack: Step[] = [];
  const release = (): void => {
    for (const s of stack) if (s.fd !== undefined) closeSync(s.fd);
    stack.length = 0;
  };
  let links = 0;
  let name: string | null = null;
  const expand = (at: Step, component: string): void => {
    if (++links > MAX_SYMLINKS) fail(ERRNO.LOOP);
    const target = readlinkSync(`${at.path}/${component}`);
    if (target === '') fail(ERRNO.NOENT);
    if (target.startsWith('/')) fail(ERRNO.PERM);
    queue.unshift(...target.split('/'));
  };
  try {
    while (queue.length > 0) {
      const c = queue.shift()!;
      const cur = stack.at(-1) ?? base;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        const s = stack.pop();
        if (!s) fail(ERRNO.PERM);
        if (s.fd !== undefined) closeSync(s.fd);
        continue;
      }
      if (Buffer.byteLength(c) > 255) fail(ERRNO.NAMETOOLONG);
      const last = queue.every((q) => q === '');
      if (last) {
        if (followLast || trailingSlash) {
          let isLink = false;
          try {
            isLink = lstatSync(`${cur.path}/${c}`).isSymbolicLink();
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          }
          if (isLink) {
            expand(cur, c);
            continue;
          }
        }
        name = c;
        break;
      }
      // A directory in the middle of the path.
      if (stack.length >= MAX_DEPTH) fail(ERRNO.NAMETOOLONG);
      if (procFdMode) {
        // Open it as a directory without following; if that fails, see whether it is a symlink.
        // A few tries, in case it changes between the two (a directory swapped in and out).
        for (let tries = 0; ; tries++) {
          try {
            const fd = openSync(`${cur.path}/${c}`, O_PATH | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
            stack.push({ fd, path: `/proc/self/fd/${fd}`, real: `${cur.real}/${c}` });
            break;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== 'ENOTDIR' && code !== 'ELOOP') throw err;
          }
          const st = lstatSync(`${cur.path}/${c}`);
          if (st.isSymbolicLink()) {
            try {
              expand(cur, c);
              break;
            } catch (err) {
              // No longer a symlink (EINVAL from readlink): look again.
              if ((err as NodeJS.ErrnoException).code !== 'EINVAL' || tries >= 3) throw err;
              continue;
            }
          }
          if (!st.isDirectory() || tries >= 3) fail(ERRNO.NOTDIR);
        }
      } else {
        const st = lstatSync(`${cur.path}/${c}`);
        if (st.isSymbolicLink()) expand(cur, c);
        else if (st.isDirectory()) stack.push({ path: `${cur.path}/${c}`, real: `${cur.real}/${c}` });
        else fail(ERRNO.NOTDIR);
      }
    }
  } catch (err) {
    release();
    throw err;
  }
  const at = stack.at(-1) ?? base;
  return {
    name,
    path: name === null ? at.path : `${at.path}/${name}`,
    trailingSlash,
    realPath: name === null ? at.real : `${at.real}/${name}`,
    release,
  };
}

/** Runs `fn` on the resolved path and always releases the walk's handles. */
export function withPath<T>(dir: DirEntry, guestPath: string, followLast: boolean, fn: (r: Resolved) => T): T {
  const r = resolvePath(dir, guestPath, followLast);
  try {
    return fn(r);
  } finally {
    r.release();
  }
}
