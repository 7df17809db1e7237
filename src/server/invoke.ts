// Invoking a function through the API: a request made of JSON (method, path, headers, body)
// runs through the very gateway that serves HTTP, so routing, limits, logs and usage are the
// same, and its response is collected in memory instead of going to a socket.
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { concatBytes } from '../util/bytes.ts';
import type { Completed } from '../triggers/http/gateway.ts';
import type { ServedApp } from './runtime.ts';

/** Marks a request as an invocation: the server's resolve() serves it with this app and path. */
const INVOKE = Symbol('waft.invoke');

export interface InvokeTarget {
  app: ServedApp;
  path: string;
  logs: string[];
  done: (completed: Completed) => void;
}

export interface InvokeInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  host: string;
  port: number;
}

/** The part of ServerResponse that the gateway and the WAGI executor use, kept in memory. */
export class CollectedResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  destroyed = false;
  writableFinished = false;
  readonly headers: Record<string, string> = {};
  readonly chunks: Uint8Array[] = [];
  bytes = 0;
  readonly maxBytes: number;
  truncated = false;

  constructor(maxBytes: number) {
    super();
    this.maxBytes = maxBytes;
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders | readonly string[]): this {
    this.statusCode = status;
    this.headersSent = true;
    if (Array.isArray(headers)) {
      for (let i = 0; i + 1 < headers.length; i += 2) this.#header(String(headers[i]), String(headers[i + 1]));
    } else if (headers) {
      for (const [k, v] of Object.entries(headers)) if (v !== undefined) this.#header(k, Array.isArray(v) ? v.join(', ') : String(v));
    }
    return this;
  }

  #header(name: string, value: string): void {
    const key = name.toLowerCase();
    this.headers[key] = key in this.headers ? `${this.headers[key]}, ${value}` : value;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    return this;
  }

  write(chunk: Uint8Array | string): boolean {
    if (!this.headersSent) this.writeHead(this.statusCode);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const room = this.maxBytes - this.bytes;
    if (bytes.byteLength > room) {
      this.truncated = true;
      if (room > 0) this.chunks.push(bytes.subarray(0, room));
      this.bytes = this.maxBytes;
    } else {
      this.chunks.push(bytes);
      this.bytes += bytes.byteLength;
    }
    return true;
  }

  end(chunk?: Uint8Array | string): this {
    if (chunk !== undefined) this.write(chunk);
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.writableFinished = true;
    queueMicrotask(() => { this.emit('finish'); this.emit('close'); });
    return this;
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      queueMicrotask(() => this.emit('close'));
    }
    return this;
  }

  body(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

/** A request whose body is the given bytes, shaped like the IncomingMessage the gateway reads. */
export function invocationRequest(input: InvokeInput, target: InvokeTarget): IncomingMessage {
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  const add = (name: string, value: string) => {
    headers[name.toLowerCase()] = value;
    rawHeaders.push(name, value);
  };
  for (const [name, value] of Object.entries(input.headers)) {
    const key = name.toLowerCase();
    if (key === 'host' || key === 'content-length' || key === 'transfer-encoding' || key === 'connection') continue;
    add(name, value);
  }
  add('Host', input.host);
  if (input.body.byteLength > 0 || input.method === 'POST' || input.method === 'PUT' || input.method === 'PATCH') {
    add('Content-Length', String(input.body.byteLength));
  }
  const req = Readable.from(input.body.byteLength > 0 ? [Buffer.from(input.body.buffer, input.body.byteOffset, input.body.byteLength)] : []);
  Object.assign(req, {
    method: input.method, url: input.path, headers, rawHeaders, httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1,
    socket: { remoteAddress: '127.0.0.1', localPort: input.port, remotePort: 0 },
    complete: true, [INVOKE]: target,
  });
  return req as unknown as IncomingMessage;
}

/** The invocation a request was made for, if it was made by invocationRequest(). */
export function invokeTarget(req: IncomingMessage): InvokeTarget | undefined {
  return (req as unknown as Record<symbol, InvokeTarget | undefined>)[INVOKE];
}

export function asServerResponse(res: CollectedResponse): ServerResponse {
  return res as unknown as ServerResponse;
}
