// Calls on file descriptors: stdio streams, files and directories.
import {
  closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, futimesSync, lstatSync, openSync, readdirSync,
  constants as fsc,
} from 'node:fs';
import { ADVICE_MAX, ERRNO, FDFLAGS, FILETYPE, PREOPENTYPE_DIR, RIGHTS, WHENCE } from './constants.ts';
import type { WasiContext } from './context.ts';
import { fail } from './errno.ts';
import type { DirEntry, DirListing, FdEntry, FileEntry } from './fd-table.ts';
import { encode, type GuestMemory } from './memory.ts';
import { dirBase, procFdMode } from './resolve.ts';
import { checkFstFlags, newTimes } from './times.ts';
import { MAX_FILE_SIZE, readFileAt, writeFileAt } from './file-io.ts';
import { filetypeOf, writeFilestat, writeStreamFilestat } from './stat.ts';

type Call = (...args: any[]) => number | Promise<number>;

function filetypeOfEntry(e: FdEntry): number {
  switch (e.kind) {
    case 'file': return FILETYPE.REGULAR_FILE;
    case 'dir': return FILETYPE.DIRECTORY;
    default: return e.stream.isTty ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN;
  }
}

const MAX_OFFSET = (1n << 63n) - 1n;

/**
 * Reopens a file that was opened with O_APPEND without it (node:fs has no fcntl F_SETFL), via
 * the same open file's /proc link, so positioned writes stop landing at the end.
 */
function reopenWithoutAppend(e: FileEntry): void {
  if (!procFdMode) fail(ERRNO.NOTSUP);
  let flags = e.hostWrite ? ((e.rights & RIGHTS.FD_READ) !== 0n ? fsc.O_RDWR : fsc.O_WRONLY) : fsc.O_RDONLY;
  if (e.fdflags & FDFLAGS.DSYNC) flags |= fsc.O_DSYNC;
  if (e.fdflags & (FDFLAGS.SYNC | FDFLAGS.RSYNC)) flags |= fsc.O_SYNC;
  const fresh = openSync(`/proc/self/fd/${e.hostFd}`, flags | fsc.O_NONBLOCK | fsc.O_NOCTTY);
  closeSync(e.hostFd);
  e.hostFd = fresh;
  e.hostAppend = false;
}

/** The entries of a directory, with "." and ".." first (cookies 1 and 2 follow them). */
function listDirectory(e: DirEntry): DirListing {
  const base = dirBase(e);
  const self = fstatSync(e.hostFd, { bigint: true });
  const entries: DirListing['entries'] = [
    { name: encode('.'), type: FILETYPE.DIRECTORY, ino: self.ino },
    // wasmtime reports the directory's own inode for "..": the parent may be outside the sandbox.
    { name: encode('..'), type: FILETYPE.DIRECTORY, ino: self.ino },
  ];
  for (const d of readdirSync(base, { withFileTypes: true, encoding: 'buffer' })) {
    let ino = 0n;
    try {
      ino = lstatSync(Buffer.concat([Buffer.from(`${base}/`), d.name]), { bigint: true }).ino;
    } catch {
      // Removed since the listing: keep the name with inode 0.
    }
    entries.push({ name: new Uint8Array(d.name), type: filetypeOf(d), ino });
  }
  return { entries };
}

const DIRENT_SIZE = 24;

/**
 * Writes dirents from `cookie` on. Like wasmtime, the last entry is cut to fit, and a full
 * buffer (used == bufLen) tells the guest to read again with a bigger one.
 */
function writeDirents(mem: GuestMemory, buf: number, bufLen: number, listing: DirListing, cookie: bigint): number {
  let at = 0;
  for (let i = cookie; i < BigInt(listing.entries.length); i++) {
    const ent = listing.entries[Number(i)];
    const record = new Uint8Array(DIRENT_SIZE + ent.name.length);
    const v = new DataView(record.buffer);
    v.setBigUint64(0, i + 1n, true);
    v.setBigUint64(8, ent.ino, true);
    v.setUint32(16, ent.name.length, true);
    v.setUint8(20, ent.type);
    record.set(ent.name, DIRENT_SIZE);
    const n = Math.min(record.length, bufLen - at);
    mem.write(buf + at, record.subarray(0, n));
    at += n;
    if (at === bufLen) break;
  }
  return at;
}

export function fdCalls(ctx: WasiContext): Record<string, Call> {
  const mem = ctx.memory;
  const fds = ctx.fds;

  /** A regular file's entry; directories and streams are EBADF, as in wasmtime. */
  const fileEntry = (fd: number): FileEntry => {
    const e = fds.get(fd);
    if (e.kind !== 'file') fail(ERRNO.BADF);
    return e;
  };

  /** Changing a file needs a writable host fd (and so a writable preopen). */
  const writable = (e: FileEntry): void => {
    if (e.root.readonly) fail(ERRNO.PERM);
    if (!e.hostWrite) fail(ERRNO.BADF);
  };

  return {
    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
      const e = fds.get(fd);
      const vecs = mem.iovecs(iovs >>> 0, iovsLen >>> 0);
      nreadPtr >>>= 0;
      mem.check(nreadPtr, 4);
      if (e.kind === 'stdin') {
        if ((e.rights & RIGHTS.FD_READ) === 0n) fail(ERRNO.BADF);
        let total = 0;
        for (const [, l] of vecs) total += l;
        if (total === 0) {
          mem.setU32(nreadPtr, 0);
          return ERRNO.SUCCESS;
        }
        const finish = (chunk: Uint8Array | null): number => {
          mem.setU32(nreadPtr, chunk ? mem.scatter(vecs, chunk) : 0);
          return ERRNO.SUCCESS;
        };
        if (ctx.aborted) return Promise.reject(ctx.aborted);
        const r = e.stream.read(total);
        return r instanceof Promise ? ctx.wait(r).then(finish) : finish(r);
      }
      if (e.kind !== 'file' || (e.rights & RIGHTS.FD_READ) === 0n) fail(ERRNO.BADF);
      const n = readFileAt(e.hostFd, mem, vecs, e.position);
      e.position += BigInt(n);
      mem.setU32(nreadPtr, n);
      return ERRNO.SUCCESS;
    },

    fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const e = fds.get(fd);
      nwrittenPtr >>>= 0;
      mem.check(nwrittenPtr, 4);
      if (e.kind === 'stdout') {
        if ((e.rights & RIGHTS.FD_WRITE) === 0n) fail(ERRNO.BADF);
        const data = mem.gather(iovs >>> 0, iovsLen >>> 0);
        if (data.length > 0) e.stream.write(data);
        mem.setU32(nwrittenPtr, data.length);
        return ERRNO.SUCCESS;
      }
      if (e.kind !== 'file' || (e.rights & RIGHTS.FD_WRITE) === 0n) fail(ERRNO.BADF);
      const vecs = mem.iovecs(iovs >>> 0, iovsLen >>> 0);
      const n = writeFileAt(e, mem, vecs, null);
      mem.setU32(nwrittenPtr, n);
      return ERRNO.SUCCESS;
    },

    fd_close: (fd: number) => {
      fds.close(fd);
      return ERRNO.SUCCESS;
    },

    fd_fdstat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      ptr >>>= 0;
      mem.check(ptr, 24);
      mem.setU32(ptr, 0);
      mem.setU32(ptr + 4, 0);
      mem.setU8(ptr, filetypeOfEntry(e));
      mem.setU16(ptr + 2, e.fdflags);
      mem.setU64(ptr + 8, e.rights);
      mem.setU64(ptr + 16, e.inheriting);
      return ERRNO.SUCCESS;
    },

    fd_prestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'dir' || e.preopenName === undefined) fail(ERRNO.BADF);
      ptr >>>= 0;
      mem.setU8(ptr, PREOPENTYPE_DIR);
      mem.setU32(ptr + 4, encode(e.preopenName).length);
      return ERRNO.SUCCESS;
    },

    fd_prestat_dir_name: (fd: number, ptr: number, len: number) => {
      const e = fds.get(fd);
      // wasmtime answers ENOTDIR for an fd that is not a preopen.
      if (e.kind !== 'dir' || e.preopenName === undefined) fail(ERRNO.NOTDIR);
      const name = encode(e.preopenName);
      if (name.length > len >>> 0) fail(ERRNO.NAMETOOLONG);
      mem.write(ptr >>> 0, name);
      return ERRNO.SUCCESS;
    },

    fd_seek: (fd: number, offset: bigint, whence: number, newOffsetPtr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdin' || e.kind === 'stdout') fail(ERRNO.SPIPE);
      if (e.kind !== 'file') fail(ERRNO.BADF);
      // A plain "where am I" only needs FD_TELL.
      const needed = offset === 0n && whence === WHENCE.CUR ? RIGHTS.FD_TELL : RIGHTS.FD_SEEK;
      if ((e.rights & needed) === 0n) fail(ERRNO.NOTCAPABLE);
      newOffsetPtr >>>= 0;
      mem.check(newOffsetPtr, 8);
      let base: bigint;
      switch (whence) {
        case WHENCE.SET: base = 0n; break;
        case WHENCE.CUR: base = e.position; break;
        case WHENCE.END: base = fstatSync(e.hostFd, { bigint: true }).size; break;
        default: return fail(ERRNO.INVAL);
      }
      const next = base + BigInt.asIntN(64, offset);
      if (next < 0n || next > MAX_OFFSET) fail(ERRNO.INVAL);
      e.position = next;
      mem.setU64(newOffsetPtr, next);
      return ERRNO.SUCCESS;
    },

    fd_filestat_get: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      ptr >>>= 0;
      if (e.kind === 'stdin' || e.kind === 'stdout') {
        writeStreamFilestat(mem, ptr, filetypeOfEntry(e));
        return ERRNO.SUCCESS;
      }
      if ((e.rights & RIGHTS.FD_FILESTAT_GET) === 0n) fail(ERRNO.NOTCAPABLE);
      writeFilestat(mem, ptr, fstatSync(e.hostFd, { bigint: true }));
      return ERRNO.SUCCESS;
    },

    fd_advise: (fd: number, _offset: bigint, _len: bigint, advice: number) => {
      const e = fileEntry(fd);
      if ((e.rights & RIGHTS.FD_ADVISE) === 0n) fail(ERRNO.NOTCAPABLE);
      if ((advice >>> 0) > ADVICE_MAX) fail(ERRNO.INVAL);
      // node:fs has no posix_fadvise; advice is only a hint, so taking none is correct.
      return ERRNO.SUCCESS;
    },

    fd_allocate: (fd: number, offset: bigint, len: bigint) => {
      const e = fileEntry(fd);
      if ((e.rights & RIGHTS.FD_ALLOCATE) === 0n) fail(ERRNO.NOTCAPABLE);
      writable(e);
      offset = BigInt.asUintN(64, offset);
      len = BigInt.asUintN(64, len);
      if (len === 0n) fail(ERRNO.INVAL);
      const end = offset + len;
      if (end > MAX_FILE_SIZE) fail(ERRNO.FBIG);
      // Grows the file (zero-filled) when the range reaches past its end, like posix_fallocate.
      if (end > fstatSync(e.hostFd, { bigint: true }).size) ftruncateSync(e.hostFd, Number(end));
      return ERRNO.SUCCESS;
    },

    fd_datasync: (fd: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'file' && e.kind !== 'dir') fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_DATASYNC) === 0n) fail(ERRNO.NOTCAPABLE);
      fdatasyncSync(e.hostFd);
      return ERRNO.SUCCESS;
    },

    fd_sync: (fd: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'file' && e.kind !== 'dir') fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_SYNC) === 0n) fail(ERRNO.NOTCAPABLE);
      fsyncSync(e.hostFd);
      return ERRNO.SUCCESS;
    },

    fd_fdstat_set_flags: (fd: number, flags: number) => {
      const e = fileEntry(fd);
      if ((e.rights & RIGHTS.FD_FDSTAT_SET_FLAGS) === 0n) fail(ERRNO.NOTCAPABLE);
      flags &= 0xffff;
      if (flags & ~0x1f) fail(ERRNO.INVAL);
      // Like wasmtime, only APPEND and NONBLOCK can change after open.
      const syncBits = FDFLAGS.DSYNC | FDFLAGS.RSYNC | FDFLAGS.SYNC;
      if ((flags & syncBits) !== (e.fdflags & syncBits)) fail(ERRNO.INVAL);
      const append = (flags & FDFLAGS.APPEND) !== 0;
      if (!append && e.hostAppend) reopenWithoutAppend(e);
      e.fdflags = flags;
      return ERRNO.SUCCESS;
    },

    fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => {
      const e = fds.get(fd);
      base = BigInt.asUintN(64, base);
      inheriting = BigInt.asUintN(64, inheriting);
      // Rights can only be dropped, never gained.
      if ((base & ~e.rights) !== 0n || (inheriting & ~e.inheriting) !== 0n) fail(ERRNO.NOTCAPABLE);
      e.rights = base;
      e.inheriting = inheriting;
      return ERRNO.SUCCESS;
    },

    fd_filestat_set_size: (fd: number, size: bigint) => {
      const e = fileEntry(fd);
      if ((e.rights & RIGHTS.FD_FILESTAT_SET_SIZE) === 0n) fail(ERRNO.NOTCAPABLE);
      writable(e);
      size = BigInt.asUintN(64, size);
      if (size > MAX_FILE_SIZE) fail(ERRNO.FBIG);
      ftruncateSync(e.hostFd, Number(size));
      return ERRNO.SUCCESS;
    },

    fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, fst: number) => {
      const e = fds.get(fd);
      if (e.kind !== 'file' && e.kind !== 'dir') fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_FILESTAT_SET_TIMES) === 0n) fail(ERRNO.NOTCAPABLE);
      checkFstFlags(fst);
      if (e.root.readonly) fail(ERRNO.PERM);
      const t = newTimes(fstatSync(e.hostFd, { bigint: true }), atim, mtim, fst);
      futimesSync(e.hostFd, t.atime, t.mtime);
      return ERRNO.SUCCESS;
    },

    fd_pread: (fd: number, iovs: number, iovsLen: number, offset: bigint, nreadPtr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdin') fail(ERRNO.SPIPE);
      if (e.kind !== 'file' || (e.rights & RIGHTS.FD_READ) === 0n) fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_SEEK) === 0n) fail(ERRNO.NOTCAPABLE);
      const vecs = mem.iovecs(iovs >>> 0, iovsLen >>> 0);
      mem.check(nreadPtr >>> 0, 4);
      offset = BigInt.asUintN(64, offset);
      if (offset > MAX_OFFSET) fail(ERRNO.INVAL);
      mem.setU32(nreadPtr >>> 0, readFileAt(e.hostFd, mem, vecs, offset));
      return ERRNO.SUCCESS;
    },

    fd_pwrite: (fd: number, iovs: number, iovsLen: number, offset: bigint, nwrittenPtr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdout') fail(ERRNO.SPIPE);
      if (e.kind !== 'file' || (e.rights & RIGHTS.FD_WRITE) === 0n) fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_SEEK) === 0n) fail(ERRNO.NOTCAPABLE);
      const vecs = mem.iovecs(iovs >>> 0, iovsLen >>> 0);
      mem.check(nwrittenPtr >>> 0, 4);
      // writeFileAt refuses a write past MAX_FILE_SIZE (EFBIG) before writing anything.
      mem.setU32(nwrittenPtr >>> 0, writeFileAt(e, mem, vecs, BigInt.asUintN(64, offset)));
      return ERRNO.SUCCESS;
    },

    fd_readdir: (fd: number, buf: number, bufLen: number, cookie: bigint, usedPtr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'file') fail(ERRNO.NOTDIR);
      if (e.kind !== 'dir') fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_READDIR) === 0n) fail(ERRNO.NOTCAPABLE);
      buf >>>= 0;
      bufLen >>>= 0;
      mem.check(buf, bufLen);
      mem.check(usedPtr >>> 0, 4);
      cookie = BigInt.asUintN(64, cookie);
      if (cookie === 0n || !e.listing) e.listing = listDirectory(e);
      mem.setU32(usedPtr >>> 0, writeDirents(mem, buf, bufLen, e.listing, cookie));
      return ERRNO.SUCCESS;
    },

    fd_renumber: (from: number, to: number) => {
      fds.renumber(from, to);
      return ERRNO.SUCCESS;
    },

    fd_tell: (fd: number, ptr: number) => {
      const e = fds.get(fd);
      if (e.kind === 'stdin' || e.kind === 'stdout') fail(ERRNO.SPIPE);
      if (e.kind !== 'file') fail(ERRNO.BADF);
      if ((e.rights & RIGHTS.FD_TELL) === 0n) fail(ERRNO.NOTCAPABLE);
      mem.setU64(ptr >>> 0, e.position);
      return ERRNO.SUCCESS;
    },
  };
}
