// The guest's file descriptor table: stdio streams, preopened directories, opened files.
import { closeSync } from 'node:fs';
import { ERRNO } from './constants.ts';
import { fail } from './errno.ts';
import type { InputStream, OutputStream } from './types.ts';

interface EntryBase {
  rights: bigint;
  inheriting: bigint;
  fdflags: number;
}

export interface StdinEntry extends EntryBase {
  kind: 'stdin';
  stream: InputStream;
}

export interface StdoutEntry extends EntryBase {
  kind: 'stdout';
  name: 'stdout' | 'stderr';
  stream: OutputStream;
}

/** What every fd opened beneath one preopen shares. */
export interface PreopenRoot {
  readonly: boolean;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  hostFd: number;
  /** The host fd was opened with O_APPEND (so writes land at the end atomically). */
  hostAppend: boolean;
  /** The host fd was opened for writing. */
  hostWrite: boolean;
  position: bigint;
  root: PreopenRoot;
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  hostFd: number;
  /** Host path at open time; the live path is read from /proc/self/fd where it exists. */
  hostPath: string;
  root: PreopenRoot;
  /** The name the guest sees for a preopened directory (fd_prestat_*), absent for others. */
  preopenName?: string;
  /** Directory listing cached at cookie 0 so cookies stay stable between fd_readdir calls. */
  listing?: DirListing;
}

export interface DirListing {
  entries: Array<{ name: Uint8Array; type: number; ino: bigint }>;
}

export type FdEntry = StdinEntry | StdoutEntry | FileEntry | DirEntry;

export class FdTable {
  readonly #entries = new Map<number, FdEntry>();
  max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number { return this.#entries.size; }

  /** The entry for fd, or EBADF. */
  get(fd: number): FdEntry {
    const e = this.#entries.get(fd);
    if (!e) fail(ERRNO.BADF);
    return e;
  }

  /** The entry when it holds every right in `needed`, else ENOTCAPABLE. */
  need(fd: number, needed: bigint): FdEntry {
    const e = this.get(fd);
    if ((e.rights & needed) !== needed) fail(ERRNO.NOTCAPABLE);
    return e;
  }

  /** A directory entry holding `needed`; ENOTDIR for a file, EBADF for a stream. */
  dir(fd: number, needed: bigint): DirEntry {
    const e = this.get(fd);
    if (e.kind !== 'dir') fail(e.kind === 'file' ? ERRNO.NOTDIR : ERRNO.BADF);
    if ((e.rights & needed) !== needed) fail(ERRNO.NOTCAPABLE);
    return e;
  }

  has(fd: number): boolean { return this.#entries.has(fd); }

  /** Places an entry at the lowest free fd. EMFILE when the table is full. */
  add(entry: FdEntry): number {
    if (this.#entries.size >= this.max) fail(ERRNO.MFILE);
    let fd = 0;
    while (this.#entries.has(fd)) fd++;
    this.#entries.set(fd, entry);
    return fd;
  }

  /** Room for one more entry, checked before a host fd is opened. */
  ensureRoom(): void {
    if (this.#entries.size >= this.max) fail(ERRNO.MFILE);
  }

  set(fd: number, entry: FdEntry): void {
    this.#entries.set(fd, entry);
  }

  close(fd: number): void {
    const e = this.get(fd);
    this.#entries.delete(fd);
    releaseEntry(e);
  }

  /** Moves `from` onto `to`, closing what `to` held. */
  renumber(from: number, to: number): void {
    const e = this.get(from);
    const old = this.get(to);
    if (from === to) return;
    this.#entries.set(to, e);
    this.#entries.delete(from);
    releaseEntry(old);
  }

  closeAll(): void {
    for (const e of this.#entries.values()) {
      try {
        releaseEntry(e);
      } catch {
        // Already closed on the host: nothing left to release.
      }
    }
    this.#entries.clear();
  }
}

function releaseEntry(e: FdEntry): void {
  if (e.kind === 'file' || e.kind === 'dir') closeSync(e.hostFd);
}
