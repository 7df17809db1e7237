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

// ── HTTP load: servers in their own processes, wrk in another ───────────────

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cGuest, clangMissing, repoRoot } from '../test/support/guests.ts';

/** wrk's load and the number of rounds: BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_ROUNDS. */
export const load = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};

export const wrkMissing = (): string | null => (spawnSync('wrk', ['--version']).error ? 'wrk is not installed (apt-get install wrk)' : null);

/**
 * A temporary app directory whose function "hello" (the C WAGI hello guest, hello.wasm) answers
 * /hello; exits the benchmark, saying why, when wrk or clang is missing.
 */
export function helloAppOrSkip(): string {
  const guest = wrkMissing() ? null : cGuest('wagi_reply');
  if (!guest) {
    console.log(`skipped: ${wrkMissing() ?? clangMissing()}`);
    process.exit(0);
  }
  const dir = mkdtempSync(join(tmpdir(), 'waft-bench-'));
  copyFileSync(guest, join(dir, 'hello.wasm'));
  writeFileSync(join(dir, 'waft.toml'), '[app]\nname = "bench"\n\n[functions.hello]\nsource = "hello.wasm"\nroute = "/hello"\nlimits = { concurrency = 256, queue = 1024 }\n');
  return dir;
}

/** Starts a node process (`node ARGS`) and waits until `url` answers; kills it if it never does. */
export async function startProcess(args: string[], url: string, env?: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: 'ignore', env });
  try {
    await waitFor(url);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return child;
}

/** `waft up DIR` on 127.0.0.1:PORT, quiet, in its own process, once /hello answers. */
export function startWaftUp(port: number, dir: string, options: string[] = []): Promise<ChildProcess> {
  return startProcess([join(repoRoot, 'bin/waft.js'), 'up', dir, '--listen', `127.0.0.1:${port}`, '--quiet', ...options], `http://127.0.0.1:${port}/hello`);
}

/** Waits until `url` answers 2xx (a server just started in another process). */
export async function waitFor(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 400; i++) {
    try {
      const r = await fetch(url, { headers });
      await r.arrayBuffer();
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not come up`);
}

export interface WrkResult { rps: number; p50: number; p99: number }

/** One wrk run (2 threads); fails when any response was not 2xx/3xx. Latencies in ms. */
export function wrk(url: string, o: { connections: number; seconds: number; host?: string }): WrkResult {
  const args = ['-t2', `-c${o.connections}`, `-d${o.seconds}s`, '--latency', ...(o.host ? ['-H', `Host: ${o.host}`] : []), url];
  const out = spawnSync('wrk', args, { encoding: 'utf8' }).stdout;
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1) : NaN;
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} error responses under load`);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), p50: ms('50'), p99: ms('99') };
}

/** The median of each figure over the rounds. */
export function medians(rounds: WrkResult[]): WrkResult {
  return { rps: median(rounds.map((r) => r.rps)), p50: median(rounds.map((r) => r.p50)), p99: median(rounds.map((r) => r.p99)) };
}
