// abi_version, last_error and the buffer calls: how a guest pages host-side bytes into its memory.
import type { AbiContext } from './context.ts';
import { AbiFailure } from './context.ts';
import { STATUS } from './status.ts';

export const ABI_VERSION = 1;

const encoder = new TextEncoder();

function buffer(ctx: AbiContext, handle: number): Uint8Array {
  const entry = ctx.handles.get(handle, 'buffer');
  if (!entry) throw new AbiFailure(STATUS.BAD_HANDLE, `buffer handle ${handle} is not open (never made, already dropped, or not a buffer)`);
  return entry.bytes;
}

export function coreImports(ctx: AbiContext) {
  return {
    abi_version: (): number => ABI_VERSION,

    last_error(bufOut: number, lenOut: number): number {
      if (ctx.lastError === null) return STATUS.NOT_FOUND;
      return ctx.giveBuffer(encoder.encode(ctx.lastError), bufOut, lenOut);
    },

    buf_len(handle: number, lenOut: number): number {
      const bytes = buffer(ctx, handle);
      ctx.memory.setU64(lenOut, BigInt(bytes.byteLength));
      return STATUS.OK;
    },

    buf_read(handle: number, offset: bigint, dst: number, dstLen: number, nreadOut: number): number {
      const bytes = buffer(ctx, handle);
      const target = ctx.memory.slice(dst, dstLen >>> 0);
      const at = BigInt.asUintN(64, offset);
      const start = at >= BigInt(bytes.byteLength) ? bytes.byteLength : Number(at);
      const n = Math.min(target.byteLength, bytes.byteLength - start);
      if (n > 0) target.set(bytes.subarray(start, start + n));
      ctx.memory.setU32(nreadOut, n);
      return STATUS.OK;
    },

    buf_drop(handle: number): number {
      if (!ctx.handles.drop(handle, 'buffer')) {
        throw new AbiFailure(STATUS.BAD_HANDLE, `buffer handle ${handle} is not open (never made, already dropped, or not a buffer)`);
      }
      return STATUS.OK;
    },
  };
}
