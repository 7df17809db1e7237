// args, environ, clocks, random, process and scheduling calls.
import { randomFillSync } from 'node:crypto';
import { ERRNO } from './constants.ts';
import { clockNow, clockResolution } from './clocks.ts';
import type { WasiContext } from './context.ts';
import { encodeInto } from './memory.ts';
import { ProcExit } from './proc-exit.ts';
import type { WasiOptions } from './types.ts';

type Call = (...args: any[]) => number;

/**
 * NUL-terminated strings and their offsets: the shape of args_get and environ_get. Written
 * straight into guest memory when read: a host serves a run after another, and most guests never
 * read their environment.
 */
class StringTable {
  readonly #joined: string;
  readonly #count: number;
  #size = -1;

  /** `joined`: the strings joined by NUL; `count` tells [] from [""], which both join to "". */
  constructor(joined: string, count = joined === '' ? 0 : nulCount(joined) + 1) {
    this.#joined = joined;
    this.#count = count;
  }

  /** Strings as a list; a string with a NUL in it is cut at the NUL, which is all a guest could see. */
  static of(items: readonly string[]): StringTable {
    return new StringTable(items.map((s) => (s.includes('\0') ? s.slice(0, s.indexOf('\0')) : s)).join('\0'), items.length);
  }

  /** Bytes of the strings, each with its NUL. */
  #bytes(): number {
    if (this.#size < 0) this.#size = this.#count === 0 ? 0 : Buffer.byteLength(this.#joined, 'utf8') + 1;
    return this.#size;
  }

  sizes(ctx: WasiContext, countPtr: number, sizePtr: number): number {
    ctx.memory.setU32(countPtr, this.#count);
    ctx.memory.setU32(sizePtr, this.#bytes());
    return ERRNO.SUCCESS;
  }

  write(ctx: WasiContext, tablePtr: number, bufPtr: number): number {
    const size = this.#bytes();
    ctx.memory.check(tablePtr, this.#count * 4);
    const buf = ctx.memory.slice(bufPtr, size);
    if (size === 0) return ERRNO.SUCCESS;
    const joined = this.#joined;
    encodeInto(joined, buf);
    buf[size - 1] = 0;
    // Each string starts after the previous one's NUL; the encoded strings hold no other NUL.
    // All-ASCII text has one byte per character, so its NULs can be found in the string, which
    // is much faster than searching the bytes.
    const ascii = size - 1 === joined.length;
    for (let i = 0, at = 0; i < this.#count; i++) {
      ctx.memory.setU32(tablePtr + i * 4, bufPtr + at);
      at = (ascii ? joined.indexOf('\0', at) : buf.indexOf(0, at)) + 1;
    }
    return ERRNO.SUCCESS;
  }
}

function nulCount(s: string): number {
  let n = 0;
  for (let at = s.indexOf('\0'); at !== -1; at = s.indexOf('\0', at + 1)) n++;
  return n;
}

export function procCalls(ctx: WasiContext): Record<string, Call> {
  // The tables of the run that read them last: a host serves one run after another (WasiHost.reuse).
  let of: WasiOptions | undefined;
  let args: StringTable;
  let env: StringTable;
  const tables = (): void => {
    if (of === ctx.options) return;
    of = ctx.options;
    const vars = of.env;
    args = StringTable.of(of.args);
    env = typeof vars === 'string' ? new StringTable(vars) : StringTable.of(Object.entries(vars).map(([k, v]) => `${k}=${v}`));
  };

  return {
    args_get: (argv: number, buf: number) => { tables(); return args.write(ctx, argv >>> 0, buf >>> 0); },
    args_sizes_get: (count: number, size: number) => { tables(); return args.sizes(ctx, count >>> 0, size >>> 0); },
    environ_get: (environ: number, buf: number) => { tables(); return env.write(ctx, environ >>> 0, buf >>> 0); },
    environ_sizes_get: (count: number, size: number) => { tables(); return env.sizes(ctx, count >>> 0, size >>> 0); },

    clock_res_get: (id: number, out: number) => {
      ctx.memory.setU64(out >>> 0, clockResolution(id >>> 0));
      return ERRNO.SUCCESS;
    },
    clock_time_get: (id: number, _precision: bigint, out: number) => {
      ctx.memory.setU64(out >>> 0, clockNow(id >>> 0));
      return ERRNO.SUCCESS;
    },

    random_get: (buf: number, len: number) => {
      const target = ctx.memory.slice(buf >>> 0, len >>> 0);
      // randomFillSync takes at most 2^31-1 bytes per call.
      for (let at = 0; at < target.length; at += 1 << 30) {
        randomFillSync(target.subarray(at, Math.min(target.length, at + (1 << 30))));
      }
      return ERRNO.SUCCESS;
    },

    proc_exit: (code: number) => {
      throw new ProcExit(code >>> 0);
    },
    // Like wasmtime: signals are not supported (ENOTSUP).
    proc_raise: (_sig: number) => ERRNO.NOTSUP,
    sched_yield: () => ERRNO.SUCCESS,
  };
}
