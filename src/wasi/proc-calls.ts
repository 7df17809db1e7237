// args, environ, clocks, random, process and scheduling calls.
import { randomFillSync } from 'node:crypto';
import { ERRNO } from './constants.ts';
import { clockNow, clockResolution } from './clocks.ts';
import type { WasiContext } from './context.ts';
import { encode } from './memory.ts';
import { ProcExit } from './proc-exit.ts';

type Call = (...args: any[]) => number;

/** Writes NUL-terminated strings and a pointer table: the shape of args_get and environ_get. */
function writeStringTable(ctx: WasiContext, items: Uint8Array[], tablePtr: number, bufPtr: number): number {
  const mem = ctx.memory;
  let at = bufPtr;
  items.forEach((item, i) => {
    mem.setU32(tablePtr + i * 4, at);
    mem.write(at, item);
    mem.setU8(at + item.length, 0);
    at += item.length + 1;
  });
  return ERRNO.SUCCESS;
}

function sizes(ctx: WasiContext, items: Uint8Array[], countPtr: number, sizePtr: number): number {
  let total = 0;
  for (const item of items) total += item.length + 1;
  ctx.memory.setU32(countPtr, items.length);
  ctx.memory.setU32(sizePtr, total);
  return ERRNO.SUCCESS;
}

export function procCalls(ctx: WasiContext): Record<string, Call> {
  const args = ctx.options.args.map(encode);
  const env = Object.entries(ctx.options.env).map(([k, v]) => encode(`${k}=${v}`));

  return {
    args_get: (argv: number, buf: number) => writeStringTable(ctx, args, argv >>> 0, buf >>> 0),
    args_sizes_get: (count: number, size: number) => sizes(ctx, args, count >>> 0, size >>> 0),
    environ_get: (environ: number, buf: number) => writeStringTable(ctx, env, environ >>> 0, buf >>> 0),
    environ_sizes_get: (count: number, size: number) => sizes(ctx, env, count >>> 0, size >>> 0),

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
    // Like wasmtime: signals are not supported.
    proc_raise: (_sig: number) => ERRNO.NOSYS,
    sched_yield: () => ERRNO.SUCCESS,
  };
}
