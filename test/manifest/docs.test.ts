// The examples in docs/manifest.md and docs/runtime-config.md are valid and mean what the docs say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorSpecs } from '../../src/errors.ts';
import { parseManifest } from '../../src/manifest/load.ts';
import { parseRuntimeConfig } from '../../src/manifest/runtime-config.ts';
import { repoRoot } from '../support/guests.ts';

const doc = (name: string) => readFileSync(join(repoRoot, 'docs', name), 'utf8');
const tomlBlocks = (text: string) => [...text.matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]);

test('the full example in docs/manifest.md parses to what the docs describe', () => {
  const [example] = tomlBlocks(doc('manifest.md'));
  const m = parseManifest(example, '/srv/demo/waft.toml');
  const [fn] = m.functions;
  assert.equal(m.app.name, 'demo');
  assert.deepEqual(fn.routes, ['/hello']);
  assert.equal(fn.limits.memory, 64 * 1024 ** 2);
  assert.equal(fn.limits.timeoutMs, 10_000);
  assert.deepEqual(fn.files, [{ source: '/srv/demo/static', destination: '/static' }]);
});

test('the example in docs/runtime-config.md parses', () => {
  const [example] = tomlBlocks(doc('runtime-config.md'));
  const rc = parseRuntimeConfig(example, '/etc/waft/runtime.toml', '/srv/demo');
  assert.deepEqual(Object.keys(rc.keyValueStores), ['default', 'users', 'cache']);
  assert.equal(rc.keyValueStores.cache.path, '/etc/waft/data/kv');
});

test('docs/manifest.md names every manifest error code', () => {
  const text = doc('manifest.md');
  for (const code of Object.keys(errorSpecs).filter((c) => c.startsWith('WAFT_E_MANIFEST_'))) {
    assert.ok(text.includes(code), `docs/manifest.md does not mention ${code}`);
  }
});
