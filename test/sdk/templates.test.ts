// `waft new --template c|rust|assemblyscript` makes apps that use the SDKs: the SDK is copied
// into the app's waft/ unchanged, the function is built against it, and its log line comes
// through the ABI's log call (not stderr). test/cli/new.test.ts checks the templates' replies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { newApp } from '../../src/cli/new.ts';
import { buildApp } from '../../src/host/build.ts';
import { loadManifest } from '../../src/manifest/load.ts';
import { serveApp } from '../support/app.ts';
import { ascMissing, cMissing, rustMissing, sdkDir } from './support.ts';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const templates = [
  { template: 'c', sdk: 'c', missing: cMissing },
  { template: 'rust', sdk: 'rust/src', missing: rustMissing },
  { template: 'assemblyscript', sdk: 'assemblyscript/assembly', missing: ascMissing },
];

for (const { template, sdk, missing } of templates) {
  test(`waft new --template ${template}: the app carries sdk/${sdk} in waft/ and logs through the SDK`, async (t) => {
    const root = mkdtempSync(join(tmpdir(), 'waft-new-sdk-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    const { dir, files } = await newApp({ name: 'with-sdk', template, dir: join(root, 'app') });

    const sdkFiles = filesUnder(join(sdkDir, sdk)).filter((f) => !f.endsWith('README.md'));
    assert.ok(sdkFiles.length >= 2);
    assert.deepEqual(files.filter((f) => f.startsWith('waft/')), sdkFiles.map((f) => `waft/${f}`));
    for (const f of sdkFiles) {
      assert.ok(readFileSync(join(dir, 'waft', f)).equals(readFileSync(join(sdkDir, sdk, f))), `waft/${f} is sdk/${sdk}/${f} unchanged`);
    }

    const why = missing();
    if (why) return t.skip(why);
    await buildApp(await loadManifest(dir));
    const module = new WebAssembly.Module(readFileSync(join(dir, 'app.wasm')));
    assert.ok(WebAssembly.Module.imports(module).some((i) => i.module === 'waft' && i.name === 'log'), 'the function imports waft.log');

    const app = await serveApp(dir); // removes dir when closed
    t.after(() => app.close());
    const r = await fetch(`${app.url}/through/the/sdk?x=1`);
    assert.equal(r.status, 200);
    assert.match(await r.text(), /^path: \/through\/the\/sdk$/m);
    assert.match(app.logs(), /with-sdk: \[INFO\] served \/through\/the\/sdk/);
  });
}
