// The WAGI guest → response half of the contract: the CGI reply on the guest's stdout.
// Header lines up to the first blank line, then the body. See docs/wagi.md.

import { WaftError } from '../../errors.ts';
import { formatBytes } from '../../util/units.ts';

export interface CgiHead {
  status: number;
  /** Response headers in the order written, Content-Type and Location included, Status not. */
  headers: [string, string][];
  /** Names of headers the guest wrote that waft does not pass on (framing and hop-by-hop). Read-only. */
  ignored: string[];
}

const LF = 10;
const CR = 13;
const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
const PREVIEW_CHARS = 80;

// RFC 9110 token: the only characters a header name may have.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// What Node accepts in a header value (read as latin1): tab, visible ASCII, and 0x80–0xff.
const BAD_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS = /^([0-9]{3})(?:[ \t]+([^]*))?$/;

// waft frames the response itself (Content-Length or chunked) and owns the connection, so
// these are dropped. A guest's Content-Length in particular could disagree with its body.
const NOT_PASSED_ON = new Set([
  'connection', 'content-length', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
]);

// Statuses whose responses carry no body, so a Content-Type would say nothing.
const BODILESS = new Set([204, 304]);

const EMPTY = new Uint8Array(0);
const NONE: string[] = Object.freeze([]) as unknown as string[];
const HOW = 'A WAGI guest\'s output must start with a "Content-Type:" header line (e.g. "Content-Type: text/plain"), then a blank line, then the body';

/** The start of some output, escaped and cut to ~80 characters, for messages. */
export function previewBytes(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, PREVIEW_CHARS * 4)).toString('utf8');
  const cut = text.length > PREVIEW_CHARS || bytes.byteLength > PREVIEW_CHARS * 4;
  return JSON.stringify(text.slice(0, PREVIEW_CHARS)) + (cut ? '…' : '');
}

function malformed(message: string, head: Uint8Array, details: Record<string, unknown> = {}): WaftError {
  return new WaftError('WAFT_E_CGI_MALFORMED', message, { ...details, output: previewBytes(head) });
}

/** Reads the CGI header block at the start of a guest's stdout. */
export class CgiParser {
  readonly #max: number;
  /** Copies of the chunks seen so far, while the head is incomplete. */
  #chunks: Uint8Array[] = [];
  #buffered = 0;
  /** Bytes since the last LF. */
  #lineLen = 0;
  /** The last byte seen (to spot a CR that ends one chunk before the LF of the next). */
  #last = -1;
  #head: CgiHead | null = null;

  constructor(options: { maxHeaderBytes?: number } = {}) {
    this.#max = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  }

  /**
   * Feeds stdout. Null until the blank line that ends the headers has arrived; then the head
   * and the body bytes of this chunk after it (a view into `chunk`). After that, do not call
   * push() again: the rest of stdout is body.
   */
  push(chunk: Uint8Array): { head: CgiHead; body: Uint8Array } | null {
    if (this.#head !== null) throw new WaftError('WAFT_E_INTERNAL', 'CgiParser.push() was called after the head was returned; later chunks are body');
    const size = chunk.byteLength;
    // The blank line must start within #max bytes, so its LF is at most 2 bytes later: no
    // need to look further (nor to keep a huge chunk that has no blank line).
    const limit = Math.min(size, this.#max + 2 - this.#buffered);
    let lineLen = this.#lineLen;
    let prev = this.#last;
    for (let i = 0; i < limit; i++) {
      const b = chunk[i];
      if (b !== LF) {
        lineLen++;
        prev = b;
        continue;
      }
      if (lineLen === 0 || (lineLen === 1 && prev === CR)) {
        // Blank line. The header block is everything before it.
        const headLen = this.#buffered + i - lineLen;
        if (headLen > this.#max) throw this.#tooLarge(chunk);
        let block: Uint8Array;
        if (this.#buffered === 0) {
          block = chunk.subarray(0, headLen);
        } else {
          this.#chunks.push(chunk.subarray(0, i));
          block = Buffer.concat(this.#chunks, headLen);
        }
        this.#chunks = [];
        const head = parseHead(block);
        this.#head = head;
        return { head, body: chunk.subarray(i + 1) };
      }
      lineLen = 0;
      prev = b;
    }
    if (limit < size) throw this.#tooLarge(chunk);
    if (size === 0) return null;
    this.#lineLen = lineLen;
    this.#last = prev;
    // The chunk may be reused by its producer once we return: keep a copy.
    this.#chunks.push(chunk.slice());
    this.#buffered += size;
    return null;
  }

  /**
   * Stdout has ended. Throws WAFT_E_CGI_MALFORMED when the blank line never came. If push()
   * returned the head already, returns it again with an empty body.
   */
  end(): { head: CgiHead; body: Uint8Array } {
    if (this.#head !== null) return { head: this.#head, body: EMPTY };
    const out = this.#buffered === 0 ? EMPTY : Buffer.concat(this.#chunks, Math.min(this.#buffered, PREVIEW_CHARS * 4));
    if (this.#buffered === 0) {
      throw malformed(`the guest wrote nothing to stdout. ${HOW}.`, out, { bytes: 0 });
    }
    throw malformed(
      `the guest's output (${this.#buffered} bytes) ended before the blank line that ends the CGI headers. ${HOW}. The output began: ${previewBytes(out)}`,
      out, { bytes: this.#buffered },
    );
  }

  #tooLarge(chunk: Uint8Array): WaftError {
    const first = this.#chunks.length > 0 ? this.#chunks[0] : chunk;
    return malformed(
      `the guest's CGI header block is larger than ${formatBytes(this.#max)} (no blank line within its first ${this.#max} bytes); write fewer or shorter headers, or check that the output has a blank line after them. ${HOW}. The output began: ${previewBytes(first)}`,
      first, { maxHeaderBytes: this.#max },
    );
  }
}

function parseHead(block: Uint8Array): CgiHead {
  // latin1 keeps one char per byte, which is what Node writes back out for header values.
  const text = Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('latin1');
  const headers: [string, string][] = [];
  let ignored: string[] | null = null;
  let status = 0;
  let statusLine = '';
  let contentType = false;
  let location = false;
  let lineNo = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) {
      throw malformed(`${lineAt(lineNo)}, ${JSON.stringify(line)}, starts with whitespace: folded (continued) header lines are not supported; put each header on one line`, block, { line: lineNo });
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      const nph = line.startsWith('HTTP/') ? ' waft does not take a raw HTTP status line (non-parsed-header output); write "Status: 404 Not Found" instead.' : '';
      throw malformed(`${lineAt(lineNo)}, ${JSON.stringify(line)}, is not a "Name: value" header.${nph} ${HOW}. The output began: ${previewBytes(block)}`, block, { line: lineNo });
    }
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) {
      throw malformed(`${lineAt(lineNo)} has the header name ${JSON.stringify(name)}, which is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_\`|~ only, no spaces)`, block, { line: lineNo });
    }
    const value = trimOws(line.slice(colon + 1));
    if (BAD_VALUE_CHAR.test(value)) {
      throw malformed(`${lineAt(lineNo)}: the value of ${JSON.stringify(name)} has a control character (${JSON.stringify(value)}); header values cannot hold CR, NUL or other control characters`, block, { line: lineNo, header: name });
    }
    const lower = name.toLowerCase();
    if (lower === 'status') {
      if (statusLine !== '') throw malformed(`${lineAt(lineNo)}: "Status" appears twice; write it once`, block, { line: lineNo });
      statusLine = value === '' ? ' ' : value;
      const m = STATUS.exec(value);
      const code = m ? Number(m[1]) : 0;
      if (!m || code < 200 || code > 599) {
        throw new WaftError('WAFT_E_CGI_BAD_STATUS',
          `the guest's "Status: ${value}" header (${lineAt(lineNo)}) is not valid: write a three-digit code from 200 to 599, optionally followed by a reason, e.g. "Status: 404 Not Found"`,
          { line: lineNo, value });
      }
      status = code;
      continue;
    }
    if (lower === 'content-type' || lower === 'location') {
      if (lower === 'content-type' ? contentType : location) throw malformed(`${lineAt(lineNo)}: "${name}" appears twice; write it once`, block, { line: lineNo, header: name });
      if (value === '') throw malformed(`${lineAt(lineNo)}: "${name}" has an empty value`, block, { line: lineNo, header: name });
      if (lower === 'content-type') contentType = true;
      else location = true;
      headers.push([name, value]);
      continue;
    }
    if (NOT_PASSED_ON.has(lower)) {
      (ignored ??= []).push(name);
      continue;
    }
    headers.push([name, value]);
  }
  if (status === 0) status = location ? 302 : 200;
  if (!contentType && !location && !BODILESS.has(status)) {
    const seen = headers.length > 0 || statusLine !== ''
      ? `the headers it wrote were: ${[...(statusLine !== '' ? ['Status'] : []), ...headers.map(([n]) => n), ...(ignored ?? [])].join(', ')}`
      : block.byteLength === 0 ? 'its output started with a blank line' : 'it wrote no headers';
    throw new WaftError('WAFT_E_CGI_NO_CONTENT_TYPE',
      `the guest's CGI headers have no Content-Type (and no Location): ${seen}. ${HOW}.`,
      { headers: headers.map(([n]) => n), output: previewBytes(block) });
  }
  return { status, headers, ignored: ignored ?? NONE };
}

function lineAt(lineNo: number): string {
  return `line ${lineNo} of the guest's CGI headers`;
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
