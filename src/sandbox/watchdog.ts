// The watchdog thread of inline runs (./inline.ts): it sets the interrupt flag of a run that
// has gone on for a whole budget. It looks once per budget while runs come, and sleeps once
// none has come for a while.
import { workerData } from 'node:worker_threads';
import { NAP, RUN_SEQ, WATCHDOG_SLEEPING } from './inline-control.ts';

const control: Int32Array = workerData.control;
const flags: Int32Array = workerData.flags;
const budgetMs: number = workerData.budgetMs;
/** Looks without a run before the watchdog sleeps until the next one. */
const QUIET_LOOKS = 100;

let seen = Atomics.load(control, RUN_SEQ);
let quiet = 0;
for (;;) {
  Atomics.wait(control, NAP, 0, budgetMs);
  const seq = Atomics.load(control, RUN_SEQ);
  if (seq !== seen) {
    seen = seq;
    quiet = 0;
    continue;
  }
  // The same run as a budget ago: it has had at least its budget. It stops at its next loop check.
  if ((seq & 1) === 1) {
    Atomics.store(flags, 0, 1);
    continue;
  }
  if (++quiet < QUIET_LOOKS) continue;
  Atomics.store(control, WATCHDOG_SLEEPING, 1);
  if (Atomics.load(control, RUN_SEQ) === seq) Atomics.wait(control, RUN_SEQ, seq);
  Atomics.store(control, WATCHDOG_SLEEPING, 0);
  seen = Atomics.load(control, RUN_SEQ);
  quiet = 0;
}
