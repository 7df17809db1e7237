import { availableParallelism } from 'node:os';
import type { Limits } from './types.ts';

const MiB = 1024 ** 2;

/** Limits a function gets for every key its [functions.NAME.limits] table leaves out. */
export const defaultLimits: Limits = Object.freeze({
  memory: 128 * MiB,
  timeoutMs: 30_000,
  maxBody: 16 * MiB,
  maxOutput: 16 * MiB,
  concurrency: 2 * availableParallelism(),
  queue: 64,
});

/** Accepted ranges, inclusive. Documented in docs/manifest.md. */
export const limitRanges = {
  memory: { min: 64 * 1024, max: 4 * 1024 ** 3 },
  timeoutMs: { min: 1, max: 3_600_000 },
  maxBody: { min: 0, max: 4 * 1024 ** 3 },
  maxOutput: { min: 0, max: 4 * 1024 ** 3 },
  concurrency: { min: 1, max: 10_000 },
  queue: { min: 0, max: 1_000_000 },
} as const;
