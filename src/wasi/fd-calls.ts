// Calls on file descriptors: stdio streams, files and directories.
import { fstatSync } from 'node:fs';
import { ERRNO, FILETYPE, PREOPENTYPE_DIR, RIGHTS, WHENCE } from './constants.ts';
import type { WasiContext } from './context.ts';
import { fail } from './errno.ts';
import type { FdEntry } from './fd-table.ts';
import { encode } from './memory.ts';
import { readFileAt, writeFileAt } from './file-io.ts';
import { writeFilestat, writeStreamFilestat } from './stat.ts';

type Call = (...args: any[]) => number | Promise<number>;

export function filetypeOfEntry(e: FdEntry): number {
  switch (e.kind) {
    case 'file': return FILETYPE.REGULAR_FILE;
    case 'dir': return FILETYPE.DIRECTORY;
    default: return e.stream.isTty ? FILETYPE.CHARACTER_DEVICE : FILETYPE.UNKNOWN;
  }
}

const MAX_OFFSET = (1n << 63n) - 1n;

export function fdCalls(ctx: WasiContext): Record<string, Call> {
  const mem = ctx.memory;
  const fds = ctx.fds;

  return {
    fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) => {
      const e = fds.get(fd);
      const vecs = mem.iovecs(iovs >>> 0, iovsLen >>> 0);
      nreadPtr >>>= 0;
      mem.slice(nreadPtr, 4);
      if (e.kind === 'stdin') {
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
      mem.slice(nwrittenPtr, 4);
      if (e.kind === 'stdout') {
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
      mem.slice(ptr, 24).fill(0);
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
      mem.slice(newOffsetPtr, 8);
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
