import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WaftError } from '../../src/errors.ts';
import type { WasiHost } from '../../src/wasi/host.ts';
import { BytesInput, CollectOutput, PushInput } from '../../src/wasi/streams.ts';
import { cGuest, clangMissing } from '../support/guests.ts';
import { runWasi } from '../support/run-wasi.ts';

const guest = (): string => cGuest('wasi_poll')!;

/** A stdout that runs `onText` (once the guest is suspended) when the guest writes `text`. */
function watchOutput(text: string, onText: () => void): CollectOutput {
  const out = new CollectOutput();
  const write = out.write.bind(out);
  out.write = (bytes: Uint8Array): void => {
    write(bytes);
    if (new TextDecoder().decode(bytes).includes(text)) setImmediate(onText);
  };
  return out;
}

test('poll_oneoff on clocks: relative and absolute, monotonic and realtime, never early; libc sleeps; EINVAL cases', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'clocks'] });
  assert.equal(r.stdout, 'ok\n');
});

test('poll_oneoff on fds: stdout/stderr writable, files ready with bytes left, bad fds as event errors', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const dir = mkdtempSync(join(tmpdir(), 'waft-wasi-poll-'));
  try {
    const r = await runWasi(guest(), { args: ['g', 'fds'], preopens: [{ hostPath: dir, guestPath: '/d' }] });
    assert.equal(r.stdout, 'ok\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('poll_oneoff wakes on stdin data that arrives while the guest waits', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const stdin = new PushInput();
  const stdout = watchOutput('waiting', () => { stdin.push(new TextEncoder().encode('late data')); stdin.end(); });
  const r = await runWasi(guest(), { args: ['g', 'stdin', '600000'], stdin, stdout });
  assert.equal(r.code, 0);
  assert.equal(stdout.text(), 'waiting\nevent userdata=100 type=1\nread 9: late data\npoll=1 revents_in=1\nok\n');
});

test('poll_oneoff reports stdin at once when it is ready already', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'stdin', '600000'], stdin: new BytesInput('now') });
  assert.match(r.stdout, /^waiting\nevent userdata=100 type=1\nread 3: now\n/);
});

test('poll_oneoff times out when stdin stays silent', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  const r = await runWasi(guest(), { args: ['g', 'stdin', '20'], stdin: new PushInput() });
  assert.equal(r.stdout, 'waiting\nevent userdata=200 type=0\npoll=0 revents_in=0\nok\n');
});

test('abort() ends a guest sleeping in poll_oneoff with the abort reason', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  let host!: WasiHost;
  const stdout = watchOutput('sleeping', () => host.abort(new WaftError('WAFT_E_GUEST_TIMEOUT', 'deadline passed')));
  await assert.rejects(
    runWasi(guest(), { args: ['g', 'sleep', '600000'], stdout, onHost: (h) => { host = h; } }),
    (e: unknown) => e instanceof WaftError && e.code === 'WAFT_E_GUEST_TIMEOUT',
  );
  assert.equal(stdout.text(), 'sleeping\n');
});

test('after abort() a new wait rejects at once', async (t) => {
  if (clangMissing()) return t.skip(clangMissing()!);
  await assert.rejects(
    runWasi(guest(), { args: ['g', 'sleep', '600000'], onHost: (h) => h.abort(new Error('stopped before start')) }),
    /stopped before start/,
  );
});
