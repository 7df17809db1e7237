import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WaftError } from '../../src/errors.ts';
import { ERRNO } from '../../src/wasi/constants.ts';
import { WasiHost } from '../../src/wasi/host.ts';
import { BytesInput, CollectOutput, OutputBudget, PushInput } from '../../src/wasi/streams.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { runWasi } from '../support/run-wasi.ts';

const guest = (): string => cGuest('wasi_stdio')!;

test('a C hello world gets its args, environment, stdin and exit code', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(cGuest('wasi_hello')!, {
    args: ['hello.wasm', 'two words', 'ünï'],
    env: { WHO: 'wörld', EXIT: '7' },
    stdin: 'x'.repeat(5000),
  });
  assert.equal(r.code, 7);
  assert.equal(r.stdout, 'hello, wasi\nargv[0]=hello.wasm\nargv[1]=two words\nargv[2]=ünï\nWHO=wörld\nstdin bytes=5000\n');
  assert.equal(r.stderr, 'to stderr\n');
});

test('main returning 0 is exit code 0', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(cGuest('wasi_hello')!, {});
  assert.equal(r.code, 0);
  assert.match(r.stdout, /WHO=\(unset\)/);
});

test('proc_exit ends the guest with its code after flushing', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'exit', '42'] });
  assert.equal(r.code, 42);
  assert.equal(r.stdout, 'exiting\n');
});

test('args and environ sizes count the NUL terminators', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'misc'], env: { A: '1', LONGER: 'héllo' } });
  assert.equal(r.code, 0, r.stdout);
  // "g\0misc\0" = 7 bytes; "A=1\0" + "LONGER=héllo\0" = 4 + 14 bytes
  assert.match(r.stdout, /argc=2 argsz=7 envc=2 envsz=18\n/);
  assert.match(r.stdout, /env\[0\]=A=1\nenv\[1\]=LONGER=héllo\n/);
  assert.match(r.stdout, /ok\n$/);
});

test('empty arguments count, and the environment may come as NUL-joined "K=V" entries', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(cGuest('wasi_hello')!, { args: [''], env: 'WHO=joined\0EXIT=4\0EMPTY=' });
  assert.equal(r.code, 4);
  assert.match(r.stdout, /^hello, wasi\nargv\[0\]=\nWHO=joined\n/);
  const none = await runWasi(cGuest('wasi_stdio')!, { args: ['g', 'misc'], env: '' });
  assert.match(none.stdout, /envc=0 envsz=0/);
  const two = await runWasi(cGuest('wasi_stdio')!, { args: ['g', 'misc'], env: { A: '', B: 'x\0cut' } });
  assert.match(two.stdout, /envc=2 envsz=7\nenv\[0\]=A=\nenv\[1\]=B=x\n/);
});

test('stdin pushed after the guest started is read through JSPI suspension', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const input = new PushInput({ highWaterMark: 1024 });
  const data = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
  let pushed = 0;
  const feed = (): void => {
    // Push in uneven chunks, one per macrotask, until done.
    if (pushed >= data.length) return input.end();
    const n = Math.min(777, data.length - pushed);
    input.push(data.subarray(pushed, pushed + n));
    pushed += n;
    setImmediate(feed);
  };
  setImmediate(feed);
  const r = await runWasi(guest(), { args: ['g', 'stdin-sum'], stdin: input });
  let sum = 0n;
  for (const b of data) sum = BigInt.asUintN(32, sum * 31n + BigInt(b));
  assert.equal(r.stdout, `total=${data.length} sum=${sum}\n`);
});

test('PushInput tells the producer to wait and calls onDrain and pull', async () => {
  let drains = 0;
  let pulls = 0;
  const input = new PushInput({ highWaterMark: 10, onDrain: () => drains++, pull: () => pulls++ });
  assert.equal(input.ready(), false);
  const pending = input.read(4);
  assert.ok(pending instanceof Promise);
  assert.equal(pulls, 1);
  assert.equal(input.push(new Uint8Array(6)), true);
  assert.equal((await pending)!.length, 4);
  assert.equal(input.push(new Uint8Array(8)), false); // 10 buffered: at the mark
  assert.equal((input.read(100) as Uint8Array).length, 2);
  assert.equal(drains, 1);
  input.end();
  assert.equal((input.read(100) as Uint8Array).length, 8);
  assert.equal(input.read(100), null);
  assert.equal(input.ready(), true);
});

test('stdout and stderr share one output limit and the guest is stopped at it', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  let hits = 0;
  const budget = new OutputBudget(25_500, () => hits++);
  const stdout = new CollectOutput({ limit: budget, name: 'stdout' });
  const stderr = new CollectOutput({ limit: budget, name: 'stderr' });
  await assert.rejects(runWasi(guest(), { args: ['g', 'flood', '1000'], stdout, stderr }), (err: unknown) => {
    assert.ok(err instanceof WaftError);
    assert.equal(err.code, 'WAFT_E_GUEST_OUTPUT_LIMIT');
    return true;
  });
  assert.equal(stdout.size + stderr.size, 25_500);
  assert.equal(stdout.size, 13_000); // 13 writes fit whole on stdout, the 13th on stderr is cut
  assert.equal(stderr.size, 12_500);
  assert.equal(hits, 1);
  // Further writes keep failing.
  assert.throws(() => stdout.write(new Uint8Array(1)), /more than 25500 bytes/);
});

test('a single CollectOutput can have its own limit', () => {
  let hit = 0;
  const out = new CollectOutput({ limit: 5, onLimit: () => hit++ });
  out.write(new Uint8Array([1, 2, 3]));
  assert.throws(() => out.write(new Uint8Array([4, 5, 6])), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_GUEST_OUTPUT_LIMIT');
  assert.deepEqual([...out.bytes()], [1, 2, 3, 4, 5]);
  assert.equal(hit, 1);
});

test('stdio are byte streams: unknown type, no seek, no prestat, wrong direction is EBADF', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'stdio-types'] });
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /fd 0 filetype=0 isatty=0\nfd 1 filetype=0 isatty=0\nfd 2 filetype=0 isatty=0\n/);
  assert.match(r.stdout, /ok\n$/);
});

test('a stream marked isTty is a character device and isatty() says so', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const stdout = new CollectOutput();
  Object.defineProperty(stdout, 'isTty', { value: true });
  const stdin = new BytesInput('');
  Object.defineProperty(stdin, 'isTty', { value: true });
  const r = await runWasi(guest(), { args: ['g', 'stdio-types'], stdin, stdout });
  const text = stdout.text();
  assert.equal(r.code, 0, text);
  assert.match(text, /fd 0 filetype=2 isatty=1\nfd 1 filetype=2 isatty=1\nfd 2 filetype=0 isatty=0\n/);
});

test('preopens are listed with their guest names from fd 3', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const a = mkdtempSync(join(tmpdir(), 'waft-wasi-'));
  const b = mkdtempSync(join(tmpdir(), 'waft-wasi-'));
  try {
    const r = await runWasi(guest(), {
      args: ['g', 'preopens'],
      preopens: [{ hostPath: a, guestPath: '/data' }, { hostPath: b, guestPath: '.', readonly: true }],
    });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stdout, 'preopen fd=3 name=/data type=3\npreopen fd=4 name=. type=3\n');
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

/** Makes a host whose one preopen is `hostPath`. */
function hostWithPreopen(hostPath: string): WasiHost {
  return new WasiHost({
    args: [], env: {}, stdin: new BytesInput(''), stdout: new CollectOutput(), stderr: new CollectOutput(),
    preopens: [{ hostPath, guestPath: '/x' }],
  });
}

const preopenError = (e: unknown): boolean => e instanceof WaftError && e.code === 'WAFT_E_WASI_PREOPEN';

test('a preopen that does not exist is a WAFT_E_WASI_PREOPEN error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-'));
  try {
    assert.throws(() => hostWithPreopen(join(dir, 'missing')), preopenError);
    writeFileSync(join(dir, 'file'), '');
    assert.throws(() => hostWithPreopen(join(dir, 'file')), (e: unknown) => preopenError(e) && /not a directory/.test((e as Error).message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a preopen the host may not open is a WAFT_E_WASI_PREOPEN error', (t) => {
  if (process.getuid?.() === 0) return t.skip('root opens any directory: run the tests as another user to check this');
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-'));
  try {
    mkdirSync(join(dir, 'locked'), { mode: 0o000 });
    assert.throws(() => hostWithPreopen(join(dir, 'locked')), preopenError);
  } finally {
    chmodSync(join(dir, 'locked'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a preopen past maxOpenFds is EMFILE and leaves no host fd open', (t) => {
  if (process.platform !== 'linux') return t.skip('counts open fds through /proc/self/fd (Linux)');
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-'));
  try {
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = open();
    assert.throws(() => new WasiHost({
      args: [], env: {}, stdin: new BytesInput(''), stdout: new CollectOutput(), stderr: new CollectOutput(),
      preopens: [{ hostPath: dir, guestPath: '/a' }, { hostPath: dir, guestPath: '/b' }], maxOpenFds: 4,
    }), (e: unknown) => e instanceof Error && 'errno' in e && e.errno === ERRNO.MFILE);
    assert.equal(open(), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('clocks: resolutions, monotonic order, wall time near the host, cpu time, bad clock id', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const before = Math.floor(Date.now() / 1000);
  const r = await runWasi(guest(), { args: ['g', 'clocks'] });
  const after = Math.floor(Date.now() / 1000);
  assert.equal(r.code, 0, r.stdout);
  const wall = Number(/wall_seconds=(\d+)/.exec(r.stdout)![1]);
  assert.ok(wall >= before && wall <= after, `${wall} not in [${before}, ${after}]`);
});

test('random_get fills the buffer with fresh bytes', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'random'] });
  assert.equal(r.stdout, 'differ=1 few_zeros=1\nzero-length=0\n');
});

test('abort() rejects a guest waiting for stdin with the abort reason', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const input = new PushInput({ pull: () => host.abort(new WaftError('WAFT_E_GUEST_TIMEOUT', 'deadline')) });
  let host!: WasiHost;
  await assert.rejects(
    runWasi(guest(), { args: ['g', 'stdin-sum'], stdin: input, onHost: (h) => { host = h; } }),
    (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_GUEST_TIMEOUT',
  );
});
