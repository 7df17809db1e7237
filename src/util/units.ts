import { WaftError } from '../errors.ts';

const sizeUnits: Record<string, number> = {
  '': 1, b: 1,
  kb: 1e3, mb: 1e6, gb: 1e9,
  kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
  k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** "64MiB" → 67108864. Numbers pass through as bytes. */
export function parseSize(value: string | number, where = 'size'): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(String(value));
  const factor = m ? sizeUnits[m[2].toLowerCase()] : undefined;
  if (!m || factor === undefined) {
    throw new WaftError('WAFT_E_BAD_SIZE', `${where}: cannot read ${JSON.stringify(value)} as a size`, { value });
  }
  return Math.round(Number(m[1]) * factor);
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "10s" → 10000 (milliseconds). Numbers pass through as milliseconds. */
export function parseDuration(value: string | number, where = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(String(value));
  if (!m) {
    throw new WaftError('WAFT_E_BAD_DURATION', `${where}: cannot read ${JSON.stringify(value)} as a duration`, { value });
  }
  return Number(m[1]) * durationUnits[m[2]];
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3}GiB`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2}MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}KiB`;
  return `${n}B`;
}
