// Claim words, one per job slot, shared by the pool and a worker: the pool writes UNCLAIMED when
// it posts a job, the worker swaps in STARTED before running it, and the pool may swap in STOLEN
// to take back a job the worker has not started (because the worker is stuck in a long guest).
export const UNCLAIMED = 0;
export const STARTED = 1;
export const STOLEN = 2;
