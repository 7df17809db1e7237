// Helpers shared by the benchmarks: repeated rounds, medians, and a uniform report.
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `fn` `iterations` times per round and returns the median µs per call over the rounds. */
export async function microsPerCall(fn: () => unknown, { rounds = 5, iterations = 2000, warmup = 500 } = {}): Promise<{ median: number; rounds: number[] }> {
  for (let i = 0; i < warmup; i++) await fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) await fn();
    per.push(((performance.now() - t0) * 1000) / iterations);
  }
  return { median: median(per), rounds: per };
}

export function header(title: string): void {
  console.log(`\n## ${title}\n`);
}

export function table(rows: Record<string, string | number>[]): void {
  const cols = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}
