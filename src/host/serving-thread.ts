// A thread of `waft up --threads N` other than the main one (see ./threads.ts): it loads the
// app itself (from the modules the main thread compiled), listens on the main thread's port with SO_REUSEPORT, runs guests in its own
// sandbox, shares the functions' admissions with the other threads and sends its log lines to
// the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { WaftError } from '../errors.ts';
import { loadManifest } from '../manifest/load.ts';
import { ModuleCache } from '../wasm/cache.ts';
import { loadApp, type LoadedApp } from './app.ts';
import { Logger } from './logger.ts';
import { startServing } from './serving.ts';
import type { FromThread, ThreadData, ToThread } from './threads.ts';

const data = workerData as ThreadData;
const port = parentPort!;
const send = (message: FromThread) => port.postMessage(message);

// Lines are sent once per turn of the event loop, not one message each.
let pending = '';
const logger = new Logger(data.format, {
  write(text: string) {
    if (pending === '') setImmediate(flush);
    pending += text;
  },
});
function flush(): void {
  send({ type: 'log', text: pending });
  pending = '';
}
logger.requests = data.requests;

const cache = new ModuleCache();
for (const m of data.share.modules) cache.add(m);
let app: LoadedApp;
try {
  app = await loadApp(await loadManifest(data.manifest), cache, undefined, data.capabilities, data.share.admissions);
  logger.filter = (line) => app.redactor.redact(line);
  const serving = await startServing({
    host: data.host, port: data.port, reusePort: true, logger, sandbox: data.sandbox,
    tally: new Int32Array(data.tally, data.index * 8, 2), app: () => app,
  });
  port.on('message', (message: ToThread) => {
    if (message.type === 'reload') {
      for (const m of message.share.modules) cache.add(m);
      loadManifest(data.manifest)
        .then((manifest) => loadApp(manifest, cache, app, message.capabilities, message.share.admissions))
        .then((next) => { app = next; send({ type: 'reloaded', error: null }); },
          (err) => send({ type: 'reloaded', error: WaftError.wrap(err).toJSON() }));
    } else {
      serving.stop(message.graceMs).then((clean) => {
        if (pending) flush();
        send({ type: 'stopped', clean });
      });
    }
  });
  send({ type: 'ready' });
} catch (err) {
  send({ type: 'failed', error: WaftError.wrap(err).toJSON() });
}
