// args, environ, clocks, random, process and scheduling calls.
import { randomFillSync } from 'node:crypto';
import { ERRNO } from './constants.ts';
import { clockNow, clockResolution } from './clocks.ts';
import type { WasiContext } from './context.ts';
import { encode } from './memory.ts';
import { ProcExit } from './proc-exit.ts';

type Call = (...args: any[]) => number;

/**
 * NUL-terminated strings and their offsets: the shape of args_get and environ_get. Encoded on
 * first use, in one call: a host is made per run and most guests never read their environment.
 */
class StringTable {
  readonly #joined: string;
  readonly #count: number;
  #blob: Uint8Array | undefined;
  #offsets: number[] = [];

  /** `joined`: the strings joined by NUL; `count` tells [] from [""], which both join to "". */
  constructor(joined: string, count = joined === '' ? 0 : joined.split('\0').length) {
    this.#joined = joined;
    this.#count = count;
  }

  /** Strings as a list; a string with a NUL in it is cut at the NUL, which is all a guest could see. */
  static of(items: readonly string[]): StringTable {
    return new StringTable(items.map((s) => (s.includes('\0') ? s.slice(0, s.indexOf('\0')) : s)).join('\0'), items.length);
  }

  #build(): Uint8Array {
    if (this.#blob) return this.#blob;
    const blob = this.#count === 0 ? new Uint8Array(0) : encode(`${this.#joined}\0`);
    for (let i = 0, at = 0; i < this.#count; i++, at = blob.indexOf(0, at) + 1) this.#offsets.push(at);
    return (this.#blob = blob);
  }

  sizes(ctx: WasiContext, countPtr: number, sizePtr: number): number {
    const blob = this.#build();
    ctx.memory.setU32(countPtr, this.#count);
    ctx.memory.setU32(sizePtr, blob.length);
    return ERRNO.SUCCESS;
  }

  write(ctx: WasiContext, tablePtr: number, bufPtr: number): number {
    const blob = this.#build();
    ctx.memory.write(bufPtr, blob);
    this.#offsets.forEach((offset, i) => ctx.memory.setU32(tablePtr + i * 4, bufPtr + offset));
    return ERRNO.SUCCESS;
  }
}

export function procCalls(ctx: WasiContext): Record<string, Call> {
  const args = StringTable.of(ctx.options.args);
  const { env: vars } = ctx.options;
  const env = typeof vars === 'string' ? new StringTable(vars) : StringTable.of(Object.entries(vars).map(([k, v]) => `${k}=${v}`));

  return {
    args_get: (argv: number, buf: number) => args.write(ctx, argv >>> 0, buf >>> 0),
    args_sizes_get: (count: number, size: number) => args.sizes(ctx, count >>> 0, size >>> 0),
    environ_get: (environ: number, buf: number) => env.write(ctx, environ >>> 0, buf >>> 0),
    environ_sizes_get: (count: number, size: number) => env.sizes(ctx, count >>> 0, size >>> 0),

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
