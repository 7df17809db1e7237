// Calls that name a file by a path under a directory fd.
import {
  fstatSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, readlinkSync, renameSync, rmdirSync,
  statSync, symlinkSync, unlinkSync, utimesSync, closeSync, constants as fsc,
} from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { DIR_RIGHTS, ERRNO, FDFLAGS, FILE_RIGHTS, LOOKUPFLAGS, OFLAGS, RIGHTS } from './constants.ts';
import type { WasiContext } from './context.ts';
import { fail } from './errno.ts';
import type { DirEntry, FdEntry } from './fd-table.ts';
import { procFdMode, withPath, type Resolved } from './resolve.ts';
import { writeFilestat } from './stat.ts';
import { checkFstFlags, newTimes } from './times.ts';

type Call = (...args: any[]) => number;

/** A preopen marked readonly refuses every change, like a wasmtime dir without MUTATE: EPERM. */
function mutable(dir: DirEntry): void {
  if (dir.root.readonly) fail(ERRNO.PERM);
}

function lstatOrNull(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Stat of what r names, without following a last symlink (r already expanded it if asked). */
function statResolved(r: Resolved): BigIntStats {
  // r.path for the directory itself may be a /proc/self/fd link: stat (not lstat) reaches it.
  const st = r.name === null ? statSync(r.path, { bigint: true }) : lstatSync(r.path, { bigint: true });
  if (r.trailingSlash && !st.isDirectory()) fail(ERRNO.NOTDIR);
  return st;
}

/**
 * A new non-directory (symlink, hard link) at a path ending in "/": Linux answers ENOENT when
 * nothing is there, EEXIST for a directory and ENOTDIR for anything else.
 */
function refuseTrailingSlashCreate(r: Resolved): void {
  if (r.name === null) fail(ERRNO.EXIST);
  if (!r.trailingSlash) return;
  const st = lstatOrNull(r.path);
  if (!st) fail(ERRNO.NOENT);
  fail(st.isDirectory() ? ERRNO.EXIST : ERRNO.NOTDIR);
}

export function pathCalls(ctx: WasiContext): Record<string, Call> {
  const mem = ctx.memory;
  const fds = ctx.fds;
  const str = (ptr: number, len: number): string => mem.string(ptr >>> 0, len >>> 0);

  function openAt(dir: DirEntry, path: string, dirflags: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number): FdEntry {
    if (oflags & ~0xf || fdflags & ~0x1f || dirflags & ~LOOKUPFLAGS.SYMLINK_FOLLOW) fail(ERRNO.INVAL);
    const creat = (oflags & OFLAGS.CREAT) !== 0;
    const excl = (oflags & OFLAGS.EXCL) !== 0;
    const trunc = (oflags & OFLAGS.TRUNC) !== 0;
    const directory = (oflags & OFLAGS.DIRECTORY) !== 0;
    if (creat && (dir.rights & RIGHTS.PATH_CREATE_FILE) === 0n) fail(ERRNO.NOTCAPABLE);
    if (trunc && (dir.rights & RIGHTS.PATH_FILESTAT_SET_SIZE) === 0n) fail(ERRNO.NOTCAPABLE);
    if ((base & ~dir.inheriting) !== 0n || (inheriting & ~dir.inheriting) !== 0n) fail(ERRNO.NOTCAPABLE);
    const wantRead = (base & (RIGHTS.FD_READ | RIGHTS.FD_READDIR)) !== 0n;
    const wantWrite = (base & RIGHTS.FD_WRITE) !== 0n;
    if (dir.root.readonly && (creat || trunc || wantWrite)) fail(ERRNO.PERM);
    if (directory && (creat || excl || trunc)) fail(ERRNO.INVAL);
    // As Rust's OpenOptions (so wasmtime): truncating needs write access.
    if (trunc && !wantWrite && !creat) fail(ERRNO.INVAL);
    fds.ensureRoom();
    // O_CREAT|O_EXCL never follows a last symlink (POSIX).
    const follow = (dirflags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0 && !(creat && excl);

    return withPath(dir, path, follow, (r) => {
      const st = r.name === null ? statSync(r.path, { bigint: true }) : lstatOrNull(r.path);
      if (st === null) {
        if (!creat) fail(ERRNO.NOENT);
        if (r.trailingSlash) fail(ERRNO.ISDIR);
      } else {
        if (creat && excl) fail(ERRNO.EXIST);
        if (st.isSymbolicLink()) fail(ERRNO.LOOP);
        if (st.isDirectory()) {
          if (creat || trunc || wantWrite) fail(ERRNO.ISDIR);
          return openDir(dir, r, base, inheriting);
        }
        if (!st.isFile()) fail(ERRNO.NOTSUP); // fifos, sockets, devices: could block or reach the host
        if (directory || r.trailingSlash) fail(ERRNO.NOTDIR);
      }
      let flags = fsc.O_NOFOLLOW | fsc.O_NONBLOCK | fsc.O_NOCTTY;
      const hostWrite = wantWrite || creat;
      flags |= hostWrite ? (wantRead ? fsc.O_RDWR : fsc.O_WRONLY) : fsc.O_RDONLY;
      if (creat) flags |= fsc.O_CREAT;
      if (excl) flags |= fsc.O_EXCL;
      if (trunc) flags |= fsc.O_TRUNC;
      // Without /proc the host flag could not be dropped later (fd_fdstat_set_flags), so there
      // APPEND is done by writing at the current end instead.
      const hostAppend = procFdMode && (fdflags & FDFLAGS.APPEND) !== 0;
      if (hostAppend) flags |= fsc.O_APPEND;
      if (fdflags & FDFLAGS.DSYNC) flags |= fsc.O_DSYNC;
      if (fdflags & (FDFLAGS.SYNC | FDFLAGS.RSYNC)) flags |= fsc.O_SYNC;
      const hostFd = openSync(r.path, flags, 0o666);
      try {
        const now = fstatSync(hostFd);
        if (now.isDirectory()) fail(ERRNO.ISDIR); // swapped in since the lstat above
        if (!now.isFile()) fail(ERRNO.NOTSUP);
      } catch (err) {
        closeSync(hostFd);
        throw err;
      }
      return {
        kind: 'file', hostFd, hostAppend, hostWrite, position: 0n, root: dir.root,
        rights: base & FILE_RIGHTS, inheriting, fdflags,
      } satisfies FdEntry;
    });
  }

  function openDir(dir: DirEntry, r: Resolved, base: bigint, inheriting: bigint): FdEntry {
    // The directory itself is reopened through its /proc link, which O_NOFOLLOW would refuse.
    const flags = fsc.O_RDONLY | fsc.O_DIRECTORY | (r.name === null && procFdMode ? 0 : fsc.O_NOFOLLOW);
    const hostFd = openSync(r.path, flags);
    return {
      kind: 'dir', hostFd, hostPath: r.realPath, root: dir.root,
      rights: base & DIR_RIGHTS, inheriting, fdflags: 0,
    };
  }

  return {
    path_open: (fd: number, dirflags: number, pathPtr: number, pathLen: number, oflags: number,
      base: bigint, inheriting: bigint, fdflags: number, outPtr: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_OPEN);
      const path = str(pathPtr, pathLen);
      outPtr >>>= 0;
      mem.check(outPtr, 4);
      const entry = openAt(dir, path, dirflags, oflags & 0xffff, BigInt.asUintN(64, base), BigInt.asUintN(64, inheriting), fdflags & 0xffff);
      mem.setU32(outPtr, fds.add(entry));
      return ERRNO.SUCCESS;
    },

    path_create_directory: (fd: number, pathPtr: number, pathLen: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_CREATE_DIRECTORY);
      const path = str(pathPtr, pathLen);
      mutable(dir);
      withPath(dir, path, false, (r) => {
        if (r.name === null) fail(ERRNO.EXIST);
        mkdirSync(r.path, 0o777);
      });
      return ERRNO.SUCCESS;
    },

    path_filestat_get: (fd: number, flags: number, pathPtr: number, pathLen: number, outPtr: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_FILESTAT_GET);
      const path = str(pathPtr, pathLen);
      mem.check(outPtr >>> 0, 64);
      const st = withPath(dir, path, (flags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0, statResolved);
      writeFilestat(mem, outPtr >>> 0, st);
      return ERRNO.SUCCESS;
    },

    path_filestat_set_times: (fd: number, flags: number, pathPtr: number, pathLen: number, atim: bigint, mtim: bigint, fst: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_FILESTAT_SET_TIMES);
      const path = str(pathPtr, pathLen);
      checkFstFlags(fst);
      mutable(dir);
      withPath(dir, path, (flags & LOOKUPFLAGS.SYMLINK_FOLLOW) !== 0, (r) => {
        const st = statResolved(r);
        const t = newTimes(st, atim, mtim, fst);
        // Never follows: a last symlink was expanded by the walk when the guest asked for it.
        if (r.name === null) utimesSync(r.path, t.atime, t.mtime);
        else lutimesSync(r.path, t.atime, t.mtime);
      });
      return ERRNO.SUCCESS;
    },

    path_link: (oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
      const from = fds.dir(oldFd, RIGHTS.PATH_LINK_SOURCE);
      const to = fds.dir(newFd, RIGHTS.PATH_LINK_TARGET);
      const oldPath = str(oldPtr, oldLen);
      const newPath = str(newPtr, newLen);
      mutable(from);
      mutable(to);
      // Like wasmtime: following a symlink at the source is not supported.
      if (oldFlags & LOOKUPFLAGS.SYMLINK_FOLLOW) fail(ERRNO.INVAL);
      withPath(from, oldPath, false, (src) => {
        if (src.name === null) fail(ERRNO.PERM);
        if (src.trailingSlash) fail(statResolved(src).isDirectory() ? ERRNO.PERM : ERRNO.NOTDIR);
        withPath(to, newPath, false, (dst) => {
          refuseTrailingSlashCreate(dst);
          linkSync(src.path, dst.path);
        });
      });
      return ERRNO.SUCCESS;
    },

    path_readlink: (fd: number, pathPtr: number, pathLen: number, buf: number, bufLen: number, outPtr: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_READLINK);
      const path = str(pathPtr, pathLen);
      mem.check(outPtr >>> 0, 4);
      const target = withPath(dir, path, false, (r) => {
        if (r.name === null) fail(ERRNO.INVAL);
        return readlinkSync(r.path, { encoding: 'buffer' });
      });
      // Like wasmtime (and readlink(2)): a short buffer gets a truncated target.
      const n = Math.min(target.length, bufLen >>> 0);
      mem.write(buf >>> 0, target.subarray(0, n));
      mem.setU32(outPtr >>> 0, n);
      return ERRNO.SUCCESS;
    },

    path_remove_directory: (fd: number, pathPtr: number, pathLen: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_REMOVE_DIRECTORY);
      const path = str(pathPtr, pathLen);
      mutable(dir);
      withPath(dir, path, false, (r) => {
        if (r.name === null) fail(ERRNO.INVAL);
        rmdirSync(r.path);
      });
      return ERRNO.SUCCESS;
    },

    path_rename: (oldFd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number) => {
      const from = fds.dir(oldFd, RIGHTS.PATH_RENAME_SOURCE);
      const to = fds.dir(newFd, RIGHTS.PATH_RENAME_TARGET);
      const oldPath = str(oldPtr, oldLen);
      const newPath = str(newPtr, newLen);
      mutable(from);
      mutable(to);
      withPath(from, oldPath, false, (src) => {
        withPath(to, newPath, false, (dst) => {
          if (src.name === null || dst.name === null) fail(ERRNO.BUSY);
          if (src.trailingSlash || dst.trailingSlash) {
            const st = lstatOrNull(src.path);
            if (st && !st.isDirectory()) fail(ERRNO.NOTDIR);
          }
          renameSync(src.path, dst.path);
        });
      });
      return ERRNO.SUCCESS;
    },

    path_symlink: (oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number) => {
      const target = str(oldPtr, oldLen);
      const dir = fds.dir(fd, RIGHTS.PATH_SYMLINK);
      const path = str(newPtr, newLen);
      mutable(dir);
      if (target.includes('\0')) fail(ERRNO.INVAL);
      // Like wasmtime: a link to an absolute path could only ever point out of the sandbox.
      if (target.startsWith('/')) fail(ERRNO.PERM);
      if (target === '') fail(ERRNO.NOENT);
      withPath(dir, path, false, (r) => {
        refuseTrailingSlashCreate(r);
        symlinkSync(target, r.path);
      });
      return ERRNO.SUCCESS;
    },

    path_unlink_file: (fd: number, pathPtr: number, pathLen: number) => {
      const dir = fds.dir(fd, RIGHTS.PATH_UNLINK_FILE);
      const path = str(pathPtr, pathLen);
      mutable(dir);
      withPath(dir, path, false, (r) => {
        if (r.name === null) fail(ERRNO.ISDIR);
        if (r.trailingSlash) fail(statResolved(r).isDirectory() ? ERRNO.ISDIR : ERRNO.NOTDIR);
        unlinkSync(r.path);
      });
      return ERRNO.SUCCESS;
    },
  };
}
