// Key-value stores: the stores a function lists in key_value_stores.
import * as abi from "./abi";
import { bufOut, HostBuffer, lenOut, ListReader, malformed, takeBuffer } from "./buffer";
import { hostError, Result, Status, WaftError } from "./errors";

const OUT = memory.data(8);

/** One page of Store.list. */
export class KvPage {
  constructor(public keys: string[], public cursor: string | null) {}
}

/** An open store. */
export class Store {
  constructor(public handle: u32) {}

  /** Opens a store the function lists in key_value_stores; DENIED otherwise. */
  static open(name: string): Result<Store> {
    const n = String.UTF8.encode(name);
    const st = abi.kv_open(changetype<usize>(n), <usize>n.byteLength, OUT);
    if (st != 0) return Result.err<Store>(hostError(st));
    return Result.ok<Store>(new Store(load<u32>(OUT)));
  }

  /** The value as a host buffer (to page through with readAt), or null when missing. */
  getBuffer(key: string): Result<HostBuffer | null> {
    const k = String.UTF8.encode(key);
    const st = abi.kv_get(this.handle, changetype<usize>(k), <usize>k.byteLength, bufOut(), lenOut());
    if (st == Status.NOT_FOUND) return Result.ok<HostBuffer | null>(null);
    const buf = takeBuffer(st);
    if (!buf.ok) return Result.err<HostBuffer | null>(buf.error!);
    return Result.ok<HostBuffer | null>(buf.value);
  }

  /** The value, or null when the key is missing or expired. */
  get(key: string): Result<Uint8Array | null> {
    const buf = this.getBuffer(key);
    if (!buf.ok) return Result.err<Uint8Array | null>(buf.error!);
    const b = buf.value;
    if (b === null) return Result.ok<Uint8Array | null>(null);
    const bytes = b.readAll();
    if (!bytes.ok) return Result.err<Uint8Array | null>(bytes.error!);
    return Result.ok<Uint8Array | null>(bytes.value);
  }

  /** The value as UTF-8 text, or null when the key is missing or expired. */
  getString(key: string): Result<string | null> {
    const buf = this.getBuffer(key);
    if (!buf.ok) return Result.err<string | null>(buf.error!);
    const b = buf.value;
    if (b === null) return Result.ok<string | null>(null);
    const text = b.readString();
    if (!text.ok) return Result.err<string | null>(text.error!);
    return Result.ok<string | null>(text.value);
  }

  /** Writes the value. ttlMs 0: no expiry (and drops an earlier ttl); else it expires after ttlMs. */
  set(key: string, value: Uint8Array, ttlMs: i64 = 0): WaftError | null {
    const k = String.UTF8.encode(key);
    const st = abi.kv_set(this.handle, changetype<usize>(k), <usize>k.byteLength, value.dataStart, <usize>value.length, ttlMs);
    return st != 0 ? hostError(st) : null;
  }

  setString(key: string, value: string, ttlMs: i64 = 0): WaftError | null {
    return this.set(key, Uint8Array.wrap(String.UTF8.encode(value)), ttlMs);
  }

  /** Deletes the key; true when a live key was deleted. */
  delete(key: string): Result<bool> {
    const k = String.UTF8.encode(key);
    const st = abi.kv_delete(this.handle, changetype<usize>(k), <usize>k.byteLength, OUT);
    if (st != 0) return Result.err<bool>(hostError(st));
    return Result.ok<bool>(load<u32>(OUT) != 0);
  }

  exists(key: string): Result<bool> {
    const k = String.UTF8.encode(key);
    const st = abi.kv_exists(this.handle, changetype<usize>(k), <usize>k.byteLength, OUT);
    if (st != 0) return Result.err<bool>(hostError(st));
    return Result.ok<bool>(load<u32>(OUT) != 0);
  }

  /** Adds delta atomically; a missing key counts as 0. CONFLICT when the value is not an i64. */
  increment(key: string, delta: i64 = 1): Result<i64> {
    const k = String.UTF8.encode(key);
    const st = abi.kv_increment(this.handle, changetype<usize>(k), <usize>k.byteLength, delta, OUT);
    if (st != 0) return Result.err<i64>(hostError(st));
    return Result.ok<i64>(load<i64>(OUT));
  }

  /**
   * One page of the keys that start with prefix, in UTF-8 byte order. Start with cursor null,
   * then pass page.cursor until it is null; a page may be empty while the cursor is not.
   * limit 0 is the store's largest page.
   */
  list(prefix: string = "", cursor: string | null = null, limit: u32 = 0): Result<KvPage> {
    const p = String.UTF8.encode(prefix);
    const c = String.UTF8.encode(cursor !== null ? cursor : "");
    const st = abi.kv_list(this.handle, changetype<usize>(p), <usize>p.byteLength, changetype<usize>(c), <usize>c.byteLength, limit, bufOut(), lenOut());
    const buf = takeBuffer(st);
    if (!buf.ok) return Result.err<KvPage>(buf.error!);
    const bytes = buf.value.readAll();
    if (!bytes.ok) return Result.err<KvPage>(bytes.error!);
    const r = new ListReader(bytes.value);
    const count = r.u32();
    const keys = new Array<string>(0);
    for (let i: u32 = 0; i < count && !r.failed; i++) keys.push(r.string());
    const next = r.string();
    if (r.failed) return Result.err<KvPage>(malformed());
    return Result.ok<KvPage>(new KvPage(keys, next.length > 0 ? next : null));
  }

  /** Every key that starts with prefix, following the cursor page by page. */
  keys(prefix: string = ""): Result<string[]> {
    const all = new Array<string>(0);
    let cursor: string | null = null;
    while (true) {
      const page = this.list(prefix, cursor, 0);
      if (!page.ok) return Result.err<string[]>(page.error!);
      const keys = page.value.keys;
      for (let i = 0; i < keys.length; i++) all.push(keys[i]);
      cursor = page.value.cursor;
      if (cursor === null) break;
    }
    return Result.ok<string[]>(all);
  }

  /** Releases the handle (stores are also released when the run ends). */
  close(): WaftError | null {
    const st = abi.kv_close(this.handle);
    return st != 0 ? hostError(st) : null;
  }
}
