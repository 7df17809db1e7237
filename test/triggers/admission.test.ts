// A function's concurrency and queue limits, on one thread and shared between threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { Admission } from '../../src/triggers/http/admission.ts';

function settled<T>(p: Promise<T>): { done: boolean } {
  const state = { done: false };
  p.then(() => { state.done = true; });
  return state;
}

const tick = () => new Promise((r) => setTimeout(r, 20));

test('past concurrency requests wait in order; past the queue they are refused at once', async () => {
  const a = new Admission(2, 2);
  const r1 = a.acquire('f');
  const r2 = a.acquire('f');
  assert.equal(typeof r1, 'function');
  assert.equal(typeof r2, 'function');
  const w1 = a.acquire('f') as Promise<() => void>;
  const w2 = a.acquire('f') as Promise<() => void>;
  assert.ok(w1 instanceof Promise && w2 instanceof Promise);
  assert.throws(() => a.acquire('f'), (err: { code: string; message: string }) =>
    err.code === 'WAFT_E_OVERLOADED' && /function "f" is at its limit: 2 running and 2 waiting/.test(err.message));
  assert.deepEqual([a.running, a.queued], [2, 2]);
  const s1 = settled(w1);
  const s2 = settled(w2);
  (r2 as () => void)();
  (r2 as () => void)(); // a second release of the same slot frees nothing more
  await tick();
  assert.deepEqual([s1.done, s2.done], [true, false], 'the oldest waiter gets the slot, and only one slot was freed');
  assert.deepEqual([a.running, a.queued], [2, 1]);
  (await w1)();
  await w2;
  assert.deepEqual([a.running, a.queued], [2, 0]);
  (r1 as () => void)();
  (await w2)();
  assert.deepEqual([a.running, a.queued], [0, 0]);
});

test('a new request does not overtake one that waits', async () => {
  const a = new Admission(1, 5);
  const first = a.acquire('f') as () => void;
  const waiting = a.acquire('f') as Promise<() => void>;
  first();
  // The slot went to the waiter: a request arriving now waits behind it.
  const late = a.acquire('f');
  assert.ok(late instanceof Promise);
  (await waiting)();
  (await late)();
  assert.equal(a.running, 0);
});

test('threads sharing an admission share its limits, and a release on one thread admits a waiter on another', async () => {
  const mine = new Admission(1, 1);
  const worker = new Worker(new URL('../support/admission-thread.ts', import.meta.url), {
    workerData: { concurrency: 1, queue: 1, shared: mine.shared },
  });
  const next = async () => (await once(worker, 'message'))[0] as string;
  try {
    const release = mine.acquire('f') as () => void;
    worker.postMessage('acquire');
    assert.equal(await next(), 'queued', 'the slot this thread holds counts on the other one');
    assert.throws(() => mine.acquire('f'), { code: 'WAFT_E_OVERLOADED' }, 'the other thread\'s waiter fills the shared queue');
    release();
    assert.equal(await next(), 'granted');
    assert.deepEqual([mine.running, mine.queued], [1, 0]);
    const waiting = mine.acquire('f');
    assert.ok(waiting instanceof Promise);
    worker.postMessage('release');
    assert.equal(await next(), 'released');
    (await waiting)();
    assert.deepEqual([mine.running, mine.queued], [0, 0]);
  } finally {
    await worker.terminate();
  }
});
