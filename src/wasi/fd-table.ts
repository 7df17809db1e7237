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
  // An array, not a Map: a host's table is emptied after every run (WasiHost.reuse), and a
  // cleared Map links its old backing table to the new one, which keeps young tables alive.
  readonly #entries: Array<FdEntry | undefined> = [];
  #size = 0;
  max: number;

  constructor(max: number) {
    this.max = max;
  }

  get size(): number { return this.#size; }

  /** The entry for fd, or EBADF. */
  get(fd: number): FdEntry {
    const e = this.#entries[fd];
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

  has(fd: number): boolean { return this.#entries[fd] !== undefined; }

  /** Places an entry at the lowest free fd. EMFILE when the table is full. */
  add(entry: FdEntry): number {
    if (this.#size >= this.max) fail(ERRNO.MFILE);
    let fd = 0;
    while (this.#entries[fd] !== undefined) fd++;
    this.#entries[fd] = entry;
    this.#size++;
    return fd;
  }

  /** Room for one more entry, checked before a host fd is opened. */
  ensureRoom(): void {
    if (this.#size >= this.max) fail(ERRNO.MFILE);
  }

  close(fd: number): void {
    const e = this.get(fd);
    this.#entries[fd] = undefined;
    this.#size--;
    releaseEntry(e);
  }

  /** Moves `from` onto `to`, closing what `to` held. */
  renumber(from: number, to: number): void {
    const e = this.get(from);
    const old = this.get(to);
    if (from === to) return;
    this.#entries[to] = e;
    this.#entries[from] = undefined;
    this.#size--;
    releaseEntry(old);
  }

  closeAll(): void {
    for (const e of this.#entries) {
      if (e === undefined) continue;
      try {
        releaseEntry(e);
      } catch {
        // Already closed on the host: nothing left to release.
      }
    }
    this.#entries.length = 0;
    this.#size = 0;
  }
}

function releaseEntry(e: FdEntry): void {
  if (e.kind === 'file' || e.kind === 'dir') closeSync(e.hostFd);
}
