import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { CgiParser, previewBytes, type CgiHead } from '../../src/executors/wagi/cgi.ts';
import { WaftError } from '../../src/errors.ts';

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Feeds the chunks; returns head and the whole body (the caller's forwarding included). */
function run(chunks: Uint8Array[], options?: { maxHeaderBytes?: number }): { head: CgiHead; body: Uint8Array; pushesUntilHead: number } {
  const parser = new CgiParser(options);
  const body: Uint8Array[] = [];
  let head: CgiHead | null = null;
  let pushes = 0;
  for (const chunk of chunks) {
    if (head) {
      body.push(chunk);
      continue;
    }
    pushes++;
    const r = parser.push(chunk);
    if (r) {
      head = r.head;
      body.push(r.body);
    }
  }
  if (!head) {
    const r = parser.end();
    head = r.head;
    body.push(r.body);
  }
  return { head, body: Buffer.concat(body), pushesUntilHead: pushes };
}

const one = (s: string) => run([bytes(s)]);

function fails(fn: () => unknown, code: string, message?: RegExp): WaftError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof WaftError, `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

describe('the head', () => {
  test('Content-Type and a body, \\n line ends', () => {
    const { head, body } = one('Content-Type: text/plain\n\nhello\n');
    assert.deepEqual(head, { status: 200, headers: [['Content-Type', 'text/plain']], ignored: [] });
    assert.equal(Buffer.from(body).toString(), 'hello\n');
  });

  test('\\r\\n line ends, and a mix of both', () => {
    assert.deepEqual(one('Content-Type: text/html\r\nX-A: 1\r\n\r\n<p>').head.headers, [['Content-Type', 'text/html'], ['X-A', '1']]);
    assert.equal(Buffer.from(one('Content-Type: text/html\r\nX-A: 1\r\n\r\n<p>').body).toString(), '<p>');
    assert.deepEqual(one('Content-Type: a/b\nX-A: 1\r\n\n').head.headers, [['Content-Type', 'a/b'], ['X-A', '1']]);
    assert.deepEqual(one('Content-Type: a/b\r\n\nbody').head.headers, [['Content-Type', 'a/b']]);
    assert.equal(Buffer.from(one('Content-Type: a/b\n\r\nbody').body).toString(), 'body');
  });

  test('names keep their case; values lose surrounding spaces and tabs; order and repeats are kept', () => {
    const { head } = one('content-type:text/plain\nSet-Cookie: a=1\nset-cookie:   b=2 \t\nX-Empty:\nX-Inner:  a  b  \n\n');
    assert.deepEqual(head.headers, [
      ['content-type', 'text/plain'], ['Set-Cookie', 'a=1'], ['set-cookie', 'b=2'], ['X-Empty', ''], ['X-Inner', 'a  b'],
    ]);
  });

  test('a colon in the value stays in the value', () => {
    assert.deepEqual(one('Content-Type: text/plain\nLink: <http://a:1/b>; rel=next\n\n').head.headers[1], ['Link', '<http://a:1/b>; rel=next']);
  });

  test('UTF-8 bytes in a value pass through byte for byte (as latin1 chars, which Node writes back as the same bytes)', () => {
    const { head } = run([bytes('Content-Type: text/plain\nX-Name: Jürgen\n\n')]);
    const value = head.headers[1][1];
    assert.deepEqual(Buffer.from(value, 'latin1'), Buffer.from('Jürgen', 'utf8'));
  });
});

describe('status', () => {
  const statusOf = (s: string) => one(s).head.status;
  test('"Status: 404 Not Found", "Status: 404", extra spaces, any case', () => {
    assert.equal(statusOf('Status: 404 Not Found\nContent-Type: text/plain\n\n'), 404);
    assert.equal(statusOf('Content-Type: text/plain\nStatus: 201\n\n'), 201);
    assert.equal(statusOf('status:   503   Busy  \nContent-Type: text/plain\n\n'), 503);
    assert.equal(statusOf('STATUS: 200 OK\nContent-Type: text/plain\n\n'), 200);
    assert.equal(statusOf('Status: 418\tI\'m a teapot\nContent-Type: text/plain\n\n'), 418);
  });
  test('Status is not passed on as a header', () => {
    assert.deepEqual(one('Status: 404\nContent-Type: text/plain\n\n').head.headers, [['Content-Type', 'text/plain']]);
  });
  test('default 200', () => {
    assert.equal(statusOf('Content-Type: text/plain\n\n'), 200);
  });

  const bad = ['abc', '', '40', '4040', '404Not Found', '099', '100 Continue', '101', '199', '600', '999', '-200', '２００', 'HTTP/1.1 200', '200.0', ' 0x1F4'];
  for (const value of bad) {
    test(`bad status ${JSON.stringify(value)} → WAFT_E_CGI_BAD_STATUS 502`, () => {
      const e = fails(() => one(`Status: ${value}\nContent-Type: text/plain\n\n`), 'WAFT_E_CGI_BAD_STATUS', /three-digit code from 200 to 599.*"Status: 404 Not Found"/);
      assert.equal(e.status, 502);
      assert.match(e.message, /line 1 of the guest's CGI headers/);
    });
  }

  test('Status twice → malformed', () => {
    fails(() => one('Status: 200\nStatus: 404\nContent-Type: text/plain\n\n'), 'WAFT_E_CGI_MALFORMED', /"Status" appears twice/);
  });
});

describe('Location', () => {
  test('Location alone → 302', () => {
    assert.deepEqual(one('Location: /elsewhere\n\n').head, { status: 302, headers: [['Location', '/elsewhere']], ignored: [] });
  });
  test('Location with Status → the Status', () => {
    assert.equal(one('Location: https://example.com/\nStatus: 301 Moved Permanently\n\n').head.status, 301);
    assert.equal(one('Status: 303\nLocation: /x\n\n').head.status, 303);
    assert.equal(one('Status: 307\r\nLocation: /x\r\n\r\n').head.status, 307);
  });
  test('Location with Content-Type and a body → 302 with both', () => {
    const { head, body } = one('Location: /x\nContent-Type: text/html\n\n<a href="/x">moved</a>');
    assert.equal(head.status, 302);
    assert.deepEqual(head.headers, [['Location', '/x'], ['Content-Type', 'text/html']]);
    assert.equal(Buffer.from(body).toString(), '<a href="/x">moved</a>');
  });
  test('an empty Location → malformed', () => {
    fails(() => one('Location:\n\n'), 'WAFT_E_CGI_MALFORMED', /"Location" has an empty value/);
  });
  test('Location twice → malformed', () => {
    fails(() => one('Location: /a\nLocation: /b\n\n'), 'WAFT_E_CGI_MALFORMED', /"Location" appears twice/);
  });
});

describe('no Content-Type', () => {
  test('headers but no Content-Type → WAFT_E_CGI_NO_CONTENT_TYPE 502, naming the headers seen', () => {
    const e = fails(() => one('X-Powered-By: C\nStatus: 200\n\nhello'), 'WAFT_E_CGI_NO_CONTENT_TYPE');
    assert.equal(e.status, 502);
    assert.match(e.message, /no Content-Type \(and no Location\)/);
    assert.match(e.message, /the headers it wrote were: Status, X-Powered-By/);
    assert.match(e.message, /must start with a "Content-Type:" header line .* then a blank line, then the body/);
  });
  test('output that starts with a blank line', () => {
    fails(() => one('\nhello'), 'WAFT_E_CGI_NO_CONTENT_TYPE', /its output started with a blank line/);
    fails(() => one('\r\nhello'), 'WAFT_E_CGI_NO_CONTENT_TYPE', /started with a blank line/);
  });
  test('an empty Content-Type is not a Content-Type', () => {
    fails(() => one('Content-Type:   \n\n'), 'WAFT_E_CGI_MALFORMED', /"Content-Type" has an empty value/);
  });
  test('Content-Type twice → malformed', () => {
    fails(() => one('Content-Type: text/plain\ncontent-type: text/html\n\n'), 'WAFT_E_CGI_MALFORMED', /appears twice/);
  });
  test('204 and 304 need no Content-Type (they have no body)', () => {
    assert.deepEqual(one('Status: 204 No Content\n\n').head, { status: 204, headers: [], ignored: [] });
    assert.equal(one('Status: 304\nETag: "x"\n\n').head.status, 304);
    fails(() => one('Status: 200\n\n'), 'WAFT_E_CGI_NO_CONTENT_TYPE');
  });
});

describe('chunking', () => {
  const whole = 'Status: 201 Created\r\nContent-Type: application/json\r\nX-Id: 7\r\n\r\n{"ok":true}';

  test('every split point of a \\r\\n reply gives the same head and body', () => {
    const all = bytes(whole);
    const want = one(whole);
    for (let i = 0; i <= all.length; i++) {
      const got = run([all.subarray(0, i), all.subarray(i)]);
      assert.deepEqual(got.head, want.head, `split at ${i}`);
      assert.equal(Buffer.from(got.body).toString(), '{"ok":true}', `split at ${i}`);
    }
  });

  test('every pair of split points of a \\n reply', () => {
    const text = 'Content-Type: text/plain\nX-A: 1\n\nbody!';
    const all = bytes(text);
    for (let i = 0; i <= all.length; i++) {
      for (let j = i; j <= all.length; j++) {
        const got = run([all.subarray(0, i), all.subarray(i, j), all.subarray(j)]);
        assert.deepEqual(got.head.headers, [['Content-Type', 'text/plain'], ['X-A', '1']], `${i}/${j}`);
        assert.equal(Buffer.from(got.body).toString(), 'body!', `${i}/${j}`);
      }
    }
  });

  test('one byte at a time: null until the blank line, then the head with an empty body', () => {
    const all = bytes('Content-Type: text/plain\r\n\r\nhi');
    const parser = new CgiParser();
    let i = 0;
    for (; i < all.length; i++) {
      const r = parser.push(all.subarray(i, i + 1));
      if (r) {
        assert.equal(r.body.byteLength, 0);
        assert.deepEqual(r.head.headers, [['Content-Type', 'text/plain']]);
        break;
      }
    }
    assert.equal(i, 'Content-Type: text/plain\r\n\r\n'.length - 1, 'the head arrives with the last byte of the blank line');
  });

  test('the CR of the blank line at the end of one chunk, its LF at the start of the next', () => {
    const got = run([bytes('Content-Type: text/plain\r\n\r'), bytes('\nbody')]);
    assert.deepEqual(got.head.headers, [['Content-Type', 'text/plain']]);
    assert.equal(Buffer.from(got.body).toString(), 'body');
    assert.equal(got.pushesUntilHead, 2);
  });

  test('a CR ending one chunk that is not part of a blank line', () => {
    const got = run([bytes('Content-Type: text/plain\r'), bytes('\nX-A: 1\r'), bytes('\n\r'), bytes('\nz')]);
    assert.deepEqual(got.head.headers, [['Content-Type', 'text/plain'], ['X-A', '1']]);
    assert.equal(Buffer.from(got.body).toString(), 'z');
  });

  test('empty chunks are harmless', () => {
    const got = run([new Uint8Array(0), bytes('Content-Type: a/b\n'), new Uint8Array(0), bytes('\nx')]);
    assert.equal(Buffer.from(got.body).toString(), 'x');
  });

  test('the body returned is a view of the chunk, not a copy', () => {
    const chunk = bytes('Content-Type: a/b\n\nxyz');
    const r = new CgiParser().push(chunk)!;
    assert.equal(r.body.buffer, chunk.buffer);
    assert.equal(r.body.byteOffset, chunk.byteOffset + chunk.byteLength - 3);
  });

  test('a chunk reused by its producer after push() does not change the head', () => {
    const buf = new Uint8Array(64);
    const parser = new CgiParser();
    const first = bytes('Content-Type: text/pl');
    buf.set(first);
    assert.equal(parser.push(buf.subarray(0, first.length)), null);
    buf.fill(0x58);
    const r = parser.push(bytes('ain\n\n'))!;
    assert.deepEqual(r.head.headers, [['Content-Type', 'text/plain']]);
  });
});

describe('bodies', () => {
  test('empty body', () => {
    const { body } = one('Content-Type: text/plain\n\n');
    assert.equal(body.byteLength, 0);
  });

  test('binary body with CR, LF, NUL and blank-line bytes inside is untouched', () => {
    const binary = Uint8Array.from([0, 13, 10, 13, 10, 10, 10, 255, 254, 0x89, 0x50, 0x4e, 0x47]);
    const { head, body } = run([bytes('Content-Type: image/png\r\n\r\n'), binary]);
    assert.equal(head.headers[0][1], 'image/png');
    assert.deepEqual(Buffer.from(body), Buffer.from(binary));
    const same = run([Buffer.concat([bytes('Content-Type: image/png\n\n'), binary])]);
    assert.deepEqual(Buffer.from(same.body), Buffer.from(binary));
  });

  test('the first blank line ends the head; later blank lines are body', () => {
    const { head, body } = one('Content-Type: text/plain\n\nX-Not-A-Header: 1\n\nmore');
    assert.equal(head.headers.length, 1);
    assert.equal(Buffer.from(body).toString(), 'X-Not-A-Header: 1\n\nmore');
  });
});

describe('framing and hop-by-hop headers are not passed on', () => {
  test('Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade, TE, Trailer, Proxy-Connection → ignored', () => {
    const { head } = one([
      'Content-Type: text/plain', 'Content-Length: 5', 'Transfer-Encoding: chunked', 'Connection: close', 'Keep-Alive: timeout=5',
      'Upgrade: websocket', 'TE: trailers', 'Trailer: X', 'Proxy-Connection: keep-alive', 'X-Kept: yes', '', 'hello',
    ].join('\n'));
    assert.deepEqual(head.headers, [['Content-Type', 'text/plain'], ['X-Kept', 'yes']]);
    assert.deepEqual(head.ignored, ['Content-Length', 'Transfer-Encoding', 'Connection', 'Keep-Alive', 'Upgrade', 'TE', 'Trailer', 'Proxy-Connection']);
  });
});

describe('malformed output', () => {
  test('the guest wrote nothing', () => {
    const e = fails(() => new CgiParser().end(), 'WAFT_E_CGI_MALFORMED', /the guest wrote nothing to stdout/);
    assert.equal(e.status, 502);
    assert.match(e.message, /must start with a "Content-Type:" header line/);
  });

  test('a body without headers: ends before the blank line, first bytes shown', () => {
    const p = new CgiParser();
    assert.equal(p.push(bytes('Hello, world!\n')), null);
    const e = fails(() => p.end(), 'WAFT_E_CGI_MALFORMED');
    assert.equal(e.status, 502);
    assert.match(e.message, /ended before the blank line that ends the CGI headers/);
    assert.match(e.message, /must start with a "Content-Type:" header line \(e\.g\. "Content-Type: text\/plain"\), then a blank line, then the body/);
    assert.match(e.message, /The output began: "Hello, world!\\n"$/);
    assert.equal(e.details?.bytes, 14);
  });

  test('headers without the blank line', () => {
    const p = new CgiParser();
    assert.equal(p.push(bytes('Content-Type: text/plain\r\n')), null);
    fails(() => p.end(), 'WAFT_E_CGI_MALFORMED', /ended before the blank line.*"Content-Type: text\/plain\\r\\n"/);
  });

  test('the preview is escaped and cut to about 80 characters', () => {
    const p = new CgiParser();
    p.push(bytes('\x1b[31mred\x00' + 'x'.repeat(500)));
    const e = fails(() => p.end(), 'WAFT_E_CGI_MALFORMED');
    const shown = /The output began: (.*)$/.exec(e.message)![1];
    assert.ok(shown.startsWith('"\\u001b[31mred\\u0000xxx'), shown);
    assert.ok(shown.endsWith('"…'));
    assert.ok(shown.length < 110, `${shown.length}`);
  });

  test('previewBytes shows UTF-8 text as text and broken bytes as \\ufffd', () => {
    assert.equal(previewBytes(bytes('grüß\n')), '"grüß\\n"');
    assert.equal(previewBytes(Uint8Array.from([0xff, 0x41])), '"\ufffdA"');
    assert.equal(previewBytes(new Uint8Array(0)), '""');
  });

  test('an HTML body before any header: a line that is not "Name: value"', () => {
    const e = fails(() => one('<html><body>hi</body></html>\n\n'), 'WAFT_E_CGI_MALFORMED',
      /line 1 of the guest's CGI headers, "<html><body>hi<\/body><\/html>", is not a "Name: value" header/);
    assert.match(e.message, /The output began: /);
  });

  test('a raw HTTP status line (NPH output) gets a pointed hint', () => {
    fails(() => one('HTTP/1.1 200 OK\nContent-Type: text/plain\n\n'), 'WAFT_E_CGI_MALFORMED', /write "Status: 404 Not Found" instead/);
  });

  test('a line starting with ":"', () => {
    fails(() => one('Content-Type: a/b\n: value\n\n'), 'WAFT_E_CGI_MALFORMED', /line 2 .* is not a "Name: value" header/);
  });

  test('folded header lines', () => {
    fails(() => one('Content-Type: text/plain\nX-Long: a\n  continued\n\n'), 'WAFT_E_CGI_MALFORMED', /line 3 .* starts with whitespace: folded/);
  });

  test('invalid header names: spaces, non-ASCII, brackets', () => {
    for (const name of ['Content Type', 'Content-Type ', 'X-Ünicode', 'X[1]', 'X"q"']) {
      fails(() => run([latin1(`${name}: v\nContent-Type: a/b\n\n`)]), 'WAFT_E_CGI_MALFORMED', /not a valid HTTP header name/);
    }
  });

  test('response splitting: a bare CR or other control character inside a value', () => {
    for (const value of ['a\rSet-Cookie: evil=1', 'a\x00b', 'a\x7fb', 'a\x1bb']) {
      fails(() => one(`Content-Type: text/plain\nX-Evil: ${value}\n\n`), 'WAFT_E_CGI_MALFORMED', /has a control character/);
    }
  });

  test('header block over maxHeaderBytes in one chunk', () => {
    const e = fails(() => run([bytes('Content-Type: text/plain\nX-Big: ' + 'a'.repeat(200) + '\n\nbody')], { maxHeaderBytes: 100 }),
      'WAFT_E_CGI_MALFORMED', /header block is larger than 100B/);
    assert.equal(e.details?.maxHeaderBytes, 100);
  });

  test('header block over maxHeaderBytes without a blank line: fails as soon as it cannot fit, not at the end', () => {
    const p = new CgiParser({ maxHeaderBytes: 64 });
    assert.equal(p.push(bytes('X: ' + 'a'.repeat(40))), null);
    fails(() => p.push(bytes('a'.repeat(40))), 'WAFT_E_CGI_MALFORMED', /larger than 64B.*The output began: "X: aaa/);
  });

  test('the default limit is 64 KiB, and a block of exactly the limit is accepted', () => {
    const line = (n: number) => 'X-Pad: ' + 'p'.repeat(n - 8) + '\n';
    const ct = 'Content-Type: text/plain\n';
    const exact = ct + line(64 * 1024 - ct.length);
    assert.equal(exact.length, 64 * 1024);
    assert.equal(run([bytes(exact + '\nok')]).head.status, 200);
    assert.equal(run([bytes(exact + '\r\nok')]).head.status, 200);
    const p = new CgiParser();
    assert.equal(p.push(bytes(exact)), null);
    assert.equal(p.push(bytes('\r')), null, 'the CR of the blank line still fits');
    assert.ok(p.push(bytes('\nok')));
    fails(() => run([bytes(exact + 'X: 1\n\nok')]), 'WAFT_E_CGI_MALFORMED', /larger than 64KiB/);
  });
});

describe('use after the head', () => {
  test('push() after the head is a caller bug', () => {
    const p = new CgiParser();
    assert.ok(p.push(bytes('Content-Type: a/b\n\n')));
    fails(() => p.push(bytes('more')), 'WAFT_E_INTERNAL', /after the head was returned/);
  });
  test('end() after the head returns it again with an empty body', () => {
    const p = new CgiParser();
    const r = p.push(bytes('Status: 404\nContent-Type: a/b\n\nbody'))!;
    const again = p.end();
    assert.equal(again.head, r.head);
    assert.equal(again.body.byteLength, 0);
  });
});
