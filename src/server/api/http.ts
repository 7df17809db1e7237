// Reading API requests and writing API responses: JSON bodies within a size limit, the one
// error shape ({ error: { code, message, details, hint, requestId } }), and JSON replies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WaftError } from '../../errors.ts';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** The error body of the API. Internal errors keep their details (a stack) out of the reply. */
function errorBody(error: WaftError, requestId: string): { error: Record<string, unknown> } {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details !== undefined && error.code !== 'WAFT_E_INTERNAL') body.details = error.details;
  body.hint = error.hint;
  body.requestId = requestId;
  return { error: body };
}

export function sendApiError(res: ServerResponse, error: WaftError, requestId: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const extra: Record<string, string> = { ...headers };
  if (error.status === 503) extra['retry-after'] = '1';
  sendJson(res, error.status, errorBody(error, requestId), extra);
}

/** Is this request's Content-Type JSON (any charset)? A missing type counts as not JSON. */
function isJson(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (!type) return false;
  const base = type.split(';')[0].trim().toLowerCase();
  return base === 'application/json' || (base.startsWith('application/') && base.endsWith('+json'));
}

function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function tooLarge(what: string, limit: number, size: number | null): WaftError {
  return new WaftError('WAFT_E_REQUEST_TOO_LARGE',
    `the ${what} is ${size === null ? 'over' : `${size} bytes, over`} the limit of ${limit} bytes for this endpoint`, { limit, ...(size === null ? {} : { size }) });
}

/** The whole body, at most `limit` bytes; stops reading as soon as it passes the limit. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) throw tooLarge('request body', limit, declared);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > limit) throw tooLarge('request body', limit, null);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/**
 * A JSON body. An empty body is `undefined` when `optional`, else an error. The type must say
 * JSON whenever there is a body.
 */
export async function readJson(req: IncomingMessage, limit: number, optional = false): Promise<unknown> {
  const declared = declaredLength(req);
  const hasBody = declared === null ? req.headers['transfer-encoding'] !== undefined : declared > 0;
  if (hasBody && !isJson(req)) {
    const type = req.headers['content-type'];
    throw new WaftError('WAFT_E_UNSUPPORTED_MEDIA_TYPE',
      `the body must be JSON with Content-Type: application/json, not ${type ? JSON.stringify(type.slice(0, 100)) : 'a body without a Content-Type'}`,
      { contentType: type ?? null });
  }
  const bytes = await readBody(req, limit);
  if (bytes.byteLength === 0) {
    if (optional) return undefined;
    throw new WaftError('WAFT_E_REQUEST_INVALID', 'body: missing; this endpoint takes a JSON object', { field: 'body' });
  }
  if (!isJson(req)) {
    throw new WaftError('WAFT_E_UNSUPPORTED_MEDIA_TYPE', 'the body must be JSON with Content-Type: application/json', { contentType: null });
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WaftError('WAFT_E_REQUEST_INVALID', 'body: is not valid UTF-8', { field: 'body' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new WaftError('WAFT_E_REQUEST_INVALID', `body: is not valid JSON: ${(err as Error).message}`, { field: 'body' });
  }
}

/**
 * After an error reply to a request whose body was not read to the end: read and throw away
 * the rest, so that a client still sending it (an upload refused before its body was read) can
 * finish and read the reply. Closing the connection at once would make its next write fail
 * (EPIPE) before it saw the reply. Past `maxBytes` the connection is closed all the same.
 */
export function discardUnreadBody(req: IncomingMessage, maxBytes: number): void {
  if (req.complete) return;
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.byteLength;
    if (seen > maxBytes) req.socket.destroy();
  });
  req.resume();
}
