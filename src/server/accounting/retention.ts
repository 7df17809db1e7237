// Bounded retention: on a timer, old log entries and usage records are deleted and interrupted
// uploads' temp files are removed.
import type { BlobStore } from '../artifacts/blobs.ts';
import type { Store } from '../store/types.ts';

export interface RetentionOptions {
  /** Log entries older than this are deleted. */
  logMaxAgeMs: number;
  /** At most this many of the newest log entries are kept per app. */
  logMaxPerApp: number;
  usageMaxAgeMs: number;
  intervalMs: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  logMaxAgeMs: 7 * 86_400_000,
  logMaxPerApp: 100_000,
  usageMaxAgeMs: 90 * 86_400_000,
  intervalMs: 5 * 60_000,
};

export interface PruneResult {
  logs: number;
  usage: number;
  temp: number;
}

export async function prune(store: Store, blobs: BlobStore, opts: RetentionOptions, now = Date.now()): Promise<PruneResult> {
  const logs = await store.logs.prune({ olderThan: now - opts.logMaxAgeMs, maxPerApp: opts.logMaxPerApp });
  const usage = await store.usage.prune({ olderThan: now - opts.usageMaxAgeMs });
  const temp = await blobs.removeStaleTemp();
  return { logs, usage, temp };
}

/** Runs prune() now and every intervalMs; the returned function stops it. */
export function startRetention(
  store: Store, blobs: BlobStore, opts: RetentionOptions, report: (result: PruneResult | null, err?: unknown) => void,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const run = () => {
    if (running) return;
    running = prune(store, blobs, opts).then((r) => report(r), (err) => report(null, err)).finally(() => { running = null; });
  };
  run();
  const timer = setInterval(run, opts.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    if (running) await running;
  };
}
