// FdInput and FdOutput: the streams `waft run` uses for a real terminal, file or pipe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, constants as fsc, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WaftError } from '../../src/errors.ts';
import { FdInput, FdOutput, OutputBudget } from '../../src/wasi/streams.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { runWasi } from '../support/run-wasi.ts';

function checksum(data: Uint8Array): string {
  let sum = 0n;
  for (const b of data) sum = BigInt.asUintN(32, sum * 31n + BigInt(b));
  return `total=${data.length} sum=${sum}\n`;
}

test('FdInput reads a file fd to its end and FdOutput writes to a file fd', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-fdio-'));
  try {
    const data = new Uint8Array(70_000).map((_, i) => (i * 13) & 0xff);
    writeFileSync(join(dir, 'in'), data);
    const inFd = openSync(join(dir, 'in'), 'r');
    const outFd = openSync(join(dir, 'out'), 'w');
    try {
      const r = await runWasi(cGuest('wasi_stdio')!, { args: ['g', 'stdin-sum'], stdin: new FdInput(inFd), stdout: new FdOutput(outFd) });
      assert.equal(r.code, 0);
    } finally {
      closeSync(inFd);
      closeSync(outFd);
    }
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), checksum(data));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FdInput on a non-blocking pipe waits (EAGAIN) without blocking the thread, then reads to EOF', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-fdio-'));
  try {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const writer = openSync(fifo, fsc.O_WRONLY | fsc.O_NONBLOCK);
    const data = new Uint8Array(20_000).map((_, i) => (i * 7) & 0xff);
    let sent = 0;
    // The writer only runs on the event loop, so data arrives only while the guest is suspended.
    const feed = (): void => {
      if (sent >= data.length) {
        closeSync(writer);
        return;
      }
      sent += writeSync(writer, data, sent, Math.min(1500, data.length - sent));
      setImmediate(feed);
    };
    setImmediate(feed);
    const stdin = new FdInput(reader, { pollMs: 1 });
    try {
      const r = await runWasi(cGuest('wasi_stdio')!, { args: ['g', 'stdin-sum'], stdin });
      assert.equal(r.stdout, checksum(data));
    } finally {
      closeSync(reader);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('FdOutput counts against a shared budget like CollectOutput', () => {
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-fdio-'));
  try {
    const fd = openSync(join(dir, 'out'), 'w');
    try {
      const budget = new OutputBudget(10);
      const a = new FdOutput(fd, { limit: budget, name: 'stdout' });
      const b = new FdOutput(fd, { limit: budget, name: 'stderr' });
      a.write(new TextEncoder().encode('123456'));
      assert.throws(() => b.write(new TextEncoder().encode('abcdef')), (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_GUEST_OUTPUT_LIMIT' && /stderr/.test(e.message));
      assert.equal(a.isTty, false);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), '123456abcd');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
