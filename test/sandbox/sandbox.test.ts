import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compileModule, type CompiledModule } from '../../src/wasm/cache.ts';
import { readModuleFile } from '../../src/wasm/load.ts';
import { prepare } from '../../src/wasm/prepare.ts';
import { Sandbox } from '../../src/sandbox/pool.ts';
import { cGuest, clangMissing, watGuest } from '../support/guests.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function wat(name: string): Promise<CompiledModule> {
  return compileModule(await readModuleFile(await watGuest(name)));
}

async function c(name: string): Promise<CompiledModule | null> {
  const path = cGuest(name);
  return path ? compileModule(await readModuleFile(path)) : null;
}

describe('sandbox', () => {
  let sandbox: Sandbox;
  before(() => { sandbox = new Sandbox({ minWorkers: 2, maxWorkers: 6 }); });
  after(() => sandbox.close());

  test('runs a guest and returns its exit code and output', async () => {
    const r = await sandbox.run({ module: await wat('exit') });
    assert.equal(r.error, null);
    assert.equal(r.exitCode, 7);
    assert.equal(text(r.stdout), 'bye\n');
    assert.ok(r.usage.wallMs >= 0 && r.usage.peakMemoryBytes === 65536);
  });

  test('a C program gets its args and environment', async (t) => {
    const m = await c('hello');
    if (!m) return t.skip(clangMissing()!);
    const r = await sandbox.run({ module: m, args: ['hello.wasm', 'a b', 'ç'], env: { GREETING: 'hi', EXIT_CODE: '3' } });
    assert.equal(r.error, null);
    assert.equal(r.exitCode, 3);
    assert.equal(text(r.stdout), 'hello from C\narg 0: hello.wasm\narg 1: a b\narg 2: ç\nGREETING=hi\n');
  });

  test('a value with a NUL is cut there, so that it cannot add a variable; other values keep every byte', async (t) => {
    const m = await c('wasi_stdio');
    if (!m) return t.skip(clangMissing()!);
    const r = await sandbox.run({ module: m, args: ['g', 'misc'], env: { A: 'x\0B=1', C: 'é' } });
    assert.equal(r.error, null);
    // "A=x\0" is 4 bytes, "C=é\0" 5.
    assert.match(text(r.stdout), /envc=2 envsz=9\nenv\[0\]=A=x\nenv\[1\]=C=é\n/);
  });

  test('an infinite loop is stopped at its deadline while other guests go on', async () => {
    const loop = await wat('loop');
    const hello = await wat('exit');
    const workersBefore = sandbox.workerCount;
    const order: string[] = [];
    const looping = sandbox.run({ module: loop, limits: { timeoutMs: 1500 } }).then((r) => { order.push('loop'); return r; });
    const others = Array.from({ length: 40 }, () => sandbox.run({ module: hello }).then((r) => { order.push('hello'); return r; }));
    const results = await Promise.all(others);
    for (const r of results) assert.equal(r.exitCode, 7);
    const r = await looping;
    assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
    assert.match(r.error!.message, /deadline of 1500ms/);
    assert.equal(order.at(-1), 'loop', 'every other guest finished while the loop was still spinning');
    // The loop was stopped through its interrupt slot, not by killing its worker.
    assert.ok(loop.interruptible);
    assert.ok(sandbox.workerCount >= workersBefore);
    const again = await sandbox.run({ module: hello });
    assert.equal(again.exitCode, 7);
  });

  test('a guest that never returns from a host call is stopped at its deadline', async () => {
    const r = await sandbox.run({ module: await wat('sleep'), limits: { timeoutMs: 200 } });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
  });

  test('memory.grow past the cap fails and the guest is reported as out of memory', async () => {
    const r = await sandbox.run({ module: await wat('grow'), limits: { memoryBytes: 4 * 1024 * 1024 } });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_MEMORY_LIMIT');
    assert.equal(r.usage.peakMemoryBytes, 4 * 1024 * 1024);
  });

  test('a C malloc bomb stops at its cap', async (t) => {
    const m = await c('malloc_bomb');
    if (!m) return t.skip(clangMissing()!);
    const r = await sandbox.run({ module: m, limits: { memoryBytes: 16 * 1024 * 1024 } });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_MEMORY_LIMIT');
    assert.ok(r.usage.peakMemoryBytes <= 16 * 1024 * 1024);
  });

  test('a module whose initial memory is over the cap does not start', async () => {
    const r = await sandbox.run({ module: await wat('flood'), limits: { memoryBytes: 65536 } });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_MEMORY_LIMIT');
    assert.match(r.error!.message, /needs 131072 bytes/);
  });

  test('an output flood is capped', async () => {
    const r = await sandbox.run({ module: await wat('flood'), limits: { maxOutputBytes: 1_000_000 } });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_OUTPUT_LIMIT');
    assert.ok(r.stdout.byteLength <= 1_000_000);
    assert.equal(r.usage.outputBytes, 1_000_000);
  });

  test('a trap is reported with its wasm backtrace', async () => {
    const r = await sandbox.run({ module: await wat('trap') });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_TRAP');
    assert.match(r.error!.message, /divide by zero/);
    const backtrace = r.error!.details?.backtrace as string[];
    assert.ok(backtrace.some((f) => f.includes('divide')), backtrace.join('\n'));
    assert.ok(backtrace.some((f) => f.includes('compute')), backtrace.join('\n'));
  });

  test('a missing import is a link error naming it', async () => {
    const path = await watGuest('needs_import');
    const r = await sandbox.run({ module: await compileModule(await readModuleFile(path)) });
    assert.equal(r.error?.code, 'WAFT_E_GUEST_LINK');
    assert.match(r.error!.message, /nowhere/);
  });

  test('no state leaks between runs: each gets zeroed memory', async () => {
    const m = await wat('leak_probe');
    for (let i = 0; i < 5; i++) {
      const r = await sandbox.run({ module: m });
      assert.equal(r.exitCode, 0, 'the probe found memory it had not written');
    }
  });

  test('stdin streams in as the guest reads and stdout streams out', async (t) => {
    const m = await c('echo');
    if (!m) return t.skip(clangMissing()!);
    const size = 10 * 1024 * 1024;
    async function* body() {
      for (let sent = 0; sent < size; sent += 65536) yield new Uint8Array(65536).fill(sent / 65536 % 251);
    }
    let streamed = 0;
    let chunks = 0;
    const r = await sandbox.run({ module: m, stdin: body(), stdout: (chunk) => { streamed += chunk.byteLength; chunks++; }, limits: { maxOutputBytes: 32 * 1024 * 1024 } });
    assert.equal(r.error, null);
    assert.equal(r.exitCode, 0);
    assert.equal(streamed, size);
    assert.ok(chunks > 1, 'stdout arrived in several chunks');
    assert.equal(text(r.stderr), `${size}\n`);
  });

  test('a cancelled run stops the guest', async () => {
    const ac = new AbortController();
    const p = sandbox.run({ module: await wat('loop'), signal: ac.signal, limits: { timeoutMs: 60_000 } });
    setTimeout(() => ac.abort(), 50);
    const r = await p;
    assert.equal(r.error?.code, 'WAFT_E_GUEST_CANCELLED');
  });
});

describe('sandbox: a run sent to a worker that then got stuck', () => {
  test('is taken back and run on another worker, even with no more runs than workers', async () => {
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 2, inline: false });
    try {
      await sandbox.ready();
      const order: string[] = [];
      const loop = sandbox.run({ module: await wat('loop'), limits: { timeoutMs: 2000 } }).then((r) => { order.push('loop'); return r; });
      await new Promise((r) => setTimeout(r, 100));
      // The only booted worker is stuck in the loop: this run is sent to it, and a second worker starts.
      const hello = await sandbox.run({ module: await wat('exit') });
      order.push('hello');
      assert.equal(hello.exitCode, 7);
      assert.equal(sandbox.workerCount, 2);
      assert.equal((await loop).error?.code, 'WAFT_E_GUEST_TIMEOUT');
      assert.deepEqual(order, ['hello', 'loop']);
    } finally {
      await sandbox.close();
    }
  });
});

describe('sandbox fallback for guests that cannot be interrupted', () => {
  test('the worker is replaced and its other guests fail with WAFT_E_WORKER_LOST', async () => {
    const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1, graceMs: 100 });
    try {
      const bytes = readFileSync(await watGuest('loop'));
      const base = await wat('loop');
      const prepared = prepare(bytes, { interrupt: false });
      const plain: CompiledModule = { ...base, hash: 'plain-loop', interruptible: false, module: await WebAssembly.compile(prepared.bytes as Uint8Array<ArrayBuffer>) };
      // A streamed stdin may wait, so the sleeper suspends (JSPI) and leaves the worker to the loop;
      // with a whole stdin it would block the worker itself, and the loop would never start.
      const sleeper = sandbox.run({ module: await wat('sleep'), stdin: (async function* () {})(), limits: { timeoutMs: 10_000 } });
      const r = await sandbox.run({ module: plain, limits: { timeoutMs: 100 } });
      assert.equal(r.error?.code, 'WAFT_E_GUEST_TIMEOUT');
      assert.equal((await sleeper).error?.code, 'WAFT_E_WORKER_LOST');
      assert.equal(sandbox.workerCount, 1, 'a fresh worker took the place of the lost one');
      const after = await sandbox.run({ module: await wat('exit') });
      assert.equal(after.exitCode, 7);
    } finally {
      await sandbox.close();
    }
  });
});
