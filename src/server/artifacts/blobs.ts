// Content-addressed storage of bundle files on local disk: DIR/sha256/ab/cdef… holds the bytes
// whose sha256 is abcdef…. A blob appears under its final name only once it is complete and
// on disk (temp file, fsync, rename, fsync of the directory), so a crash at any point leaves
// either no blob or the whole blob, and never a file whose name lies about its content.
// Interrupted uploads leave only files under DIR/tmp/, which removeStaleTemp() clears.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { WaftError } from '../../errors.ts';
import { SHA256_HEX } from '../store/validate.ts';

export interface PutOptions {
  /** The upload fails with WAFT_E_BUNDLE_TOO_LARGE as soon as it passes this many bytes. */
  maxBytes: number;
  /** When given, the upload fails with WAFT_E_BLOB_HASH_MISMATCH unless its sha256 is this. */
  expectedSha256?: string;
}

function checkSha(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new WaftError('WAFT_E_BLOB_HASH_INVALID', `${JSON.stringify(String(sha256).slice(0, 80))} is not a sha256 in lower-case hex`);
  }
}

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset);
    offset += bytesWritten;
  }
}

/** Makes a rename or a new entry in `dir` durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class BlobStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  private get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  /** Where the blob lives (or would live). Throws WAFT_E_BLOB_HASH_INVALID for anything but 64 hex digits. */
  path(sha256: string): string {
    checkSha(sha256);
    return join(this.dir, 'sha256', sha256.slice(0, 2), sha256.slice(2));
  }

  async put(data: AsyncIterable<Uint8Array> | Uint8Array, options: PutOptions): Promise<{ sha256: string; size: number }> {
    const { maxBytes, expectedSha256 } = options;
    if (expectedSha256 !== undefined) checkSha(expectedSha256);
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
      throw new WaftError('WAFT_E_INTERNAL', `BlobStore.put: maxBytes must be a non-negative whole number, got ${String(maxBytes)}`);
    }
    await mkdir(this.tmpDir, { recursive: true });
    const tmp = join(this.tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    let complete = false;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      for await (const chunk of data instanceof Uint8Array ? [data] : data) {
        size += chunk.byteLength;
        if (size > maxBytes) {
          throw new WaftError('WAFT_E_BUNDLE_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes`, { maxBytes });
        }
        hash.update(chunk);
        await writeAll(fh, chunk);
      }
      await fh.sync();
      complete = true;
    } finally {
      await fh.close().catch(() => {});
      if (!complete) await rm(tmp, { force: true });
    }

    const sha256 = hash.digest('hex');
    if (expectedSha256 !== undefined && sha256 !== expectedSha256) {
      await rm(tmp, { force: true });
      throw new WaftError('WAFT_E_BLOB_HASH_MISMATCH', `the upload hashes to sha256 ${sha256}, not the declared ${expectedSha256}`, {
        expected: expectedSha256, actual: sha256, size,
      });
    }
    const final = this.path(sha256);
    if (await this.has(sha256)) {
      // Already stored (complete, since only complete files are ever renamed into place).
      await rm(tmp, { force: true });
      return { sha256, size };
    }
    const parent = dirname(final);
    const created = await mkdir(parent, { recursive: true });
    // Two puts of the same bytes may both get here; rename replaces atomically, and both
    // files hold the same verified bytes, so either outcome is right.
    await rename(tmp, final);
    await fsyncDir(parent);
    if (created !== undefined) await fsyncDir(dirname(parent));
    return { sha256, size };
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.path(sha256))).isFile();
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  /** The blob's size in bytes; WAFT_E_BLOB_NOT_FOUND when it is not stored. */
  async size(sha256: string): Promise<number> {
    try {
      return (await stat(this.path(sha256))).size;
    } catch (err) {
      if (isMissing(err)) throw notFound(sha256);
      throw err;
    }
  }

  /** The whole blob in memory; for large blobs stream from path() instead. */
  async read(sha256: string): Promise<Uint8Array> {
    try {
      const buf = await readFile(this.path(sha256));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (isMissing(err)) throw notFound(sha256);
      throw err;
    }
  }

  /** Re-hashes the stored bytes: true when they still match the name. */
  async verify(sha256: string): Promise<boolean> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of createReadStream(this.path(sha256))) hash.update(chunk as Buffer);
    } catch (err) {
      if (isMissing(err)) throw notFound(sha256);
      throw err;
    }
    return hash.digest('hex') === sha256;
  }

  /** Every stored blob's sha256, in no particular order. */
  async *list(): AsyncIterable<string> {
    const root = join(this.dir, 'sha256');
    let prefixes: string[];
    try {
      prefixes = await readdir(root);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const prefix of prefixes) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      for (const rest of await readdir(join(root, prefix))) {
        const sha256 = prefix + rest;
        if (SHA256_HEX.test(sha256)) yield sha256;
      }
    }
  }

  /**
   * Removes temp files of uploads that were interrupted (a crash, a killed process), when they
   * were last written more than olderThanMs ago. Uploads still running elsewhere keep writing,
   * so a generous age (the default is an hour) never touches them. Returns how many were removed.
   */
  async removeStaleTemp(olderThanMs = 60 * 60 * 1000): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.tmpDir);
    } catch (err) {
      if (isMissing(err)) return 0;
      throw err;
    }
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const name of names) {
      const file = join(this.tmpDir, name);
      try {
        if ((await stat(file)).mtimeMs <= cutoff) {
          await rm(file, { force: true });
          removed++;
        }
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    return removed;
  }
}

function notFound(sha256: string): WaftError {
  return new WaftError('WAFT_E_BLOB_NOT_FOUND', `no blob with sha256 ${sha256} is stored`, { sha256 });
}
