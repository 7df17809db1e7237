// The edges of the ABI: arguments that are not UTF-8, pointers outside memory, the cap on open
// handles, names the ABI does not have, log floods; and docs/abi.md against the host.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { abiFunctionNames, STATUS } from '../../../src/capabilities/abi/index.ts';
import type { Sandbox } from '../../../src/sandbox/pool.ts';
import { compileModule, type CompiledModule } from '../../../src/wasm/cache.ts';
import { readModuleFile } from '../../../src/wasm/load.ts';
import { clangMissing, repoRoot, watGuest } from '../../support/guests.ts';
import { capabilitySandbox, cModule, makeGrant, runGrant } from './support.ts';

let sandbox: Sandbox;
before(() => { sandbox = capabilitySandbox(); });
after(() => sandbox.close());

async function wat(name: string): Promise<CompiledModule> {
  return compileModule(await readModuleFile(await watGuest(name)));
}
const grant = makeGrant({ function: 'edges', variables: { g: 'value' } });
const run = async (name: string, limits = {}) => sandbox.run({ module: await wat(name), grant: runGrant(grant), limits });

test('names and keys that are not UTF-8 are INVALID; a log message that is not UTF-8 is kept with U+FFFD', async () => {
  const r = await run('cap_utf8');
  assert.equal(r.error, null);
  assert.equal(r.exitCode, STATUS.INVALID * 100 + STATUS.INVALID * 10 + STATUS.OK);
  assert.deepEqual(r.logs, [{ level: 2, message: '\ufffd\ufffd', denied: false }]);
});

test('a pointer outside the guest memory traps the guest', async () => {
  const r = await run('cap_oob');
  assert.equal(r.error?.code, 'WAFT_E_GUEST_TRAP');
  assert.match(r.error!.message, /guest pointer 65530\+100 is outside linear memory/);
});

test('handle exhaustion: at most 4096 open handles, TOO_LARGE past it, room again after buf_drop', async () => {
  const r = await run('cap_handles');
  assert.equal(r.error, null);
  assert.equal(r.exitCode, 0);
});

test('a function the ABI does not have is a link error before the guest runs', async () => {
  const r = await run('cap_unknown');
  assert.equal(r.error?.code, 'WAFT_E_GUEST_LINK');
  assert.match(r.error!.message, /kv_teleport/);
});

test('log flood: guest log lines count against max_output', async () => {
  const r = await run('cap_logflood', { maxOutputBytes: 1024 * 1024 });
  assert.equal(r.error?.code, 'WAFT_E_GUEST_OUTPUT_LIMIT');
  assert.ok(r.logs.length < 100, `${r.logs.length} entries were logged`);
  assert.ok(r.logs.every((l) => l.message.length === 16 * 1024 + 1 && l.message.endsWith('…')));
});

test('docs/abi.md lists exactly the functions the host provides', () => {
  const doc = readFileSync(join(repoRoot, 'docs/abi.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## All functions at a glance'));
  const documented = [...table.matchAll(/^\| `(\w+)` \| `\(/gm)].map((m) => m[1]).sort();
  assert.deepEqual(documented, abiFunctionNames().sort());
  for (const name of documented) assert.match(doc, new RegExp(`^### \`${name}\\(`, 'm'), `${name} has its own section`);
});

test('a worker keeps each grant by its key: the key, not the message, says which grant a run has', async (t) => {
  const m = await cModule('cap_script');
  if (!m) return t.skip(clangMissing()!);
  const one = capabilitySandbox({ minWorkers: 1, maxWorkers: 1 });
  const denied = async (grant: { key: string; value: unknown }) =>
    new TextDecoder().decode((await one.run({ module: m, stdin: new TextEncoder().encode('open nope\n'), grant })).stdout);
  try {
    const first = makeGrant({ function: 'first' });
    const second = makeGrant({ function: 'second' });
    assert.match(await denied({ key: 'same-key', value: first }), /function "first" was denied/);
    assert.match(await denied({ key: 'same-key', value: second }), /function "first" was denied/, 'a grant is sent to a worker once per key');
    assert.match(await denied(runGrant(second)), /function "second" was denied/);
  } finally {
    await one.close();
  }
});
