// Clocks in nanoseconds, as WASI counts them.
import { CLOCK, ERRNO } from './constants.ts';
import { fail } from './errno.ts';

const hrStart = process.hrtime.bigint();
const epochStartNs = BigInt(Date.now()) * 1_000_000n;

export function realtimeNs(): bigint {
  return epochStartNs + (process.hrtime.bigint() - hrStart);
}

export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

function cpuNs(usage: NodeJS.CpuUsage): bigint {
  return BigInt(usage.user + usage.system) * 1000n;
}

export function clockNow(id: number): bigint {
  switch (id) {
    case CLOCK.REALTIME: return realtimeNs();
    case CLOCK.MONOTONIC: return monotonicNs();
    case CLOCK.PROCESS_CPUTIME_ID: return cpuNs(process.cpuUsage());
    case CLOCK.THREAD_CPUTIME_ID: return cpuNs(process.threadCpuUsage());
    default: return fail(ERRNO.INVAL);
  }
}

export function clockResolution(id: number): bigint {
  switch (id) {
    case CLOCK.REALTIME: return 1000n;
    case CLOCK.MONOTONIC: return 1n;
    case CLOCK.PROCESS_CPUTIME_ID:
    case CLOCK.THREAD_CPUTIME_ID: return 1000n; // cpuUsage counts microseconds
    default: return fail(ERRNO.INVAL);
  }
}
