import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BlobStore } from '../../../src/server/artifacts/blobs.ts';
import { publishVersion } from '../../../src/server/artifacts/publish.ts';
import { openSqliteStore } from '../../../src/server/store/sqlite.ts';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'waft-blobs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function* chunked(data: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.byteLength; i += size) yield data.subarray(i, i + size);
}

async function tempFiles(blobs: BlobStore): Promise<string[]> {
  try {
    return await readdir(join(blobs.dir, 'tmp'));
  } catch {
    return [];
  }
}

async function allBlobs(blobs: BlobStore): Promise<string[]> {
  const out: string[] = [];
  for await (const s of blobs.list()) out.push(s);
  return out.sort();
}

test('put stores bytes under their sha256 at DIR/sha256/ab/cdef…', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(100_000);
  const got = await blobs.put(data, { maxBytes: 1 << 20 });
  assert.deepEqual(got, { sha256: sha(data), size: data.byteLength });
  assert.equal(blobs.path(got.sha256), join(blobs.dir, 'sha256', got.sha256.slice(0, 2), got.sha256.slice(2)));
  assert.deepEqual(Buffer.from(await readFile(blobs.path(got.sha256))), data);
  assert.deepEqual(Buffer.from(await blobs.read(got.sha256)), data);
  assert.equal(await blobs.size(got.sha256), data.byteLength);
  assert.equal(await blobs.has(got.sha256), true);
  assert.equal(await blobs.verify(got.sha256), true);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('put streams an async iterable of chunks and checks the declared hash', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(3 * 65536 + 17);
  const got = await blobs.put(chunked(data, 4096), { maxBytes: data.byteLength, expectedSha256: sha(data) });
  assert.deepEqual(got, { sha256: sha(data), size: data.byteLength });
  assert.deepEqual(Buffer.from(await blobs.read(got.sha256)), data);
});

test('the empty blob is a blob', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const got = await blobs.put(new Uint8Array(0), { maxBytes: 0 });
  assert.equal(got.sha256, sha(new Uint8Array(0)));
  assert.equal(got.size, 0);
  assert.equal(await blobs.size(got.sha256), 0);
});

test('putting the same content twice stores it once', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(5000);
  const a = await blobs.put(data, { maxBytes: 10_000 });
  const b = await blobs.put(chunked(data, 100), { maxBytes: 10_000, expectedSha256: a.sha256 });
  assert.deepEqual(a, b);
  assert.deepEqual(await allBlobs(blobs), [a.sha256]);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('concurrent puts of the same content all succeed and leave one complete blob', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(300_000);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => blobs.put(chunked(data, 1000 + i * 777), { maxBytes: 1 << 20 })));
  for (const r of results) assert.deepEqual(r, { sha256: sha(data), size: data.byteLength });
  assert.deepEqual(await allBlobs(blobs), [sha(data)]);
  assert.equal(await blobs.verify(sha(data)), true);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('an upload over maxBytes is stopped with WAFT_E_BUNDLE_TOO_LARGE and leaves nothing behind', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(10_001);
  let pulled = 0;
  async function* counting(): AsyncIterable<Uint8Array> {
    for (let i = 0; i < 1000; i++) {
      pulled++;
      yield data.subarray(0, 1000);
    }
  }
  await assert.rejects(blobs.put(counting(), { maxBytes: 10_000 }), { code: 'WAFT_E_BUNDLE_TOO_LARGE' });
  assert.equal(pulled, 11, 'reading stopped at the first chunk past the limit');
  await assert.rejects(blobs.put(data, { maxBytes: 10_000 }), { code: 'WAFT_E_BUNDLE_TOO_LARGE' });
  assert.deepEqual(await allBlobs(blobs), []);
  assert.deepEqual(await tempFiles(blobs), []);
  // Exactly at the limit is fine.
  assert.equal((await blobs.put(data.subarray(0, 10_000), { maxBytes: 10_000 })).size, 10_000);
});

test('an upload that does not match its declared sha256 is refused and not kept (WAFT_E_BLOB_HASH_MISMATCH)', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const data = randomBytes(2000);
  const claimed = sha(randomBytes(10));
  await assert.rejects(blobs.put(chunked(data, 300), { maxBytes: 10_000, expectedSha256: claimed }), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'WAFT_E_BLOB_HASH_MISMATCH');
    assert.equal(err.details?.actual, sha(data));
    return true;
  });
  assert.equal(await blobs.has(claimed), false);
  assert.equal(await blobs.has(sha(data)), false);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('a source that fails mid-upload leaves no temp file and no blob', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  async function* broken(): AsyncIterable<Uint8Array> {
    yield randomBytes(1000);
    throw new Error('client went away');
  }
  await assert.rejects(blobs.put(broken(), { maxBytes: 10_000 }), /client went away/);
  assert.deepEqual(await allBlobs(blobs), []);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('blob names that are not sha256 hex cannot reach outside the store (path escape)', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  for (const bad of ['../../etc/passwd', `../${'a'.repeat(61)}`, 'A'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), '', `${'a'.repeat(62)}/x`]) {
    assert.throws(() => blobs.path(bad), { code: 'WAFT_E_BLOB_HASH_INVALID' });
    await assert.rejects(blobs.has(bad), { code: 'WAFT_E_BLOB_HASH_INVALID' });
    await assert.rejects(blobs.read(bad), { code: 'WAFT_E_BLOB_HASH_INVALID' });
    await assert.rejects(blobs.put(new Uint8Array(1), { maxBytes: 1, expectedSha256: bad }), { code: 'WAFT_E_BLOB_HASH_INVALID' });
  }
});

test('reading a blob that is not stored is WAFT_E_BLOB_NOT_FOUND', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const missing = sha(new Uint8Array([1, 2, 3]));
  assert.equal(await blobs.has(missing), false);
  await assert.rejects(blobs.read(missing), { code: 'WAFT_E_BLOB_NOT_FOUND' });
  await assert.rejects(blobs.size(missing), { code: 'WAFT_E_BLOB_NOT_FOUND' });
  await assert.rejects(blobs.verify(missing), { code: 'WAFT_E_BLOB_NOT_FOUND' });
});

test('verify notices a blob whose bytes were changed on disk', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  const { sha256 } = await blobs.put(randomBytes(100), { maxBytes: 100 });
  await writeFile(blobs.path(sha256), randomBytes(100));
  assert.equal(await blobs.verify(sha256), false);
});

test('removeStaleTemp removes leftovers older than the given age and keeps fresh ones', async (t) => {
  const blobs = new BlobStore(await tempDir(t));
  await blobs.put(randomBytes(10), { maxBytes: 10 }); // creates DIR/tmp
  const old = join(blobs.dir, 'tmp', 'old.part');
  const fresh = join(blobs.dir, 'tmp', 'fresh.part');
  await writeFile(old, 'x');
  await writeFile(fresh, 'y');
  const past = new Date(Date.now() - 2 * 60 * 60 * 1000);
  await utimes(old, past, past);
  assert.equal(await blobs.removeStaleTemp(60 * 60 * 1000), 1);
  assert.deepEqual(await tempFiles(blobs), ['fresh.part']);
  assert.equal(await blobs.removeStaleTemp(0), 1);
  assert.deepEqual(await tempFiles(blobs), []);
});

test('publishVersion refuses a version whose blobs are missing or of another size, and stores it once they are there', async (t) => {
  const dir = await tempDir(t);
  const blobs = new BlobStore(join(dir, 'blobs'));
  const store = await openSqliteStore(join(dir, 'waft.db'));
  t.after(() => store.close());
  await store.migrate();
  const alice = await store.users.create('alice', false);
  const app = await store.apps.create(alice.id, 'shop');
  const wasm = randomBytes(4000);
  const html = randomBytes(300);
  const files = {
    'api.wasm': { sha256: sha(wasm), size: wasm.byteLength },
    'static/index.html': { sha256: sha(html), size: html.byteLength },
  };
  await blobs.put(wasm, { maxBytes: 1 << 20 });
  await assert.rejects(publishVersion(store, blobs, { appId: app.id, createdBy: alice.id, manifest: 'm', files }), (err: Error & { code?: string; details?: Record<string, unknown> }) => {
    assert.equal(err.code, 'WAFT_E_BLOB_MISSING');
    assert.deepEqual(err.details?.missing, [{ path: 'static/index.html', sha256: sha(html), size: 300, stored: null }]);
    return true;
  });
  await assert.rejects(
    publishVersion(store, blobs, { appId: app.id, createdBy: alice.id, manifest: 'm', files: { 'api.wasm': { sha256: sha(wasm), size: 3999 } } }),
    { code: 'WAFT_E_BLOB_MISSING' },
  );
  assert.deepEqual(await store.versions.list(app.id), []);
  await blobs.put(html, { maxBytes: 1 << 20 });
  const v = await publishVersion(store, blobs, { appId: app.id, createdBy: alice.id, manifest: 'm', files });
  assert.equal(v.number, 1);
  assert.deepEqual((await store.versions.get(v.id))!.files, files);
});
