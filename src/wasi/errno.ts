import { ERRNO } from './constants.ts';

/** Thrown inside the host to end a call with a WASI errno. Never leaves the host. */
class WasiErrno extends Error {
  readonly errno: number;

  constructor(errno: number, message = `errno ${errno}`) {
    super(message);
    this.name = 'WasiErrno';
    this.errno = errno;
  }
}

export function fail(errno: number): never {
  throw new WasiErrno(errno);
}

const fromHostCode: Record<string, number> = {
  E2BIG: ERRNO['2BIG'], EACCES: ERRNO.ACCES, EAGAIN: ERRNO.AGAIN, EWOULDBLOCK: ERRNO.AGAIN,
  EBADF: ERRNO.BADF, EBUSY: ERRNO.BUSY, EDQUOT: ERRNO.DQUOT, EEXIST: ERRNO.EXIST,
  EFAULT: ERRNO.FAULT, EFBIG: ERRNO.FBIG, EILSEQ: ERRNO.ILSEQ, EINTR: ERRNO.INTR,
  EINVAL: ERRNO.INVAL, EIO: ERRNO.IO, EISDIR: ERRNO.ISDIR, ELOOP: ERRNO.LOOP,
  EMFILE: ERRNO.MFILE, EMLINK: ERRNO.MLINK, ENAMETOOLONG: ERRNO.NAMETOOLONG,
  ENFILE: ERRNO.NFILE, ENODEV: ERRNO.NODEV, ENOENT: ERRNO.NOENT, ENOMEM: ERRNO.NOMEM,
  ENOSPC: ERRNO.NOSPC, ENOSYS: ERRNO.NOSYS, ENOTDIR: ERRNO.NOTDIR, ENOTEMPTY: ERRNO.NOTEMPTY,
  ENOTSUP: ERRNO.NOTSUP, EOPNOTSUPP: ERRNO.NOTSUP, ENXIO: ERRNO.NXIO, EOVERFLOW: ERRNO.OVERFLOW,
  EPERM: ERRNO.PERM, EPIPE: ERRNO.PIPE, EROFS: ERRNO.ROFS, ESPIPE: ERRNO.SPIPE,
  ETXTBSY: ERRNO.TXTBSY, EXDEV: ERRNO.XDEV, ESTALE: ERRNO.STALE,
};

/** The errno for a failed node:fs call, or undefined when `err` is not one. */
export function errnoFromHost(err: unknown): number | undefined {
  if (err instanceof WasiErrno) return err.errno;
  if (err && typeof err === 'object' && 'syscall' in err && typeof (err as NodeJS.ErrnoException).code === 'string') {
    return fromHostCode[(err as NodeJS.ErrnoException).code!] ?? ERRNO.IO;
  }
  return undefined;
}
