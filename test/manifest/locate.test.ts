import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyId, locateKeys } from '../../src/manifest/locate.ts';

function at(text: string, ...path: string[]): [number, number] | undefined {
  const keys = locateKeys(text);
  const found = keys.explicit.get(keyId(path)) ?? keys.implicit.get(keyId(path));
  return found && [found.line, found.column];
}

test('headers, keys and dotted keys', () => {
  const text = '[a]\nx = 1\n  [a.b.c]\n  y.z = 2\n';
  assert.deepEqual(at(text, 'a'), [1, 1]);
  assert.deepEqual(at(text, 'a', 'x'), [2, 1]);
  assert.deepEqual(at(text, 'a', 'b', 'c'), [3, 3]);
  assert.deepEqual(at(text, 'a', 'b'), [3, 3]); // implicit, from the longer header
  assert.deepEqual(at(text, 'a', 'b', 'c', 'y', 'z'), [4, 3]);
  assert.deepEqual(at(text, 'a', 'b', 'c', 'y'), [4, 3]);
});

test('a table written after its sub-table is found at its own header', () => {
  const text = '[f.hello.limits]\nmemory = 1\n[f.hello]\nsource = "x"\n';
  assert.deepEqual(at(text, 'f', 'hello'), [3, 1]);
  assert.deepEqual(at(text, 'f', 'hello', 'limits', 'memory'), [2, 1]);
});

test('quoted keys, with escapes and dots inside', () => {
  const text = '[functions."my.fn"]\n"a b" = 1\n\'lit.key\' = 2\n"\\u0041" = 3\n[ x . "y" ]\n';
  assert.deepEqual(at(text, 'functions', 'my.fn'), [1, 1]);
  assert.deepEqual(at(text, 'functions', 'my.fn', 'a b'), [2, 1]);
  assert.deepEqual(at(text, 'functions', 'my.fn', 'lit.key'), [3, 1]);
  assert.deepEqual(at(text, 'functions', 'my.fn', 'A'), [4, 1]);
  assert.deepEqual(at(text, 'x', 'y'), [5, 1]);
});

test('inline tables and arrays, nested, over several lines, with comments', () => {
  const text = [
    'files = [',
    '  "a", # a comment with ] and }',
    '  { source = "b", destination = "/b" },',
    '  [1, [2, 3]],',
    ']',
    't = { a = { b = 1 }, c = [ { d = 2 } ] }',
  ].join('\n');
  assert.deepEqual(at(text, 'files', '0'), [2, 3]);
  assert.deepEqual(at(text, 'files', '1'), [3, 3]);
  assert.deepEqual(at(text, 'files', '1', 'destination'), [3, 19]);
  assert.deepEqual(at(text, 'files', '2', '1', '0'), [4, 8]);
  assert.deepEqual(at(text, 't', 'a', 'b'), [6, 13]);
  assert.deepEqual(at(text, 't', 'c', '0', 'd'), [6, 30]);
});

test('strings that hold brackets, quotes, "=" and newlines do not confuse the scanner', () => {
  const text = [
    'a = "[not.a.table] = \\" x"',
    "b = 'c:\\path\\'",
    'c = """',
    '[fake.header]',
    'k = 1 """',
    "d = '''",
    "[other] '' ''' ",
    'e = """x""""',
    'f = "\\\\"',
    '[real]',
    'g = 1979-05-27 07:32:00Z # a date with a space',
    'h = 1',
  ].join('\n');
  assert.deepEqual(at(text, 'a'), [1, 1]);
  assert.deepEqual(at(text, 'b'), [2, 1]);
  assert.deepEqual(at(text, 'c'), [3, 1]);
  assert.equal(at(text, 'fake', 'header'), undefined);
  assert.deepEqual(at(text, 'd'), [6, 1]);
  assert.equal(at(text, 'other'), undefined);
  assert.deepEqual(at(text, 'e'), [8, 1]);
  assert.deepEqual(at(text, 'f'), [9, 1]);
  assert.deepEqual(at(text, 'real', 'g'), [11, 1]);
  assert.deepEqual(at(text, 'real', 'h'), [12, 1]);
});

test('arrays of tables get one index per header, nested ones follow the latest parent', () => {
  const text = [
    '[[fruit]]', //           1
    'name = "apple"',
    '[[fruit.variety]]', //   3
    'name = "red"',
    '[[fruit]]', //           5
    'name = "pear"',
    '[[fruit.variety]]', //   7
    '[[fruit.variety]]', //   8
    'name = "b"',
  ].join('\n');
  assert.deepEqual(at(text, 'fruit', '0'), [1, 1]);
  assert.deepEqual(at(text, 'fruit', '0', 'variety', '0', 'name'), [4, 1]);
  assert.deepEqual(at(text, 'fruit', '1'), [5, 1]);
  assert.deepEqual(at(text, 'fruit', '1', 'name'), [6, 1]);
  assert.deepEqual(at(text, 'fruit', '1', 'variety', '0'), [7, 1]);
  assert.deepEqual(at(text, 'fruit', '1', 'variety', '1', 'name'), [9, 1]);
});

test('CRLF line ends and a tab before a key', () => {
  const text = '[a]\r\n\tx = 1\r\ny = "\r"\r\n';
  assert.deepEqual(at(text, 'a', 'x'), [2, 2]);
  assert.deepEqual(at(text, 'a', 'y'), [3, 1]);
});
