export interface SandboxLimits {
  /** Cap on linear memory, in bytes (rounded down to 64 KiB pages). */
  memoryBytes: number;
  /** Wall-clock deadline from the start of the run, in ms. */
  timeoutMs: number;
  /** Cap on stdout and stderr together, in bytes. */
  maxOutputBytes: number;
}

export const defaultSandboxLimits: SandboxLimits = {
  memoryBytes: 128 * 1024 * 1024,
  timeoutMs: 30_000,
  maxOutputBytes: 16 * 1024 * 1024,
};

export const PAGE = 65536;
