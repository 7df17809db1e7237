// Requests per second of the same C hello app served by `waft server` (deployed through the
// API, reached by Host: <app>.localhost, with logs, usage and metrics on) and by `waft up`, in
// the same run. Each server runs in its own process; the load comes from wrk, a separate process.
// Goal: waft server ≥ 0.9× waft up.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/guests.ts';
import { freePort } from '../test/support/servers.ts';
import { header, helloAppOrSkip, load, median, medians, startProcess, startWaftUp, table, waitFor, type WrkResult, wrk } from './support.ts';

const TOKEN = `waft_bench_${'x'.repeat(40)}`;
const HOST = 'bench.localhost';

const dir = helloAppOrSkip();

async function api(base: string, method: string, path: string, body?: unknown, raw?: Uint8Array): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const payload = raw ? new Uint8Array(raw) : body === undefined ? undefined : JSON.stringify(body);
  const r = await fetch(`${base}/api/v1${path}`, { method, headers, body: payload });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

/** Starts `waft server` on a fresh data dir and deploys the app through the API. */
async function startServer(port: number): Promise<{ child: ChildProcess; data: string }> {
  const data = mkdtempSync(join(tmpdir(), 'waft-bench-data-'));
  const base = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  try {
    child = await startProcess([join(repoRoot, 'bin/waft.js'), 'server', '--listen', `127.0.0.1:${port}`, '--data', data, '--quiet'], `${base}/healthz`, {
      ...process.env, WAFT_ADMIN_TOKEN: TOKEN,
    });
    await deploy(base);
  } catch (err) {
    child?.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
    throw err;
  }
  return { child, data };
}

async function deploy(base: string): Promise<void> {
  const wasm = readFileSync(join(dir, 'hello.wasm'));
  const sha256 = createHash('sha256').update(wasm).digest('hex');
  await api(base, 'POST', '/apps', { name: 'bench' });
  await api(base, 'PUT', `/apps/bench/blobs/${sha256}`, undefined, wasm);
  await api(base, 'POST', '/apps/bench/versions', { manifest: readFileSync(join(dir, 'waft.toml'), 'utf8'), files: { 'hello.wasm': { sha256, size: wasm.byteLength } } });
  await api(base, 'POST', '/apps/bench/deployments', { version: 1 });
  await waitFor(`${base}/apps/bench/hello`);
}

type Kind = 'up' | 'server';
const results: Record<Kind, WrkResult[]> = { up: [], server: [] };
try {
  for (let round = 0; round < load.rounds; round++) {
    for (const kind of ['up', 'server'] as const) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/hello`;
      let child: ChildProcess;
      let data: string | null = null;
      if (kind === 'up') child = await startWaftUp(port, dir);
      else ({ child, data } = await startServer(port));
      const host = kind === 'server' ? HOST : undefined;
      try {
        spawnSync('wrk', ['-t1', '-c8', '-d2s', ...(host ? ['-H', `Host: ${host}`] : []), url]); // warm-up
        results[kind].push(wrk(url, { ...load, host }));
      } finally {
        child.kill('SIGKILL');
        if (data) rmSync(data, { recursive: true, force: true });
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const up = medians(results.up);
const server = medians(results.server);
header(`waft server against waft up, C WAGI hello, wrk ${load.connections} connections, ${load.seconds}s × ${load.rounds} rounds (medians)`);
table([
  { server: 'waft up (baseline)', 'req/s': Math.round(up.rps), 'p50 ms': up.p50, 'p99 ms': up.p99, 'vs waft up': 1 },
  { server: 'waft server (deployed via API, Host-based, logs+usage+metrics)', 'req/s': Math.round(server.rps), 'p50 ms': server.p50, 'p99 ms': server.p99, 'vs waft up': server.rps / up.rps },
]);
// Each round runs up, then server, back to back: the ratio within a round is the least disturbed
// by whatever else the machine is doing, so the median of those ratios is reported too.
const paired = results.up.map((u, i) => results.server[i].rps / u.rps);
console.log(`\nrounds (req/s): up ${results.up.map((r) => Math.round(r.rps)).join(' ')}; server ${results.server.map((r) => Math.round(r.rps)).join(' ')}`);
console.log(`ratio per round: ${paired.map((r) => r.toFixed(2)).join(' ')}`);
console.log(`goal: waft server ≥ 0.9× waft up; measured ${(server.rps / up.rps).toFixed(2)}× (ratio of medians), ${median(paired).toFixed(2)}× (median of per-round ratios)`);
