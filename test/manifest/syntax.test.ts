// The small grammars the manifest checks: templates, suggestions, names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameProblem } from '../../src/manifest/names.ts';
import { closest, editDistance } from '../../src/util/suggest.ts';
import { parseTemplate, renderTemplate } from '../../src/manifest/templates.ts';

test('templates: text and references, rendered', () => {
  const parsed = parseTemplate('{{ greeting }}, {{name}}! {{ greeting }}');
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.references, ['greeting', 'name']);
  assert.equal(renderTemplate(parsed.parts, { greeting: 'hi', name: 'ann' }), 'hi, ann! hi');
  const plain = parseTemplate('no references }} at all');
  assert.ok(plain.ok);
  assert.deepEqual(plain.parts, [{ text: 'no references }} at all' }]);
  assert.equal(renderTemplate(plain.parts, {}), 'no references }} at all');
  assert.deepEqual(parseTemplate(''), { ok: true, parts: [], references: [] });
});

test('templates: unclosed and empty references are refused; rendering needs every value', () => {
  assert.equal(parseTemplate('{{ a').ok, false);
  assert.equal(parseTemplate('{{}}').ok, false);
  assert.equal(parseTemplate('{{ a b }}').ok, false);
  const parsed = parseTemplate('{{ a }}');
  assert.ok(parsed.ok);
  assert.throws(() => renderTemplate(parsed.parts, {}), { code: 'WAFT_E_INTERNAL' });
});

test('edit distance counts a swap of neighbours as one edit', () => {
  assert.equal(editDistance('route', 'route'), 0);
  assert.equal(editDistance('rout', 'route'), 1);
  assert.equal(editDistance('memroy', 'memory'), 1);
  assert.equal(editDistance('', 'abc'), 3);
  assert.equal(editDistance('kitten', 'sitting'), 3);
});

test('closest: typos, case and "-" for "_", abbreviations; nothing for unrelated words', () => {
  const keys = ['source', 'route', 'routes', 'key_value_stores', 'allowed_outbound_hosts', 'environment'];
  assert.equal(closest('rout', keys), 'route');
  assert.equal(closest('Route', keys), 'route');
  assert.equal(closest('key-value-stores', keys), 'key_value_stores');
  assert.equal(closest('allowed_outbound_host', keys), 'allowed_outbound_hosts');
  assert.equal(closest('environ', keys), 'environment');
  assert.equal(closest('colour', keys), null);
  assert.equal(closest('x', keys), null);
});

test('names', () => {
  assert.equal(nameProblem('hello'), null);
  assert.equal(nameProblem('a-1_b'), null);
  assert.match(nameProblem('Hello World') ?? '', /e\.g\. "hello-world"/);
  assert.match(nameProblem('_x') ?? '', /start with a letter/);
  assert.match(nameProblem('') ?? '', /start with a letter/);
  assert.match(nameProblem('a'.repeat(64)) ?? '', /longer than 63/);
});
