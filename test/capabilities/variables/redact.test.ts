import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Redactor } from '../../../src/capabilities/variables/redact.ts';
import { resolveVariables } from '../../../src/capabilities/variables/resolve.ts';

describe('Redactor', () => {
  test('a secret is replaced wherever it appears, twice included', () => {
    const r = new Redactor(['hunter2']);
    assert.equal(r.redact('password=hunter2; again hunter2!'), 'password=[redacted]; again [redacted]!');
  });

  test('text without secrets is returned unchanged', () => {
    const r = new Redactor(['hunter2']);
    assert.equal(r.redact('nothing to see'), 'nothing to see');
    assert.equal(r.redact(''), '');
  });

  test('no secrets, or only empty ones: nothing is redacted', () => {
    assert.equal(new Redactor([]).redact('a b c'), 'a b c');
    assert.equal(new Redactor(['']).redact('a b c'), 'a b c');
    assert.equal(new Redactor(['']).empty, true);
  });

  test('a one-character secret is redacted too', () => {
    assert.equal(new Redactor(['x']).redact('axbxc'), 'a[redacted]b[redacted]c');
  });

  test('overlapping secrets leave no fragment of either', () => {
    const r = new Redactor(['abcdef', 'defghi']);
    assert.equal(r.redact('<abcdefghi>'), '<[redacted]>');
  });

  test('a secret that contains another is redacted as a whole', () => {
    const r = new Redactor(['key', 'my-key-123']);
    assert.equal(r.redact('token my-key-123 and key'), 'token [redacted] and [redacted]');
  });

  test('a secret overlapping itself ("aa" in "aaa") is covered whole', () => {
    assert.equal(new Redactor(['aa']).redact('xaaay'), 'x[redacted]y');
  });

  test('secrets side by side stay two redactions', () => {
    assert.equal(new Redactor(['one', 'two']).redact('onetwo'), '[redacted][redacted]');
  });

  test('a secret in JSON-escaped form is redacted', () => {
    const secret = 'p"a\\ss\nword';
    const r = new Redactor([secret]);
    const line = JSON.stringify({ msg: 'login', password: secret });
    assert.equal(r.redact(line), '{"msg":"login","password":"[redacted]"}');
    assert.equal(r.redact(`raw ${secret} end`), 'raw [redacted] end');
  });

  test('a secret percent-encoded in a URL or form is redacted', () => {
    const secret = 'a b/c&d';
    const r = new Redactor([secret]);
    assert.equal(r.redact('GET /x?key=a%20b%2Fc%26d'), 'GET /x?key=[redacted]');
    assert.equal(r.redact('GET /x?key=a%20b%2fc%26d'), 'GET /x?key=[redacted]');
    assert.equal(r.redact('key=a+b%2Fc%26d'), 'key=[redacted]');
  });

  test('regular-expression characters in a secret are taken literally', () => {
    assert.equal(new Redactor(['.*+?(']).redact('x.*+?(y and xy'), 'x[redacted]y and xy');
  });

  test('forVariables redacts the values of secret variables only', () => {
    const resolved = resolveVariables(
      {
        api_key: { name: 'api_key', default: null, required: true, secret: true },
        region: { name: 'region', default: 'eu-west-1', required: false, secret: false },
      },
      { env: { WAFT_VAR_API_KEY: 'sk-123456' }, dotenv: {}, cli: {} },
    );
    const r = Redactor.forVariables(resolved);
    assert.equal(r.redact('calling eu-west-1 with sk-123456'), 'calling eu-west-1 with [redacted]');
  });
});
