// The thread that writes log entries and usage records to a SQLite store, on its own
// connection, so that their inserts and fsyncs never run on the server's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { WaftError } from '../../errors.ts';
import { openSqliteStore } from '../store/sqlite.ts';
import type { WriterRequest, WriterReply } from './sqlite-writer.ts';

const port = parentPort!;
const store = await openSqliteStore((workerData as { path: string }).path);

port.on('message', (msg: WriterRequest | { t: 'close' }) => {
  if (msg.t === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  const write = msg.t === 'logs' ? store.logs.append(JSON.parse(msg.json)) : store.usage.record(JSON.parse(msg.json));
  write.then(
    () => port.postMessage({ id: msg.id, error: null } satisfies WriterReply),
    (err) => port.postMessage({ id: msg.id, error: WaftError.wrap(err).toJSON() } satisfies WriterReply),
  );
});
port.postMessage({ id: 0, error: null } satisfies WriterReply);
