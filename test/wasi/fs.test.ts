import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, lstatSync, readlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cGuest, clangMissing } from '../support/guests.ts';
import { runWasi, type RunWasiOptions } from '../support/run-wasi.ts';

/** Runs a wasi_fs command with a fresh scratch directory preopened as /sandbox (fd 3). */
async function fsCommand(args: string[], inspect?: (dir: string) => void, options: RunWasiOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-fs-'));
  try {
    const r = await runWasi(cGuest('wasi_fs')!, { args: ['wasi_fs', ...args], preopens: [{ hostPath: dir, guestPath: '/sandbox' }], ...options });
    inspect?.(dir);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('libc file calls: open/read/write/lseek/pread/pwrite/ftruncate/fallocate/rename/link/symlink/utimensat/readdir', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['libc'], (dir) => {
    // What the guest left behind is really on the host disk.
    assert.deepEqual(readdirSync(dir).sort(), ['list', 'log.txt']);
    assert.equal(readdirSync(join(dir, 'list')).length, 40);
    assert.equal(readFileSync(join(dir, 'log.txt'), 'utf8'), '');
  });
  assert.equal(r.stdout, 'ok\n');
  assert.equal(r.code, 0);
});

test('path_open: CREAT, EXCL, TRUNC, DIRECTORY, fdflags, symlink following, rights and their errnos', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['open'], (dir) => {
    assert.ok(existsSync(join(dir, 'made-through-link')));
    assert.equal(readFileSync(join(dir, 'file'), 'utf8'), 'synced');
  });
  assert.equal(r.stdout, 'ok\n');
});

test('fd_read/fd_write/pread/pwrite/seek/tell/allocate/set_size/advise/sync/set_flags/renumber and their errnos', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['rw'], (dir) => {
    const data = readFileSync(join(dir, 'f'));
    assert.equal(data.length, 1);
    assert.equal(data.toString(), 'h');
  });
  assert.equal(r.stdout, 'ok\n');
});

test('fd_readdir resumes from cookies with a small buffer and lists ., .., files, dirs and links', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['readdir', '25']);
  assert.match(r.stdout, /^rounds=\d+\nok\n$/);
  assert.ok(Number(/rounds=(\d+)/.exec(r.stdout)![1]) > 10);
});

test('path_filestat_get, fd_filestat_get and the set_times calls with ATIM/MTIM and their _NOW flags', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['stat'], (dir) => {
    assert.equal(lstatSync(join(dir, 'l')).mtime.getTime(), 1100000000_000);
    assert.equal(lstatSync(join(dir, 'd')).mtime.getTime(), 1000000000_000);
  });
  assert.equal(r.stdout, 'ok\n');
});

test('mkdir, rmdir, unlink, rename, link, symlink and readlink with their errnos', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['paths'], (dir) => {
    assert.equal(readlinkSync(join(dir, 'sl')), 'some/where');
    assert.equal(readFileSync(join(dir, 'dir', 'hard'), 'utf8'), 'again');
  });
  assert.equal(r.stdout, 'ok\n');
});

test('a guest cannot hold more fds than maxOpenFds (EMFILE); closing frees the lowest number', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['fds'], undefined, { maxOpenFds: 20 });
  assert.equal(r.stdout, 'opened=16\nok\n');
});

test('paths longer than 4096 bytes, names longer than 255 and walks deeper than 256 levels are ENAMETOOLONG', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await fsCommand(['limits']);
  assert.equal(r.stdout, 'ok\n');
});
