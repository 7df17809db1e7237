// abi_version, last_error and the buffer calls: how a guest pages host-side bytes into its memory.
import type { AbiContext } from './context.ts';
import { STATUS } from './status.ts';

export const ABI_VERSION = 1;

const encoder = new TextEncoder();

export function coreImports(ctx: AbiContext) {
  return {
    abi_version: (): number => ABI_VERSION,

    last_error(bufOut: number, lenOut: number): number {
      if (ctx.lastError === null) return STATUS.NOT_FOUND;
      return ctx.giveBuffer(encoder.encode(ctx.lastError), bufOut, lenOut);
    },

    buf_len(handle: number, lenOut: number): number {
      const { bytes } = ctx.entry(handle, 'buffer');
      ctx.memory.setU64(lenOut, BigInt(bytes.byteLength));
      return STATUS.OK;
    },

    buf_read(handle: number, offset: bigint, dst: number, dstLen: number, nreadOut: number): number {
      const { bytes } = ctx.entry(handle, 'buffer');
      const target = ctx.memory.slice(dst, dstLen >>> 0);
      const at = BigInt.asUintN(64, offset);
      const start = at >= BigInt(bytes.byteLength) ? bytes.byteLength : Number(at);
      const n = Math.min(target.byteLength, bytes.byteLength - start);
      if (n > 0) target.set(bytes.subarray(start, start + n));
      ctx.memory.setU32(nreadOut, n);
      return STATUS.OK;
    },

    buf_drop(handle: number): number {
      ctx.release(handle, 'buffer');
      return STATUS.OK;
    },
  };
}
