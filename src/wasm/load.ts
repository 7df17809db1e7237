import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { WaftError } from '../errors.ts';
import { watToWasm } from './wat.ts';

export interface ModuleBytes {
  /** Where the bytes came from, for messages. */
  source: string;
  bytes: Uint8Array;
  /** sha256 of the binary, hex. */
  hash: string;
}

export function hashBytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a .wasm file, or a .wat file compiled to binary. */
export async function readModuleFile(path: string): Promise<ModuleBytes> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${path}: no such file`, { path });
    if (code === 'EISDIR') throw new WaftError('WAFT_E_MODULE_INVALID', `${path}: is a directory, not a module`, { path });
    throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${path}: cannot read (${code ?? String(err)})`, { path });
  }
  const bytes = path.endsWith('.wat') ? await watToWasm(raw.toString('utf8'), path) : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return { source: path, bytes, hash: hashBytes(bytes) };
}
