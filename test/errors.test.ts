import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorSpecs, WaftError } from '../src/errors.ts';
import { repoRoot } from './support/guests.ts';

test('docs/errors.md documents every error code with its status', () => {
  const doc = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');
  const missing = Object.entries(errorSpecs)
    .filter(([code, spec]) => !new RegExp(`\\|\\s*\`?${code}\`?\\s*\\|\\s*${spec.status}\\s*\\|`).test(doc))
    .map(([code, spec]) => `| ${code} | ${spec.status} | … |`);
  assert.deepEqual(missing, [], `add these rows to docs/errors.md:\n${missing.join('\n')}`);
});

test('every error has a hint that says how to fix it', () => {
  for (const [code, spec] of Object.entries(errorSpecs)) {
    assert.match(code, /^WAFT_E_[A-Z0-9_]+$/);
    assert.ok(spec.hint.length > 20, `${code} needs a real hint`);
    assert.ok(spec.status >= 400 && spec.status < 600, `${code} status`);
  }
});

test('errors survive a trip across a worker boundary', () => {
  const e = new WaftError('WAFT_E_GUEST_TRAP', 'the guest trapped: unreachable', { backtrace: ['f'] });
  const back = WaftError.fromData(structuredClone(e.toJSON()));
  assert.equal(back.code, 'WAFT_E_GUEST_TRAP');
  assert.equal(back.status, 500);
  assert.deepEqual(back.details, { backtrace: ['f'] });
  assert.equal(WaftError.fromData({ code: 'NOPE' as never, message: 'x' }).code, 'WAFT_E_INTERNAL');
});
