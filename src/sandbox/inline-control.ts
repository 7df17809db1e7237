// The words an inline runner (./inline.ts) and its watchdog (./watchdog.ts) share.

/** Odd while an inline run is under way; each start and end adds one. */
export const RUN_SEQ = 0;
/** 1 while the watchdog sleeps until the next run: the runner then wakes it. */
export const WATCHDOG_SLEEPING = 1;
/** Always 0: the watchdog naps by waiting on it. */
export const NAP = 2;
export const CONTROL_WORDS = 3;
