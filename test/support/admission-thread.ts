// A thread that shares an Admission with the test's thread (test/triggers/admission.test.ts):
// it acquires when told, says when it got a slot, and releases when told.
import { parentPort, workerData } from 'node:worker_threads';
import { Admission } from '../../src/triggers/http/admission.ts';

const admission = new Admission(workerData.concurrency, workerData.queue, workerData.shared);
let release: (() => void) | null = null;
parentPort!.on('message', async (m: 'acquire' | 'release') => {
  if (m === 'release') {
    release!();
    parentPort!.postMessage('released');
    return;
  }
  try {
    const slot = admission.acquire('f');
    parentPort!.postMessage(slot instanceof Promise ? 'queued' : 'granted');
    release = slot instanceof Promise ? await slot : slot;
    if (slot instanceof Promise) parentPort!.postMessage('granted');
  } catch (err) {
    parentPort!.postMessage((err as { code: string }).code);
  }
});
