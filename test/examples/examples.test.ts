// Each example under examples/ builds with its own build command (in a temporary copy, so no
// build output lands in the repository) and answers real HTTP through the dev server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/host/build.ts';
import { loadManifest } from '../../src/manifest/load.ts';
import { repoRoot } from '../support/guests.ts';
import { serveApp } from '../support/app.ts';
import { ascMissing, cMissing, rustMissing } from '../sdk/support.ts';

const examples: { name: string; language: string; missing: () => string | null }[] = [
  { name: 'hello-c', language: 'C', missing: cMissing },
  { name: 'hello-rust', language: 'Rust', missing: rustMissing },
  { name: 'hello-assemblyscript', language: 'AssemblyScript', missing: ascMissing },
];

test('every hello-* example is covered here', () => {
  const dirs = readdirSync(join(repoRoot, 'examples'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name.startsWith('hello-')).map((e) => e.name).sort();
  assert.deepEqual(dirs, examples.map((e) => e.name).sort());
});

for (const example of examples) {
  test(`examples/${example.name} builds with its build command and answers GET and POST over HTTP`, async (t) => {
    const missing = example.missing();
    if (missing) return t.skip(missing);
    const dir = mkdtempSync(join(tmpdir(), `waft-${example.name}-`));
    // never copy a module someone built in the checkout: the test builds its own
    cpSync(join(repoRoot, 'examples', example.name), dir, { recursive: true, filter: (src) => !src.endsWith('.wasm') });
    const manifest = await loadManifest(dir);
    assert.equal(manifest.app.name, example.name);
    const results = await buildApp(manifest);
    assert.deepEqual(results.map((r) => r.function), ['hello']);

    const app = await serveApp(dir); // removes dir when closed
    t.after(() => app.close());

    const get = await fetch(`${app.url}/world?name=you`);
    assert.equal(get.status, 200);
    assert.match(get.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await get.text(), `Hello from ${example.language}!\npath: /world\nquery: name=you\n`);

    const root = await fetch(`${app.url}/`);
    assert.equal(await root.text(), `Hello from ${example.language}!\npath: /\nquery: \n`);

    const escaped = await fetch(`${app.url}/caf%C3%A9/a%20b?q=%C3%A9`);
    assert.equal(await escaped.text(), `Hello from ${example.language}!\npath: /café/a b\nquery: q=%C3%A9\n`, 'PATH_INFO is decoded, QUERY_STRING is raw');

    const post = await fetch(`${app.url}/echo`, { method: 'POST', body: 'some data' });
    assert.equal(post.status, 200);
    assert.equal(await post.text(), `Hello from ${example.language}!\npath: /echo\nquery: \nbody: some data\n`);

    // past 64 KiB the gateway streams the body into stdin instead of handing it over whole
    const big = Buffer.alloc(200_000);
    for (let i = 0; i < big.length; i++) big[i] = 0x61 + (i % 26);
    const large = await fetch(`${app.url}/big`, { method: 'POST', body: big });
    assert.equal(large.status, 200);
    const echoed = Buffer.from(await large.arrayBuffer());
    const head = Buffer.from(`Hello from ${example.language}!\npath: /big\nquery: \nbody: `);
    assert.equal(echoed.length, head.length + big.length + 1);
    assert.ok(echoed.subarray(0, head.length).equals(head));
    assert.ok(echoed.subarray(head.length, head.length + big.length).equals(big), 'the body comes back byte for byte');

    assert.match(app.logs(), /hello: GET \/world/, 'what the example writes to stderr is in the log');
    assert.match(app.logs(), /hello: POST \/echo/);
  });
}
