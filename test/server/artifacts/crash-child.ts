// A deploy that is killed part-way, run as a child process by crash.test.ts. It opens the store
// and blob store the test prepared and does one of:
//
//   blob        put two small blobs, then stream a big one that never finishes (the test kills
//               the process while that upload is blocked mid-file)
//   transaction create a version with many files; with `selfKillAfterFiles` (SQLite), the
//               process SIGKILLs itself from inside the version transaction after that many
//               file rows were written; otherwise the test kills it from outside
//   loop        deploy again and again: put blobs, publishVersion, activate
//
// It reports progress as lines on stdout ("ready", "streaming", "begin N", "deployed N").
import { randomBytes } from 'node:crypto';
import { writeSync } from 'node:fs';
import { StatementSync } from 'node:sqlite';
import { BlobStore } from '../../../src/server/artifacts/blobs.ts';
import { publishVersion } from '../../../src/server/artifacts/publish.ts';
import { openPostgresStore } from '../../../src/server/store/postgres.ts';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';
import type { BundleFiles } from '../../../src/server/store/types.ts';

export interface CrashChildConfig {
  backend: 'sqlite' | 'postgres';
  /** SQLite file or Postgres URL. */
  target: string;
  blobDir: string;
  appId: string;
  userId: string;
  scenario: 'blob' | 'transaction' | 'loop';
  /** How many bundle entries each version lists. */
  files: number;
  selfKillAfterFiles?: number;
}

const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};

const config = JSON.parse(process.argv[2]) as CrashChildConfig;

if (config.selfKillAfterFiles !== undefined) {
  // Crash injection: the real store code runs unchanged; this only dies at a chosen statement,
  // which is where a power cut or an OOM kill could strike.
  const proto = StatementSync.prototype as unknown as { run(this: StatementSync, ...args: unknown[]): unknown };
  const run = proto.run;
  let written = 0;
  proto.run = function (this: StatementSync, ...args: unknown[]) {
    if (this.sourceSQL.startsWith('INSERT INTO version_files') && ++written > config.selfKillAfterFiles!) {
      process.kill(process.pid, 'SIGKILL');
    }
    return run.apply(this, args);
  };
}

const store = config.backend === 'sqlite' ? await openSqliteStore(config.target) : await openPostgresStore(config.target);
const blobs = new BlobStore(config.blobDir);
const MAX = 1 << 30;

/** A bundle of `count` entries spread over the given blobs. */
function bundleOf(stored: { sha256: string; size: number }[], count: number): BundleFiles {
  const files: BundleFiles = {};
  for (let i = 0; i < count; i++) files[`assets/${i % 50}/file-${i}.bin`] = stored[i % stored.length];
  return files;
}

say('ready');

if (config.scenario === 'blob') {
  const small = [await blobs.put(randomBytes(2000), { maxBytes: MAX }), await blobs.put(randomBytes(3000), { maxBytes: MAX })];
  async function* endless(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < 256; i++) yield randomBytes(64 * 1024); // 16 MiB
    say('streaming');
    for (let i = 0; i < 4; i++) yield randomBytes(64 * 1024);
    await new Promise(() => {}); // the rest of the upload never arrives
  }
  const big = await blobs.put(endless(), { maxBytes: MAX });
  const v = await publishVersion(store, blobs, { appId: config.appId, createdBy: config.userId, manifest: 'never', files: bundleOf([...small, big], 3) });
  await store.deployments.activate(config.appId, v.id, config.userId, 'deploy');
  say('deployed');
} else if (config.scenario === 'transaction') {
  const stored = [await blobs.put(randomBytes(1000), { maxBytes: MAX }), await blobs.put(randomBytes(1500), { maxBytes: MAX })];
  say('begin');
  const v = await publishVersion(store, blobs, { appId: config.appId, createdBy: config.userId, manifest: 'half', files: bundleOf(stored, config.files) });
  say(`created ${v.number}`);
  await store.deployments.activate(config.appId, v.id, config.userId, 'deploy');
  say(`deployed ${v.number}`);
} else {
  for (let k = 1; ; k++) {
    const stored = [];
    for (let i = 0; i < 3; i++) stored.push(await blobs.put(randomBytes(1000 + 4096 * i + k), { maxBytes: MAX }));
    const v = await publishVersion(store, blobs, { appId: config.appId, createdBy: config.userId, manifest: `# deploy ${k}\n`, files: bundleOf(stored, config.files) });
    await store.deployments.activate(config.appId, v.id, config.userId, 'deploy');
    say(`deployed ${v.number}`);
  }
}
await store.close();
