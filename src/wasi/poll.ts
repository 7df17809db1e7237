// poll_oneoff: clock timeouts (relative and absolute) and stdio/file readiness.
import { fstatSync } from 'node:fs';
import { CLOCK, ERRNO, EVENTRWFLAGS_HANGUP, EVENTTYPE, RIGHTS, SUBCLOCKFLAGS_ABSTIME } from './constants.ts';
import { monotonicNs, realtimeNs } from './clocks.ts';
import type { WasiContext } from './context.ts';
import { fail } from './errno.ts';

const SUBSCRIPTION_SIZE = 48;
const EVENT_SIZE = 32;

interface ClockSub { kind: 'clock'; userdata: bigint; deadline: bigint }
interface FdSub { kind: 'read' | 'write'; userdata: bigint; fd: number }
type Sub = ClockSub | FdSub;

interface Event {
  userdata: bigint;
  error: number;
  type: number;
  nbytes: bigint;
  flags: number;
}

/** Reads the subscriptions; a clock that is neither realtime nor monotonic is EINVAL, as in wasmtime. */
function readSubscriptions(ctx: WasiContext, ptr: number, n: number): Sub[] {
  const mem = ctx.memory;
  mem.check(ptr, n * SUBSCRIPTION_SIZE);
  const subs: Sub[] = [];
  const now = monotonicNs();
  for (let i = 0; i < n; i++) {
    const at = ptr + i * SUBSCRIPTION_SIZE;
    const userdata = mem.u64(at);
    const tag = mem.u8(at + 8);
    if (tag === EVENTTYPE.CLOCK) {
      const id = mem.u32(at + 16);
      const timeout = mem.u64(at + 24);
      const absolute = (mem.u16(at + 40) & SUBCLOCKFLAGS_ABSTIME) !== 0;
      let deadline: bigint;
      if (id === CLOCK.MONOTONIC) deadline = absolute ? timeout : now + timeout;
      else if (id === CLOCK.REALTIME) deadline = absolute ? now + (timeout > realtimeNs() ? timeout - realtimeNs() : 0n) : now + timeout;
      else fail(ERRNO.INVAL);
      subs.push({ kind: 'clock', userdata, deadline });
    } else if (tag === EVENTTYPE.FD_READ || tag === EVENTTYPE.FD_WRITE) {
      subs.push({ kind: tag === EVENTTYPE.FD_READ ? 'read' : 'write', userdata, fd: mem.u32(at + 16) });
    } else {
      fail(ERRNO.INVAL);
    }
  }
  return subs;
}

/** The event for an fd subscription when it is ready now, else null (stdin with nothing yet). */
function fdEvent(ctx: WasiContext, sub: FdSub): Event | null {
  const type = sub.kind === 'read' ? EVENTTYPE.FD_READ : EVENTTYPE.FD_WRITE;
  const ev = (error: number, nbytes = 0n, flags = 0): Event => ({ userdata: sub.userdata, error, type, nbytes, flags });
  if (!ctx.fds.has(sub.fd)) return ev(ERRNO.BADF);
  const e = ctx.fds.get(sub.fd);
  const right = sub.kind === 'read' ? RIGHTS.FD_READ : RIGHTS.FD_WRITE;
  if (sub.kind === 'read') {
    if (e.kind === 'stdin') {
      if ((e.rights & right) === 0n) return ev(ERRNO.BADF);
      return e.stream.ready() ? ev(ERRNO.SUCCESS, 1n) : null;
    }
    if (e.kind !== 'file') return ev(ERRNO.BADF);
    if ((e.rights & right) === 0n) return ev(ERRNO.BADF);
    const size = fstatSync(e.hostFd, { bigint: true }).size;
    const left = size > e.position ? size - e.position : 0n;
    return ev(ERRNO.SUCCESS, left, left === 0n ? EVENTRWFLAGS_HANGUP : 0);
  }
  if (e.kind === 'stdout') return (e.rights & right) === 0n ? ev(ERRNO.BADF) : ev(ERRNO.SUCCESS, 1n);
  if (e.kind !== 'file' || (e.rights & right) === 0n) return ev(ERRNO.BADF);
  return ev(ERRNO.SUCCESS, 1n);
}

function collect(ctx: WasiContext, subs: Sub[]): Event[] {
  const now = monotonicNs();
  const events: Event[] = [];
  for (const s of subs) {
    if (s.kind === 'clock') {
      if (now >= s.deadline) events.push({ userdata: s.userdata, error: ERRNO.SUCCESS, type: EVENTTYPE.CLOCK, nbytes: 0n, flags: 0 });
    } else {
      const ev = fdEvent(ctx, s);
      if (ev) events.push(ev);
    }
  }
  return events;
}

function writeEvents(ctx: WasiContext, ptr: number, events: Event[], neventsPtr: number): number {
  const mem = ctx.memory;
  mem.slice(ptr, events.length * EVENT_SIZE).fill(0);
  events.forEach((ev, i) => {
    const at = ptr + i * EVENT_SIZE;
    mem.setU64(at, ev.userdata);
    mem.setU16(at + 8, ev.error);
    mem.setU8(at + 10, ev.type);
    mem.setU64(at + 16, ev.nbytes);
    mem.setU16(at + 24, ev.flags);
  });
  mem.setU32(neventsPtr, events.length);
  return ERRNO.SUCCESS;
}

/** Milliseconds until the earliest clock is due, or Infinity when no clock is subscribed. */
function msToEarliest(subs: Sub[]): number {
  let earliest: bigint | undefined;
  for (const s of subs) if (s.kind === 'clock' && (earliest === undefined || s.deadline < earliest)) earliest = s.deadline;
  return earliest === undefined ? Infinity : Math.max(0, Math.ceil(Number(earliest - monotonicNs()) / 1e6));
}

/** Settles when the earliest clock is due or a waiting stdin has data; `cancel` clears the timer. */
function nextWake(ctx: WasiContext, subs: Sub[]): { wake: Promise<void>; cancel: () => void } {
  const waits: Promise<void>[] = [];
  for (const s of subs) {
    if (s.kind === 'read' && ctx.fds.has(s.fd)) {
      const e = ctx.fds.get(s.fd);
      if (e.kind === 'stdin' && !e.stream.ready()) waits.push(e.stream.whenReady());
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const ms = msToEarliest(subs);
  if (ms !== Infinity) waits.push(new Promise((resolve) => { timer = setTimeout(resolve, ms); }));
  const cancel = (): void => clearTimeout(timer);
  return { wake: Promise.race(waits).finally(cancel), cancel };
}

export function pollCalls(ctx: WasiContext): Record<string, (...args: any[]) => number | Promise<number>> {
  return {
    poll_oneoff: (inPtr: number, outPtr: number, nsubs: number, neventsPtr: number) => {
      inPtr >>>= 0;
      outPtr >>>= 0;
      nsubs >>>= 0;
      neventsPtr >>>= 0;
      // Like wasmtime: with nothing to wait for, the guest would sleep forever.
      if (nsubs === 0) fail(ERRNO.INVAL);
      const subs = readSubscriptions(ctx, inPtr, nsubs);
      ctx.memory.check(outPtr, nsubs * EVENT_SIZE);
      ctx.memory.check(neventsPtr, 4);
      const ready = collect(ctx, subs);
      if (ready.length > 0) return writeEvents(ctx, outPtr, ready, neventsPtr);
      if (ctx.aborted) return Promise.reject(ctx.aborted);
      const sleep = ctx.options.sleep;
      if (sleep) {
        // Only clocks can be waited for here: the stdin of such a run is always ready.
        for (;;) {
          sleep(msToEarliest(subs));
          const events = collect(ctx, subs);
          if (events.length > 0) return writeEvents(ctx, outPtr, events, neventsPtr);
        }
      }
      const loop = async (): Promise<number> => {
        for (;;) {
          const { wake, cancel } = nextWake(ctx, subs);
          await ctx.wait(wake, cancel);
          const events = collect(ctx, subs);
          if (events.length > 0) return writeEvents(ctx, outPtr, events, neventsPtr);
        }
      };
      return loop();
    },
  };
}
