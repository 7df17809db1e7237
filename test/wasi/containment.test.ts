// Every attack a guest can make on its preopens, each against real host directories: the guest
// must get EPERM (as in wasmtime) and nothing outside the sandbox may change.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { procFdMode } from '../../src/wasi/resolve.ts';
import { cGuest, clangMissing, repoRoot } from '../support/guests.ts';
import { runWasi } from '../support/run-wasi.ts';
import type { Preopen } from '../../src/wasi/types.ts';

interface Fixture {
  root: string;
  sandbox: string;
  outside: string;
}

function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      const st = lstatSync(p);
      const what = e.isSymbolicLink() ? `-> ${readlinkSync(p)}` : e.isDirectory() ? 'dir' : e.isFile() ? readFileSync(p, 'utf8') : 'special';
      out.push(`${rel}${e.name} ${what} ${st.mtimeMs}`);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
    }
  };
  walk(dir, '');
  return out.join('\n');
}

/**
 * root/outside/secret.txt next to root/sandbox, which holds files, directories and the host's
 * own symlinks (absolute ones pointing out, relative ones staying in). Checks afterwards that
 * nothing outside the sandbox changed.
 */
async function attack(name: string, options: { readonly?: boolean; setup?: (f: Fixture) => void } = {}): Promise<{ stdout: string; f: Fixture }> {
  const root = mkdtempSync(join(tmpdir(), 'waft-wasi-escape-'));
  const f: Fixture = { root, sandbox: join(root, 'sandbox'), outside: join(root, 'outside') };
  try {
    mkdirSync(f.outside);
    writeFileSync(join(f.outside, 'secret.txt'), 'top secret');
    mkdirSync(join(f.sandbox, 'sub', 'inner'), { recursive: true });
    mkdirSync(join(f.sandbox, 'sub', 'empty'));
    writeFileSync(join(f.sandbox, 'file.txt'), 'public');
    writeFileSync(join(f.sandbox, 'sub', 'inner.txt'), 'inner');
    symlinkSync(f.outside, join(f.sandbox, 'abs'));
    symlinkSync(join(f.outside, 'secret.txt'), join(f.sandbox, 'abs-file'));
    symlinkSync('/', join(f.sandbox, 'abs-root'));
    symlinkSync('sub/inner.txt', join(f.sandbox, 'in-link'));
    symlinkSync('../file.txt', join(f.sandbox, 'sub', 'uplink'));
    symlinkSync('sub', join(f.sandbox, 'sub-link'));
    options.setup?.(f);
    const before = snapshot(f.outside);
    const preopens: Preopen[] = options.readonly
      ? [{ hostPath: f.sandbox, guestPath: '/ro', readonly: true }, { hostPath: join(root, 'rw'), guestPath: '/rw' }]
      : [{ hostPath: f.sandbox, guestPath: '/sandbox' }];
    if (options.readonly) {
      mkdirSync(join(root, 'rw'));
      writeFileSync(join(root, 'rw', 'w.txt'), 'writable');
    }
    const sandboxBefore = options.readonly ? snapshot(f.sandbox) : '';
    const r = await runWasi(cGuest('wasi_escape')!, { args: ['wasi_escape', ...name.split(' ')], preopens });
    assert.doesNotMatch(r.stdout, /LEAK/);
    assert.equal(snapshot(f.outside), before, 'the directory outside the sandbox changed');
    assert.deepEqual(readdirSync(root).sort(), options.readonly ? ['outside', 'rw', 'sandbox'] : ['outside', 'sandbox']);
    if (options.readonly) assert.equal(snapshot(f.sandbox), sandboxBefore, 'the readonly preopen changed');
    return { stdout: r.stdout, f };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('path escape with ".." out of the preopen, in every path call', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('dotdot');
  assert.equal(stdout, 'libc errno=63\nok\n'); // EPERM
});

test('path escape through a guest-made symlink (relative, chained, moved, hard-linked)', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('guest-symlink');
  assert.equal(stdout, 'ok\n');
});

test('path escape through an absolute symlink made by the host; the guest cannot make one', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('absolute-symlink');
  assert.equal(stdout, 'ok\n');
});

test('path escape with an absolute guest path', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('absolute-path');
  assert.match(stdout, /^libc \/etc\/passwd errno=\d+\nok\n$/);
  assert.doesNotMatch(stdout, /root:/);
});

test('path escape through the fd of a subdirectory (each directory fd is its own sandbox)', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack(process.env.WAFT_WASI_NO_PROC_FD === '1' ? 'subdir-fd string-walk' : 'subdir-fd');
  assert.equal(stdout, 'ok\n');
});

test('rename and link out of the sandbox (and of outside files into it)', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('rename-link-out');
  assert.equal(stdout, 'ok\n');
});

test('write attempts on a readonly preopen are EPERM and change nothing', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('readonly', { readonly: true });
  assert.equal(stdout, 'ok\n');
});

test('opening a fifo, which would block the guest thread, is refused', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('special-files', {
    setup: (f) => {
      execFileSync('mkfifo', [join(f.sandbox, 'pipe')]);
      symlinkSync('pipe', join(f.sandbox, 'to-pipe'));
    },
  });
  assert.equal(stdout, 'ok\n');
});

test('symlinks the host made that stay inside the sandbox keep working', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const { stdout } = await attack('inside-links');
  assert.equal(stdout, 'ok\n');
});

test('the string-path walk (systems without /proc/self/fd) passes the same filesystem and containment tests', (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  if (process.env.WAFT_WASI_NO_PROC_FD === '1') return t.skip('already running with the string walk');
  const env: NodeJS.ProcessEnv = { ...process.env, WAFT_WASI_NO_PROC_FD: '1' };
  delete env.NODE_TEST_CONTEXT; // run as a test runner of its own, not as our child
  const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'test/wasi/containment.test.ts', 'test/wasi/fs.test.ts'], {
    cwd: repoRoot, env, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const count = (what: string): number => Number(new RegExp(`^# ${what} (\\d+)$`, 'm').exec(r.stdout)?.[1]);
  assert.equal(count('fail'), 0);
  assert.equal(count('skipped'), 2); // this test itself, and the race the string walk is open to
  assert.equal(count('pass'), count('tests') - 2);
  assert.ok(count('pass') >= 16);
});

test('path escape by swapping a directory for a symlink while the guest walks through it (Linux fd walk)', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  if (!procFdMode) return t.skip('the string walk used without /proc/self/fd is open to this race (see docs/wasi.md)');
  const root = mkdtempSync(join(tmpdir(), 'waft-wasi-race-'));
  const stop = new Int32Array(new SharedArrayBuffer(4));
  let swapper: Worker | undefined;
  try {
    mkdirSync(join(root, 'outside'));
    writeFileSync(join(root, 'outside', 'x'), 'OUTSIDE');
    mkdirSync(join(root, 'sandbox', 'd'), { recursive: true });
    writeFileSync(join(root, 'sandbox', 'd', 'x'), 'inside');
    // Another thread keeps replacing sandbox/d by a symlink to ../outside and back.
    swapper = new Worker(`
      const { renameSync, symlinkSync, unlinkSync } = require('node:fs');
      const { workerData: { dir, stop } } = require('node:worker_threads');
      let swaps = 0;
      while (Atomics.load(stop, 0) === 0) {
        renameSync(dir + '/d', dir + '/d.real');
        symlinkSync('../outside', dir + '/d');
        unlinkSync(dir + '/d');
        renameSync(dir + '/d.real', dir + '/d');
        swaps++;
      }
      require('node:worker_threads').parentPort.postMessage(swaps);
    `, { eval: true, workerData: { dir: join(root, 'sandbox'), stop } });
    const swaps = new Promise<number>((resolve, reject) => { swapper!.once('message', resolve); swapper!.once('error', reject); });
    const r = await runWasi(cGuest('wasi_escape')!, { args: ['wasi_escape', 'race', '20000'], preopens: [{ hostPath: join(root, 'sandbox'), guestPath: '/sandbox' }] });
    Atomics.store(stop, 0, 1);
    assert.ok((await swaps) > 0);
    const m = /inside=(\d+) leaked=(\d+) perm=(\d+) noent=(\d+) other=(\d+)/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const [inside, leaked, perm, noent] = m.slice(1).map(Number);
    assert.equal(leaked, 0, r.stdout);
    // Both states were seen, so the walk really raced with the swaps.
    assert.ok(inside > 0 && perm + noent > 0, r.stdout);
  } finally {
    Atomics.store(stop, 0, 1);
    await swapper?.terminate();
    rmSync(root, { recursive: true, force: true });
  }
});
