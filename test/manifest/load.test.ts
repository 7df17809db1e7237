import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../src/manifest/load.ts';
import { lines } from './support.ts';

async function tempApp(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'waft-manifest-')));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const manifest = (...extra: string[]) => lines('[app]', 'name = "demo"', '[functions.hello]', 'source = "hello.wasm"', 'route = "/hello"', ...extra);

test('loadManifest accepts the app directory or the file itself', async (t) => {
  const dir = await tempApp(t);
  await writeFile(join(dir, 'waft.toml'), manifest());
  const fromDir = await loadManifest(dir);
  const fromFile = await loadManifest(join(dir, 'waft.toml'));
  assert.equal(fromDir.file, join(dir, 'waft.toml'));
  assert.equal(fromDir.dir, dir);
  assert.equal(fromDir.functions[0].source, join(dir, 'hello.wasm'));
  assert.deepEqual(fromFile, fromDir);
  assert.equal(fromFile.locate(['functions', 'hello', 'route']).line, 5);
});

test('loadManifest accepts a manifest under another name', async (t) => {
  const dir = await tempApp(t);
  await writeFile(join(dir, 'staging.toml'), manifest());
  assert.equal((await loadManifest(join(dir, 'staging.toml'))).file, join(dir, 'staging.toml'));
});

test('loadManifest: a directory without waft.toml, and a missing file', async (t) => {
  const dir = await tempApp(t);
  const noManifest = await loadManifest(dir).catch((e) => e);
  assert.equal(noManifest.code, 'WAFT_E_FILE_NOT_FOUND');
  assert.ok(noManifest.message.includes('waft.toml: no such manifest; create waft.toml there'), noManifest.message);
  const missing = await loadManifest(join(dir, 'nope.toml')).catch((e) => e);
  assert.equal(missing.code, 'WAFT_E_FILE_NOT_FOUND');
  assert.equal(missing.details.file, join(dir, 'nope.toml'));
});

test('loadManifest reports validation errors with the real file path', async (t) => {
  const dir = await tempApp(t);
  await writeFile(join(dir, 'waft.toml'), manifest('rout = "/x"'));
  const err = await loadManifest(dir).catch((e) => e);
  assert.equal(err.code, 'WAFT_E_MANIFEST_UNKNOWN_KEY');
  assert.equal(err.details.file, join(dir, 'waft.toml'));
  assert.equal(err.details.line, 6);
  assert.ok(err.message.includes('waft.toml:6:1: unknown key "rout" in [functions.hello]; did you mean "route"?'), err.message);
});

test('path escape through a symlink in a files source', async (t) => {
  const dir = await tempApp(t);
  const outside = await tempApp(t);
  await writeFile(join(outside, 'secret.txt'), 'secret');
  await symlink(outside, join(dir, 'static'));
  await writeFile(join(dir, 'waft.toml'), manifest('files = ["static"]'));
  const err = await loadManifest(dir).catch((e) => e);
  assert.equal(err.code, 'WAFT_E_MANIFEST_FILES');
  assert.equal(err.details.line, 6);
  assert.ok(err.message.includes(`symbolic link to ${outside}, outside the app directory`), err.message);
});

test('path escape through a symlinked parent directory of a files source', async (t) => {
  const dir = await tempApp(t);
  const outside = await tempApp(t);
  await mkdir(join(outside, 'etc'));
  await symlink(outside, join(dir, 'link'));
  await writeFile(join(dir, 'waft.toml'), manifest('[[functions.hello.files]]', 'source = "link/etc"', 'destination = "/etc"'));
  const err = await loadManifest(dir).catch((e) => e);
  assert.equal(err.code, 'WAFT_E_MANIFEST_FILES');
  assert.equal(err.details.line, 7);
});

test('symlinks that stay inside the app directory, and sources a build has not made yet, are fine', async (t) => {
  const dir = await tempApp(t);
  await mkdir(join(dir, 'public'));
  await symlink(join(dir, 'public'), join(dir, 'static'));
  await writeFile(join(dir, 'waft.toml'), manifest('files = ["static", "dist"]'));
  const m = await loadManifest(dir);
  assert.deepEqual(m.functions[0].files, [
    { source: join(dir, 'static'), destination: '/static' },
    { source: join(dir, 'dist'), destination: '/dist' },
  ]);
});
