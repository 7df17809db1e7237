import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import { parseDotenv } from '../../../src/capabilities/variables/dotenv.ts';

function syntaxError(text: string): WaftError {
  try {
    parseDotenv(text, '.env');
  } catch (err) {
    assert.ok(err instanceof WaftError, String(err));
    assert.equal(err.code, 'WAFT_E_DOTENV_SYNTAX');
    return err;
  }
  assert.fail(`expected a syntax error for ${JSON.stringify(text)}`);
}

describe('parseDotenv', () => {
  test('KEY=value, blank lines, comments, export, spaces around "="', () => {
    const text = [
      '# a comment',
      '',
      'api_key=abc123',
      '  region = eu-west ',
      'export TOKEN=t0k',
      'export\tTABBED=yes',
      'EMPTY=',
      'WITH_HASH=a#b',
      'COLOR=#fff',
      'INLINE=value # trailing comment',
      'SPACED=two words',
      'URL=https://x.test/?a=1&b=2',
      '   # indented comment',
    ].join('\n');
    assert.deepEqual(parseDotenv(text, '.env'), {
      api_key: 'abc123',
      region: 'eu-west',
      TOKEN: 't0k',
      TABBED: 'yes',
      EMPTY: '',
      WITH_HASH: 'a#b',
      COLOR: '#fff',
      INLINE: 'value',
      SPACED: 'two words',
      URL: 'https://x.test/?a=1&b=2',
    });
  });

  test('quotes: single is literal, double takes escapes, both keep spaces and #', () => {
    const text = [
      `SINGLE='  raw \\n # not a comment '`,
      `DOUBLE="line1\\nline2\\t\\"q\\" \\\\ \\x # kept"`,
      `AFTER="v" # comment after the quote`,
      `EMPTY_Q=""`,
      `EQUALS='a=b=c'`,
    ].join('\n');
    assert.deepEqual(parseDotenv(text, '.env'), {
      SINGLE: '  raw \\n # not a comment ',
      DOUBLE: 'line1\nline2\t"q" \\ \\x # kept',
      AFTER: 'v',
      EMPTY_Q: '',
      EQUALS: 'a=b=c',
    });
  });

  test('quoted values may span lines (a PEM key)', () => {
    const text = 'KEY="-----BEGIN KEY-----\nabc\n-----END KEY-----"\nNEXT=1\n';
    assert.deepEqual(parseDotenv(text, '.env'), { KEY: '-----BEGIN KEY-----\nabc\n-----END KEY-----', NEXT: '1' });
  });

  test('CRLF line ends and a byte-order mark', () => {
    assert.deepEqual(parseDotenv('\uFEFFA=1\r\nB="2"\r\n', '.env'), { A: '1', B: '2' });
  });

  test('errors carry file:line', () => {
    const cases: [string, string][] = [
      ['A=1\nB\n', '.env:2: "B" has no "=": write B=value'],
      ['A=1\n\n=value\n', '.env:3: a line starts with "=": write KEY=value'],
      ['1ABC=x', '.env:1: expected KEY=value, where KEY is letters, digits and "_" and does not start with a digit'],
      ['A-B=x', '.env:1: expected "=" after "A"'],
      ['# c\nA="open\nB=2\n', '.env:2: the value of A opens a double quote that is never closed'],
      ["A='open", '.env:1: the value of A opens a single quote that is never closed'],
      ['A="x"\nB="v" junk', '.env:2: unexpected text after the closing quote of B; put a comment after " #"'],
      ['A="multi\nline" junk', '.env:2: unexpected text after the closing quote of A; put a comment after " #"'],
      ['A=1\nB=2\nA=3', '.env:3: A is already set on line 1; each key may appear once'],
    ];
    for (const [text, message] of cases) {
      const err = syntaxError(text);
      assert.equal(err.message, message, JSON.stringify(text));
      assert.equal(err.details?.file, '.env');
    }
  });

  test('the file name given is the one in the message', () => {
    const err = syntaxError('oops');
    assert.match(err.message, /^\.env:1: /);
    assert.throws(() => parseDotenv('oops', 'apps/shop/.env'), /^WaftError: apps\/shop\/\.env:1: /);
  });

  test('syntax errors never show the value (it may be a secret)', () => {
    const secret = 'sk-live-0123456789';
    for (const text of [`A="${secret}`, `A="${secret}" ${secret}`, `A=${secret}\nA=${secret}`, `${secret}`, `A ${secret}`]) {
      const err = syntaxError(text);
      assert.doesNotMatch(`${err.message} ${JSON.stringify(err.details)}`, /0123456789/, text);
    }
  });
});
