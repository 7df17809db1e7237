// The key-value conformance suite: every backend runs these tests against a real server.
// A test file calls kvConformance('redis', makeBackend); makeBackend returns a new backend on
// the same storage each time it is called (some tests use two at once), or a skip reason.
// Every test works in namespaces of its own, so runs and backends never share keys.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { WaftError, type ErrorCode } from '../../errors.ts';
import { defaultKvLimits, type KvBackend, type KvStore } from './contract.ts';

const text = new TextEncoder();
const bytes = (s: string) => text.encode(s);

/** UTF-8 byte order, computed here independently of the backends' helpers. */
function utf8Sorted(keys: string[]): string[] {
  return [...keys].sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
}

function sameBytes(actual: Uint8Array | null, expected: Uint8Array, what = 'value'): void {
  assert.ok(actual instanceof Uint8Array, `${what}: expected a Uint8Array, got ${actual === null ? 'null' : typeof actual}`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected), `${what}: bytes differ`);
}

async function rejectsWith(call: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<WaftError> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof WaftError, `expected WaftError ${code}, got ${caught === undefined ? 'success' : String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** Polls until check() is true; the deadline only guards against a hang. */
async function eventually(check: () => Promise<boolean>, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${deadlineMs}ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every key from the cursor on, page by page. */
async function listAll(kv: KvStore, prefix: string, limit?: number, from: string | null = null): Promise<string[]> {
  const keys: string[] = [];
  let cursor = from;
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 100_000, 'list never ended');
    const page = await kv.list(prefix, { cursor, limit });
    keys.push(...page.keys);
    if (page.cursor === null) return keys;
    cursor = page.cursor;
  }
}

// Keys that trip up LIKE, glob, lexicographic and encoding assumptions. U+FF61 sorts before
// U+1F600 in UTF-8 but after it in JavaScript's UTF-16 order.
const oddKeys = [
  '%', '_', 'a%b', 'a_b', 'a*b', 'a?b', 'a[b]', 'a\\b', 'a\\%', "quote'\"", 'sp ace', 'new\nline', 'tab\t',
  'café', 'caf', 'e\u0301', '日本語', '\uff61', '😀', '😀😀', '\u{10ffff}', '\u007f', '\u0001', ':colon:', 'waft:x',
];

interface Ctx {
  backend: KvBackend;
  namespace: string;
  /** A fresh namespace name, unique to this run. */
  freshNamespace(): string;
  /** Another backend on the same storage, closed after the suite. */
  anotherBackend(): Promise<KvBackend>;
}

export function kvConformance(name: string, makeBackend: () => Promise<KvBackend | string>): void {
  describe(`key-value conformance: ${name}`, () => {
    let backend: KvBackend | undefined;
    let skipReason: string | undefined;
    const others: KvBackend[] = [];
    const run = randomBytes(4).toString('hex');
    let counter = 0;
    const freshNamespace = () => `kvt-${run}-${++counter}`;

    before(async () => {
      const made = await makeBackend();
      if (typeof made === 'string') skipReason = made;
      else backend = made;
    });
    after(async () => {
      for (const b of others) await b.close();
      await backend?.close();
    });

    function kvTest(title: string, body: (kv: KvStore, ctx: Ctx) => Promise<void>): void {
      test(title, async (t) => {
        if (skipReason !== undefined || !backend) {
          t.skip(skipReason ?? 'the backend was not made');
          return;
        }
        const namespace = freshNamespace();
        const kv = await backend.open('default', namespace);
        const ctx: Ctx = {
          backend,
          namespace,
          freshNamespace,
          async anotherBackend() {
            const b = await makeBackend();
            if (typeof b === 'string') assert.fail(`a second ${name} backend could not be made: ${b}`);
            others.push(b);
            return b;
          },
        };
        try {
          await body(kv, ctx);
        } finally {
          await kv.close();
        }
      });
    }

    // ── get, set, delete, exists ─────────────────────────────────────────────

    kvTest('get of a missing key is null; set then get returns the same bytes', async (kv) => {
      assert.equal(await kv.get('missing'), null);
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await kv.set('all-bytes', all);
      sameBytes(await kv.get('all-bytes'), all, 'every byte value');
      await kv.set('empty', new Uint8Array(0));
      sameBytes(await kv.get('empty'), new Uint8Array(0), 'empty value');
      assert.equal(await kv.exists('empty'), true, 'an empty value still exists');
      const view = new Uint8Array([9, 9, 1, 2, 3, 9]).subarray(2, 5);
      await kv.set('view', view);
      sameBytes(await kv.get('view'), new Uint8Array([1, 2, 3]), 'a subarray is stored as its own bytes');
    });

    kvTest('set overwrites, and the caller owns the arrays it passes and gets', async (kv) => {
      const first = bytes('first');
      await kv.set('k', first);
      first[0] = 0x58;
      sameBytes(await kv.get('k'), bytes('first'), 'mutating the array after set');
      const got = (await kv.get('k'))!;
      got[0] = 0x58;
      sameBytes(await kv.get('k'), bytes('first'), 'mutating the array get returned');
      await kv.set('k', bytes('second value'));
      sameBytes(await kv.get('k'), bytes('second value'), 'after overwrite');
    });

    kvTest('delete is true only for a key that existed; exists follows set and delete', async (kv) => {
      assert.equal(await kv.exists('k'), false);
      assert.equal(await kv.delete('k'), false);
      await kv.set('k', bytes('v'));
      assert.equal(await kv.exists('k'), true);
      assert.equal(await kv.delete('k'), true);
      assert.equal(await kv.exists('k'), false);
      assert.equal(await kv.get('k'), null);
      assert.equal(await kv.delete('k'), false);
      assert.deepEqual((await kv.list('')).keys, []);
    });

    kvTest('a store opened again sees what an earlier handle wrote', async (kv, { backend, namespace }) => {
      await kv.set('kept', bytes('yes'));
      const again = await backend.open('default', namespace);
      try {
        sameBytes(await again.get('kept'), bytes('yes'));
      } finally {
        await again.close();
      }
    });

    // ── list ─────────────────────────────────────────────────────────────────

    kvTest('keys with odd characters round-trip and list in UTF-8 byte order', async (kv) => {
      for (const key of oddKeys) await kv.set(key, bytes(`value of ${key}`));
      for (const key of oddKeys) sameBytes(await kv.get(key), bytes(`value of ${key}`), `key ${JSON.stringify(key)}`);
      const expected = utf8Sorted(oddKeys);
      assert.notDeepEqual(expected, [...oddKeys].sort(), 'the test keys must tell UTF-8 order from UTF-16 order');
      assert.deepEqual((await kv.list('')).keys, expected);
      assert.deepEqual(await listAll(kv, '', 3), expected);
    });

    kvTest('a prefix with LIKE, glob or range syntax matches only literally', async (kv) => {
      for (const key of oddKeys) await kv.set(key, bytes('v'));
      assert.deepEqual((await kv.list('a%')).keys, ['a%b']);
      assert.deepEqual((await kv.list('a_')).keys, ['a_b']);
      assert.deepEqual((await kv.list('a*')).keys, ['a*b']);
      assert.deepEqual((await kv.list('a?')).keys, ['a?b']);
      assert.deepEqual((await kv.list('a[')).keys, ['a[b]']);
      assert.deepEqual((await kv.list('a\\')).keys, utf8Sorted(['a\\b', 'a\\%']));
      assert.deepEqual((await kv.list('%')).keys, ['%']);
      assert.deepEqual((await kv.list('caf')).keys, ['caf', 'café']);
      assert.deepEqual((await kv.list('😀')).keys, ['😀', '😀😀']);
      assert.deepEqual((await kv.list('\u{10ffff}')).keys, ['\u{10ffff}']);
      assert.deepEqual((await kv.list('nothing-here')).keys, []);
    });

    kvTest('list pages through every key exactly once, whatever the page size', async (kv) => {
      const inside = Array.from({ length: 57 }, (_, i) => `p/${oddKeys[i % oddKeys.length]}/${i}`);
      const outside = ['p', 'p0', 'o/1', 'q/1', 'p.', 'P/1'];
      await Promise.all([...inside, ...outside].map((k) => kv.set(k, bytes(k))));
      const expected = utf8Sorted(inside);
      for (const size of [1, 2, 7, 56, 57, 58, 1000]) {
        const seen = await listAll(kv, 'p/', size);
        assert.deepEqual(seen, expected, `page size ${size}`);
      }
      const first = await kv.list('p/', { limit: 10 });
      assert.equal(first.keys.length, 10);
      assert.notEqual(first.cursor, null);
      assert.deepEqual(first.keys, expected.slice(0, 10));
    });

    kvTest('pagination is stable while keys are written and deleted between pages', async (kv) => {
      const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      await Promise.all(keys.map((k) => kv.set(k, bytes(k))));
      const page1 = await kv.list('k', { limit: 5 });
      assert.deepEqual(page1.keys, keys.slice(0, 5));
      await kv.delete('k02'); // already returned
      await kv.delete('k10'); // not yet returned: must not appear
      await kv.set('k03a', bytes('x')); // sorts before the cursor: must not appear
      await kv.set('k15a', bytes('x')); // sorts after the cursor: must appear
      await kv.set('k07', bytes('rewritten')); // still there: must appear once
      const seen = [...page1.keys, ...await listAll(kv, 'k', 4, page1.cursor)];
      assert.equal(new Set(seen).size, seen.length, `no key twice: ${seen.join(' ')}`);
      for (const k of keys.filter((k) => k !== 'k02' && k !== 'k10')) assert.ok(seen.includes(k), `${k} was listed`);
      assert.ok(!seen.includes('k10'), 'a key deleted before its page is not listed');
      assert.ok(!seen.includes('k03a'), 'a key added behind the cursor is not listed');
      assert.ok(seen.includes('k15a'), 'a key added ahead of the cursor is listed');
      assert.deepEqual(await listAll(kv, 'k', 4), utf8Sorted([...keys.filter((k) => k !== 'k02' && k !== 'k10'), 'k03a', 'k15a']));
    });

    kvTest('list never returns more than maxListPage keys; the cursor brings the rest', async (kv) => {
      const n = defaultKvLimits.maxListPage + 1;
      const keys = Array.from({ length: n }, (_, i) => `many/${String(i).padStart(5, '0')}`);
      for (let i = 0; i < n; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => kv.set(k, bytes('1'))));
      for (const limit of [undefined, n, 1_000_000]) {
        const page = await kv.list('many/', { limit });
        assert.equal(page.keys.length, defaultKvLimits.maxListPage, `limit ${limit}`);
        assert.notEqual(page.cursor, null);
        const next = await kv.list('many/', { limit, cursor: page.cursor });
        assert.deepEqual(next.keys, [keys[n - 1]]);
        assert.equal(next.cursor, null);
      }
    });

    kvTest('list refuses a limit below 1 and a cursor it did not make', async (kv) => {
      await kv.set('a', bytes('1'));
      for (const limit of [0, -1, 1.5, Number.NaN]) {
        await rejectsWith(kv.list('', { limit }), 'WAFT_E_KV_BAD_ARGUMENT', /limit/);
      }
      for (const cursor of ['garbage', 'k1.', 'k1.!!!', 'k1.AA', `k1.${Buffer.from([0xff, 0xfe]).toString('base64url')}`]) {
        await rejectsWith(kv.list('', { cursor }), 'WAFT_E_KV_BAD_ARGUMENT', /cursor/);
      }
      assert.deepEqual(await kv.list('', { cursor: null }), { keys: ['a'], cursor: null });
    });

    // ── increment ────────────────────────────────────────────────────────────

    kvTest('increment starts a missing key at 0 and stores the result as decimal text', async (kv) => {
      assert.equal(await kv.increment('n', 5n), 5n);
      sameBytes(await kv.get('n'), bytes('5'));
      assert.equal(await kv.increment('n', -7n), -2n);
      sameBytes(await kv.get('n'), bytes('-2'));
      assert.equal(await kv.increment('zero', 0n), 0n);
      sameBytes(await kv.get('zero'), bytes('0'));
      await kv.set('typed', bytes('41'));
      assert.equal(await kv.increment('typed', 1n), 42n);
      assert.deepEqual((await kv.list('')).keys, ['n', 'typed', 'zero']);
    });

    kvTest('increment reaches the edges of signed 64 bits and refuses to pass them', async (kv) => {
      const max = 2n ** 63n - 1n;
      const min = -(2n ** 63n);
      await kv.set('hi', bytes(String(max - 1n)));
      assert.equal(await kv.increment('hi', 1n), max);
      await rejectsWith(kv.increment('hi', 1n), 'WAFT_E_KV_NOT_INTEGER', /"hi"/);
      sameBytes(await kv.get('hi'), bytes(String(max)), 'unchanged after the refused increment');
      assert.equal(await kv.increment('lo', min), min);
      await rejectsWith(kv.increment('lo', -1n), 'WAFT_E_KV_NOT_INTEGER');
      sameBytes(await kv.get('lo'), bytes(String(min)));
      assert.equal(await kv.increment('lo', max), -1n);
      for (const delta of [max + 1n, min - 1n, 2n ** 100n]) {
        await rejectsWith(kv.increment('x', delta), 'WAFT_E_KV_BAD_ARGUMENT', /delta/);
      }
      assert.equal(await kv.exists('x'), false);
    });

    kvTest('increment refuses values that are not canonical decimal integers and leaves them alone', async (kv) => {
      const notIntegers = ['', 'abc', '1.5', ' 1', '1 ', '+1', '007', '-0', '0x10', '1e3', '١', '12a', '9223372036854775808', '-9223372036854775809', '99999999999999999999'];
      for (const value of notIntegers) {
        await kv.set('v', bytes(value));
        await rejectsWith(kv.increment('v', 1n), 'WAFT_E_KV_NOT_INTEGER', /not the decimal text|64 bits/);
        sameBytes(await kv.get('v'), bytes(value), `value ${JSON.stringify(value)} left alone`);
      }
      await kv.set('bin', new Uint8Array([0x31, 0x00]));
      await rejectsWith(kv.increment('bin', 1n), 'WAFT_E_KV_NOT_INTEGER');
      await kv.set('bin', new Uint8Array([0xff, 0x31]));
      await rejectsWith(kv.increment('bin', 1n), 'WAFT_E_KV_NOT_INTEGER');
    });

    kvTest('200 concurrent increments add up to exactly 200', async (kv) => {
      const results = await Promise.all(Array.from({ length: 200 }, () => kv.increment('counter', 1n)));
      sameBytes(await kv.get('counter'), bytes('200'));
      assert.deepEqual([...results].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), Array.from({ length: 200 }, (_, i) => BigInt(i + 1)),
        'every increment saw a distinct result');
    });

    kvTest('concurrent increments through two backends on one store add up exactly', async (kv, { namespace, anotherBackend }) => {
      const second = await (await anotherBackend()).open('default', namespace);
      try {
        await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? kv.increment('shared', 1n) : second.increment('shared', 2n))));
        await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? second.increment('shared', 1n) : kv.increment('shared', 2n))));
        assert.equal(await kv.increment('shared', 0n), 300n);
      } finally {
        await second.close();
      }
    });

    // ── ttl ──────────────────────────────────────────────────────────────────

    kvTest('a key with a ttl expires: get is null, exists false, list omits it', async (kv) => {
      await kv.set('long', bytes('stays'), { ttlMs: 3_600_000 });
      await kv.set('plain', bytes('stays'));
      await kv.set('short', bytes('goes'), { ttlMs: 150 });
      await eventually(async () => (await kv.get('short')) === null, 'expiry of "short"');
      assert.equal(await kv.exists('short'), false);
      assert.deepEqual((await kv.list('')).keys, ['long', 'plain']);
      assert.equal(await kv.delete('short'), false, 'deleting an expired key reports it missing');
      sameBytes(await kv.get('long'), bytes('stays'));
      await kv.set('short', bytes('back'));
      sameBytes(await kv.get('short'), bytes('back'), 'an expired key can be written again');
      assert.deepEqual((await kv.list('')).keys, ['long', 'plain', 'short']);
    });

    kvTest('set without ttl drops an earlier ttl', async (kv) => {
      await kv.set('k', bytes('1'), { ttlMs: 200 });
      await kv.set('k', bytes('2'));
      // A witness with the same ttl, written later: once it is gone, k would be gone too.
      await kv.set('witness', bytes('w'), { ttlMs: 200 });
      await eventually(async () => !(await kv.exists('witness')), 'expiry of the witness');
      sameBytes(await kv.get('k'), bytes('2'));
    });

    kvTest('set with a new ttl replaces the old one', async (kv) => {
      await kv.set('k', bytes('1'), { ttlMs: 3_600_000 });
      await kv.set('k', bytes('2'), { ttlMs: 150 });
      await eventually(async () => !(await kv.exists('k')), 'expiry under the new ttl');
    });

    kvTest('increment keeps the ttl of the key', async (kv) => {
      // Retried with a longer ttl if the key expired between set and increment (a slow machine).
      let kept = false;
      for (const ttlMs of [300, 3000, 30_000]) {
        await kv.set('c', bytes('5'), { ttlMs });
        if ((await kv.increment('c', 1n)) !== 6n) continue;
        await kv.set('witness', bytes('w'), { ttlMs });
        await eventually(async () => !(await kv.exists('witness')), 'expiry of the witness', ttlMs + 30_000);
        assert.equal(await kv.exists('c'), false, 'the incremented key expired no later than the witness');
        kept = true;
        break;
      }
      assert.ok(kept, 'the key expired before it could be incremented, even with a 30s ttl');
    });

    kvTest('increment on an expired key starts again from 0', async (kv) => {
      await kv.set('c', bytes('41'), { ttlMs: 100 });
      await eventually(async () => !(await kv.exists('c')), 'expiry of "c"');
      assert.equal(await kv.increment('c', 1n), 1n);
      await kv.set('garbage', bytes('not a number'), { ttlMs: 100 });
      await eventually(async () => !(await kv.exists('garbage')), 'expiry of "garbage"');
      assert.equal(await kv.increment('garbage', 3n), 3n, 'an expired non-integer value no longer counts');
    });

    kvTest('ttlMs must be a whole number of milliseconds from 1 up to 100 years', async (kv) => {
      for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 100 * 365 * 24 * 3600 * 1000 + 1]) {
        await rejectsWith(kv.set('k', bytes('v'), { ttlMs }), 'WAFT_E_KV_BAD_ARGUMENT', /ttlMs/);
      }
      await rejectsWith(kv.set('k', bytes('v'), { ttlMs: '100' as unknown as number }), 'WAFT_E_KV_BAD_ARGUMENT');
      assert.equal(await kv.exists('k'), false);
      await kv.set('k', bytes('v'), { ttlMs: 100 * 365 * 24 * 3600 * 1000 });
      assert.equal(await kv.exists('k'), true);
    });

    // ── limits and hostile input ─────────────────────────────────────────────

    kvTest('NUL in a key (C-string truncation), empty keys and lone surrogates are refused', async (kv) => {
      await kv.set('a', bytes('the real a'));
      for (const key of ['a\0', 'a\0evil', '\0', '', '\ud800', 'x\udfffy']) {
        await rejectsWith(kv.set(key, bytes('evil')), 'WAFT_E_KV_BAD_KEY');
        await rejectsWith(kv.get(key), 'WAFT_E_KV_BAD_KEY');
        await rejectsWith(kv.exists(key), 'WAFT_E_KV_BAD_KEY');
        await rejectsWith(kv.delete(key), 'WAFT_E_KV_BAD_KEY');
        await rejectsWith(kv.increment(key, 1n), 'WAFT_E_KV_BAD_KEY');
      }
      await rejectsWith(kv.list('a\0'), 'WAFT_E_KV_BAD_KEY');
      await rejectsWith(kv.get(42 as unknown as string), 'WAFT_E_KV_BAD_KEY');
      sameBytes(await kv.get('a'), bytes('the real a'));
      assert.deepEqual((await kv.list('')).keys, ['a']);
    });

    kvTest('a key of maxKeyBytes bytes works; one byte more is WAFT_E_KV_TOO_LARGE naming the limit and size', async (kv) => {
      const max = defaultKvLimits.maxKeyBytes;
      const longest = 'k'.repeat(max);
      await kv.set(longest, bytes('ok'));
      sameBytes(await kv.get(longest), bytes('ok'));
      assert.deepEqual((await kv.list('k')).keys, [longest]);
      const over = `${longest}k`;
      const expect = new RegExp(`key is ${max + 1} bytes, over the limit of ${max} bytes \\(maxKeyBytes\\)`);
      const err = await rejectsWith(kv.set(over, bytes('no')), 'WAFT_E_KV_TOO_LARGE', expect);
      assert.deepEqual({ limit: err.details?.limit, max: err.details?.max, size: err.details?.size }, { limit: 'maxKeyBytes', max, size: max + 1 });
      await rejectsWith(kv.get(over), 'WAFT_E_KV_TOO_LARGE', expect);
      await rejectsWith(kv.exists(over), 'WAFT_E_KV_TOO_LARGE', expect);
      await rejectsWith(kv.delete(over), 'WAFT_E_KV_TOO_LARGE', expect);
      await rejectsWith(kv.increment(over, 1n), 'WAFT_E_KV_TOO_LARGE', expect);
      await rejectsWith(kv.list(over), 'WAFT_E_KV_TOO_LARGE', /prefix is \d+ bytes/);
      // Bytes, not characters: 342 × "€" is 1026 bytes of UTF-8 in 342 UTF-16 units.
      const euros = '€'.repeat(Math.floor(max / 3) + 1);
      assert.ok(euros.length < max);
      await rejectsWith(kv.set(euros, bytes('no')), 'WAFT_E_KV_TOO_LARGE', new RegExp(`key is ${Buffer.byteLength(euros)} bytes`));
      const emoji = '😀'.repeat(max / 4);
      await kv.set(emoji, bytes('exactly the limit in 4-byte characters'));
      assert.deepEqual((await kv.list('😀')).keys, [emoji]);
      assert.deepEqual((await kv.list('')).keys, utf8Sorted([longest, emoji]));
    });

    kvTest('a value of maxValueBytes bytes works; one byte more is WAFT_E_KV_TOO_LARGE naming the limit and size', async (kv) => {
      const max = defaultKvLimits.maxValueBytes;
      const big = randomBytes(max);
      await kv.set('big', big);
      sameBytes(await kv.get('big'), big, 'a value of exactly maxValueBytes');
      const err = await rejectsWith(kv.set('big', new Uint8Array(max + 1)), 'WAFT_E_KV_TOO_LARGE',
        new RegExp(`value is ${max + 1} bytes, over the limit of ${max} bytes \\(maxValueBytes\\)`));
      assert.equal(err.details?.limit, 'maxValueBytes');
      sameBytes(await kv.get('big'), big, 'the refused write left the old value');
      await rejectsWith(kv.set('other', new Uint8Array(max * 4)), 'WAFT_E_KV_TOO_LARGE');
      assert.equal(await kv.exists('other'), false);
      for (const value of ['text', null, [1, 2], new ArrayBuffer(4)]) {
        await rejectsWith(kv.set('k', value as unknown as Uint8Array), 'WAFT_E_KV_BAD_ARGUMENT', /Uint8Array/);
      }
    });

    // ── isolation ────────────────────────────────────────────────────────────

    kvTest('two namespaces never see each other\'s keys', async (kv, { backend, freshNamespace }) => {
      const other = await backend.open('default', freshNamespace());
      try {
        await kv.set('shared-name', bytes('mine'));
        await other.set('shared-name', bytes('theirs'));
        await kv.set('only-mine', bytes('1'));
        await other.increment('counter', 5n);
        sameBytes(await kv.get('shared-name'), bytes('mine'));
        sameBytes(await other.get('shared-name'), bytes('theirs'));
        assert.equal(await other.get('only-mine'), null);
        assert.equal(await other.exists('only-mine'), false);
        assert.equal(await other.delete('only-mine'), false);
        assert.equal(await kv.exists('counter'), false);
        assert.equal(await kv.increment('counter', 1n), 1n);
        assert.equal(await other.increment('counter', 1n), 6n);
        assert.deepEqual((await kv.list('')).keys, ['counter', 'only-mine', 'shared-name']);
        assert.deepEqual((await other.list('')).keys, ['counter', 'shared-name']);
        assert.equal(await kv.delete('shared-name'), true);
        sameBytes(await other.get('shared-name'), bytes('theirs'));
      } finally {
        await other.close();
      }
    });

    kvTest('two stores of one namespace never see each other\'s keys', async (kv, { backend, namespace }) => {
      const cache = await backend.open('cache', namespace);
      try {
        await kv.set('k', bytes('default'));
        await cache.set('k', bytes('cache'));
        await cache.set('c-only', bytes('1'));
        sameBytes(await kv.get('k'), bytes('default'));
        sameBytes(await cache.get('k'), bytes('cache'));
        assert.deepEqual((await kv.list('')).keys, ['k']);
        assert.deepEqual((await cache.list('')).keys, ['c-only', 'k']);
      } finally {
        await cache.close();
      }
    });

    kvTest('names that would join ambiguously stay apart ("a" + "b.c" vs "a.b" + "c")', async (_kv, { backend, namespace }) => {
      const one = await backend.open('b.c', `${namespace}-a`);
      const two = await backend.open('c', `${namespace}-a.b`);
      try {
        await one.set('k', bytes('one'));
        await two.set('k', bytes('two'));
        sameBytes(await one.get('k'), bytes('one'));
        sameBytes(await two.get('k'), bytes('two'));
        assert.deepEqual((await one.list('')).keys, ['k']);
      } finally {
        await one.close();
        await two.close();
      }
    });

    kvTest('namespace and store names cannot smuggle separators or paths (path escape through "../")', async (_kv, { backend }) => {
      const bad = ['', '../escape', '..', '.hidden', 'a/b', 'a\\b', 'a:b', 'a#b', 'a b', 'a\0b', 'x'.repeat(129), 'é'];
      for (const name of bad) {
        await rejectsWith(backend.open('default', name), 'WAFT_E_KV_BAD_NAME', /namespace/);
        await rejectsWith(backend.open(name, 'fine-namespace'), 'WAFT_E_KV_BAD_NAME', /store name/);
      }
    });

    // ── lifecycle ────────────────────────────────────────────────────────────

    kvTest('a closed store refuses calls with WAFT_E_KV_CLOSED; other handles keep working', async (kv, { backend, namespace }) => {
      const handle = await backend.open('default', namespace);
      await handle.set('k', bytes('v'));
      await handle.close();
      await handle.close();
      await rejectsWith(handle.get('k'), 'WAFT_E_KV_CLOSED', /key-value store "default" is closed/);
      await rejectsWith(handle.set('k', bytes('v')), 'WAFT_E_KV_CLOSED');
      await rejectsWith(handle.list(''), 'WAFT_E_KV_CLOSED');
      await rejectsWith(handle.increment('n', 1n), 'WAFT_E_KV_CLOSED');
      sameBytes(await kv.get('k'), bytes('v'));
    });

    kvTest('a closed backend closes its stores and refuses to open more', async (_kv, { anotherBackend, freshNamespace }) => {
      const b = await anotherBackend();
      const ns = freshNamespace();
      const kv = await b.open('default', ns);
      await kv.set('k', bytes('v'));
      await b.close();
      await rejectsWith(kv.get('k'), 'WAFT_E_KV_CLOSED');
      await rejectsWith(b.open('default', ns), 'WAFT_E_KV_CLOSED');
      await b.close();
    });
  });
}
