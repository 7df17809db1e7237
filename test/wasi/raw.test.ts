// Calls made from WAT with arguments a C program would not pass.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERRNO, OFLAGS, RIGHTS } from '../../src/wasi/constants.ts';
import { PREVIEW1_FUNCTIONS, ProcExit, WasiHost } from '../../src/wasi/host.ts';
import { GuestMemory } from '../../src/wasi/memory.ts';
import { BytesInput, CollectOutput } from '../../src/wasi/streams.ts';
import { watGuest } from '../support/guests.ts';

type Fn = (...args: Array<number | bigint>) => number;

async function raw(): Promise<{ host: WasiHost; x: Record<string, Fn>; memory: WebAssembly.Memory; stdout: CollectOutput }> {
  const stdout = new CollectOutput();
  const host = new WasiHost({
    args: ['raw'], env: {}, stdin: new BytesInput('stdin bytes'), stdout, stderr: new CollectOutput(),
    preopens: [{ hostPath: tmpdir(), guestPath: '/tmp', readonly: true }],
  });
  const module = new WebAssembly.Module(readFileSync(await watGuest('wasi_raw')));
  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: host.imports as WebAssembly.ModuleImports });
  const memory = instance.exports.memory as WebAssembly.Memory;
  host.setMemory(memory);
  return { host, x: instance.exports as unknown as Record<string, Fn>, memory, stdout };
}

test('the import namespace has every preview1 function and names the async ones', () => {
  const host = new WasiHost({ args: [], env: {}, stdin: new BytesInput(''), stdout: new CollectOutput(), stderr: new CollectOutput(), preopens: [] });
  assert.deepEqual(Object.keys(host.imports).sort(), [...PREVIEW1_FUNCTIONS].sort());
  assert.equal(PREVIEW1_FUNCTIONS.length, 46);
  for (const fn of Object.values(host.imports)) assert.equal(typeof fn, 'function');
  assert.deepEqual([...WasiHost.asyncImports], ['fd_read', 'poll_oneoff']);
  host.close();
});

test('sock_* answer ENOTSOCK on an open fd and EBADF on a closed one, as in wasmtime; proc_raise is ENOTSUP', async () => {
  const { host, x } = await raw();
  try {
    assert.equal(x.sock_accept(1, 0, 0), ERRNO.NOTSOCK);
    assert.equal(x.sock_recv(0, 0, 0, 0, 0, 0), ERRNO.NOTSOCK);
    assert.equal(x.sock_send(2, 0, 0, 0, 0), ERRNO.NOTSOCK);
    assert.equal(x.sock_shutdown(1, 3), ERRNO.NOTSOCK);
    assert.equal(x.sock_accept(42, 0, 0), ERRNO.BADF);
    assert.equal(x.sock_send(42, 0, 0, 0, 0), ERRNO.BADF);
    assert.equal(x.proc_raise(9), ERRNO.NOTSUP);
  } finally {
    host.close();
  }
});

test('a pointer past the end of memory traps the guest instead of reaching host memory', async () => {
  const { host, x, memory } = await raw();
  try {
    const trap = (e: unknown): boolean => e instanceof WebAssembly.RuntimeError && /outside linear memory/.test(e.message);
    assert.throws(() => x.fd_write(1, 70_000, 1, 0), trap); // iovec array out of bounds
    new DataView(memory.buffer).setUint32(0, 65_530, true);
    new DataView(memory.buffer).setUint32(4, 100, true);
    assert.throws(() => x.fd_write(1, 0, 1, 16), trap); // buffer runs past the end
    assert.throws(() => x.fd_read(0, 0, 1, 16), trap);
    assert.throws(() => x.random_get(65_500, 100), trap);
    assert.throws(() => x.clock_time_get(1, 0n, 65_533), trap);
    assert.throws(() => x.path_open(3, 0, 65_530, 50, 0, 0n, 0n, 0, 0), trap);
    assert.throws(() => x.fd_write(1, -8, 1, 0), trap); // a negative i32 is a huge u32
  } finally {
    host.close();
  }
});

test('memory grown by the guest between calls is seen by the host', async () => {
  const { host, x, memory, stdout } = await raw();
  try {
    assert.equal(x.grow(2), 1);
    const base = 65_536 * 2 + 100; // in the newest page
    new TextEncoder().encodeInto('grown', new Uint8Array(memory.buffer, base + 16));
    const v = new DataView(memory.buffer);
    v.setUint32(base, base + 16, true);
    v.setUint32(base + 4, 5, true);
    assert.equal(x.fd_write(1, base, 1, base + 8), ERRNO.SUCCESS);
    assert.equal(new DataView(memory.buffer).getUint32(base + 8, true), 5);
    assert.equal(stdout.text(), 'grown');
    // fd_read into the grown page, after growing again.
    assert.equal(x.grow(1), 3);
    const at = 65_536 * 3 + 8;
    const w = new DataView(memory.buffer);
    w.setUint32(at, at + 64, true);
    w.setUint32(at + 4, 100, true);
    assert.equal(x.fd_read(0, at, 1, at + 32), ERRNO.SUCCESS);
    assert.equal(new DataView(memory.buffer).getUint32(at + 32, true), 11);
    assert.equal(new TextDecoder().decode(new Uint8Array(memory.buffer, at + 64, 11)), 'stdin bytes');
  } finally {
    host.close();
  }
});

test('memory views follow growth: for hosts that use one memory in turn, and for a shared memory', () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4 });
  const first = new GuestMemory();
  first.set(memory);
  first.setU32(100, 7);
  memory.grow(1);
  first.setU32(65_536 + 8, 9);
  const next = new GuestMemory(); // a later run on the same (pooled) memory
  next.set(memory);
  assert.equal(next.u32(100), 7);
  assert.equal(next.u32(65_536 + 8), 9);
  memory.grow(1);
  assert.equal(next.bytes.length, 3 * 65_536);
  assert.equal(first.bytes.length, 3 * 65_536);
  assert.throws(() => next.u32(3 * 65_536), WebAssembly.RuntimeError);

  // Growing a shared memory does not detach its buffer: the new size must still be seen.
  const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const view = new GuestMemory();
  view.set(shared);
  assert.equal(view.bytes.length, 65_536);
  assert.throws(() => view.u32(65_536), WebAssembly.RuntimeError);
  shared.grow(1);
  view.setU32(65_536 + 4, 5);
  assert.equal(view.u32(65_536 + 4), 5);
  assert.throws(() => view.u32(2 * 65_536), WebAssembly.RuntimeError);
});

test('proc_exit throws ProcExit carrying the full exit code', async () => {
  const { host, x } = await raw();
  try {
    assert.throws(() => x.proc_exit(300), (e: unknown) => e instanceof ProcExit && e.code === 300);
    assert.throws(() => x.proc_exit(-1), (e: unknown) => e instanceof ProcExit && e.code === 0xffffffff);
  } finally {
    host.close();
  }
});

test('fd_write gathers its vectors in order, empty ones included, and one vector reaches stdout whole', async () => {
  const { host, x, memory, stdout } = await raw();
  try {
    const bytes = new Uint8Array(memory.buffer);
    const v = new DataView(memory.buffer);
    bytes.set(new TextEncoder().encode('abcdXYZ'), 100);
    const vectors = (at: number, list: Array<[number, number]>): void => {
      list.forEach(([p, l], i) => { v.setUint32(at + i * 8, p, true); v.setUint32(at + i * 8 + 4, l, true); });
    };
    vectors(0, [[100, 4], [0, 0], [104, 3]]);
    assert.equal(x.fd_write(1, 0, 3, 64), ERRNO.SUCCESS);
    assert.equal(v.getUint32(64, true), 7);
    vectors(0, [[0, 0], [104, 3]]);
    assert.equal(x.fd_write(1, 0, 2, 64), ERRNO.SUCCESS);
    assert.equal(v.getUint32(64, true), 3);
    vectors(0, [[0, 0], [0, 0]]);
    assert.equal(x.fd_write(1, 0, 2, 64), ERRNO.SUCCESS);
    assert.equal(v.getUint32(64, true), 0);
    assert.equal(stdout.text(), 'abcdXYZXYZ');
    // The bytes were copied when written: the guest may reuse its buffer at once.
    bytes.set(new TextEncoder().encode('-------'), 100);
    assert.equal(stdout.text(), 'abcdXYZXYZ');
    // An empty vector that points past the end of memory still traps.
    vectors(0, [[100, 4], [70_000, 0]]);
    assert.throws(() => x.fd_write(1, 0, 2, 64), /outside linear memory/);
  } finally {
    host.close();
  }
});

test('fd_pwrite past the largest size node:fs can write is EFBIG and writes nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-raw-'));
  const host = new WasiHost({ args: [], env: {}, stdin: new BytesInput(''), stdout: new CollectOutput(), stderr: new CollectOutput(), preopens: [{ hostPath: dir, guestPath: '/d' }] });
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.setMemory(memory);
    const x = host.imports as Record<string, Fn>;
    const v = new DataView(memory.buffer);
    new Uint8Array(memory.buffer).set(new TextEncoder().encode('f'), 0);
    assert.equal(x.path_open(3, 0, 0, 1, OFLAGS.CREAT, RIGHTS.FD_WRITE | RIGHTS.FD_SEEK, 0n, 0, 16), ERRNO.SUCCESS);
    v.setUint32(32, 64, true); // one iovec of 4 bytes at 64
    v.setUint32(36, 4, true);
    const fd = v.getUint32(16, true);
    assert.equal(x.fd_pwrite(fd, 32, 1, BigInt(Number.MAX_SAFE_INTEGER) - 2n, 48), ERRNO.FBIG);
    assert.equal(x.fd_pwrite(fd, 32, 1, 2n, 48), ERRNO.SUCCESS);
    assert.equal(statSync(join(dir, 'f')).size, 6);
  } finally {
    host.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reused host serves the next run as a new host would: its args, environment and stdio, none of the last run\'s fds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-raw-'));
  const first = new CollectOutput();
  const host = new WasiHost({ args: ['one', 'two', 'three'], env: 'OLD=1', stdin: new BytesInput(''), stdout: first, stderr: new CollectOutput(), preopens: [{ hostPath: dir, guestPath: '/d' }] });
  const x = host.imports as Record<string, Fn>;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.setMemory(memory);
    const v = new DataView(memory.buffer);
    new Uint8Array(memory.buffer).set(new TextEncoder().encode('f'), 0);
    assert.equal(x.path_open(3, 0, 0, 1, OFLAGS.CREAT, RIGHTS.FD_WRITE, 0n, 0, 16), ERRNO.SUCCESS);
    assert.equal(v.getUint32(16, true), 4);
    host.close();

    const second = new CollectOutput();
    host.reuse({ args: ['next'], env: 'A=1\0B=é', stdin: new BytesInput(''), stdout: second, stderr: new CollectOutput(), preopens: [] });
    const fresh = new WebAssembly.Memory({ initial: 1 });
    host.setMemory(fresh);
    const w = new DataView(fresh.buffer);
    // Neither the file nor the preopen of the last run is there.
    assert.equal(x.fd_close(4), ERRNO.BADF);
    assert.equal(x.fd_prestat_get(3, 32), ERRNO.BADF);
    assert.equal(x.args_sizes_get(0, 4), ERRNO.SUCCESS);
    assert.deepEqual([w.getUint32(0, true), w.getUint32(4, true)], [1, 5]);
    assert.equal(x.environ_sizes_get(0, 4), ERRNO.SUCCESS);
    assert.deepEqual([w.getUint32(0, true), w.getUint32(4, true)], [2, 9]); // "A=1\0B=é\0", é in two bytes
    assert.equal(x.environ_get(64, 128), ERRNO.SUCCESS);
    assert.deepEqual([w.getUint32(64, true), w.getUint32(68, true)], [128, 132]);
    assert.equal(Buffer.from(fresh.buffer, 128, 9).toString(), 'A=1\0B=é\0');
    w.setUint32(200, 128, true); // write "A=1" to stdout
    w.setUint32(204, 3, true);
    assert.equal(x.fd_write(1, 200, 1, 208), ERRNO.SUCCESS);
    assert.equal(second.text(), 'A=1');
    assert.equal(first.text(), '');
  } finally {
    host.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('environ_get traps when the offsets table would run past memory, and writes nothing', () => {
  const host = new WasiHost({ args: [], env: 'A=1\0B=2', stdin: new BytesInput(''), stdout: new CollectOutput(), stderr: new CollectOutput(), preopens: [] });
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    host.setMemory(memory);
    const x = host.imports as Record<string, Fn>;
    assert.throws(() => x.environ_get(65_532, 0), (e: unknown) => e instanceof WebAssembly.RuntimeError);
    assert.equal(new Uint8Array(memory.buffer, 0, 8).every((b) => b === 0), true);
  } finally {
    host.close();
  }
});
