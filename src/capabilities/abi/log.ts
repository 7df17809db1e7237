// log: one entry per call, attributed to the function and the request by the owner of the run.
import { LOG_LEVEL_NAMES } from '../../sandbox/protocol.ts';
import type { AbiContext } from './context.ts';
import { AbiFailure } from './context.ts';
import { STATUS } from './status.ts';

const MAX_LOG_MESSAGE = 16 * 1024;

const lenient = new TextDecoder('utf-8');

export function logImports(ctx: AbiContext) {
  return {
    log(level: number, msgPtr: number, msgLen: number): number {
      if (level < 0 || level >= LOG_LEVEL_NAMES.length) {
        throw new AbiFailure(STATUS.INVALID, `log level ${level} is out of range: use 0 TRACE, 1 DEBUG, 2 INFO, 3 WARN or 4 ERROR`);
      }
      const bytes = ctx.memory.slice(msgPtr, msgLen >>> 0);
      const kept = bytes.byteLength > MAX_LOG_MESSAGE ? bytes.subarray(0, MAX_LOG_MESSAGE) : bytes;
      ctx.host.charge(kept.byteLength, 'log');
      let message = lenient.decode(kept);
      if (kept !== bytes) message += '…';
      ctx.host.log({ level, message: ctx.redact(message), denied: false });
      return STATUS.OK;
    },
  };
}
