// Outbound HTTP to the origins a function lists in allowed_outbound_hosts.
import * as abi from "./abi";
import { bufOut, encodeList, HostBuffer, lenOut, ListReader, malformed, takeBuffer } from "./buffer";
import { hostError, Result, WaftError } from "./errors";
import { Header } from "./request";

const OUT = memory.data(4);

/** A response whose head has arrived. */
export class HttpResponse {
  constructor(public handle: u32, public status: u16) {}

  /** The headers, names in lower case, repeated headers repeated. */
  headers(): Result<Header[]> {
    const buf = takeBuffer(abi.http_response_headers(this.handle, bufOut(), lenOut()));
    if (!buf.ok) return Result.err<Header[]>(buf.error!);
    const bytes = buf.value.readAll();
    if (!bytes.ok) return Result.err<Header[]>(bytes.error!);
    const r = new ListReader(bytes.value);
    const count = r.u32() / 2;
    const out = new Array<Header>(0);
    for (let i: u32 = 0; i < count && !r.failed; i++) {
      const name = r.string();
      out.push(new Header(name, r.string()));
    }
    if (r.failed) return Result.err<Header[]>(malformed());
    return Result.ok<Header[]>(out);
  }

  /** The first header called name (case-insensitive), or null. */
  header(name: string): Result<string | null> {
    const all = this.headers();
    if (!all.ok) return Result.err<string | null>(all.error!);
    const wanted = name.toLowerCase();
    const headers = all.value;
    for (let i = 0; i < headers.length; i++) {
      if (headers[i].name == wanted) return Result.ok<string | null>(headers[i].value);
    }
    return Result.ok<string | null>(null);
  }

  /** The body as a host buffer (the first call waits for it). */
  bodyBuffer(): Result<HostBuffer> {
    return takeBuffer(abi.http_response_body(this.handle, bufOut(), lenOut()));
  }

  /** The whole body. */
  body(): Result<Uint8Array> {
    const buf = this.bodyBuffer();
    if (!buf.ok) return Result.err<Uint8Array>(buf.error!);
    return buf.value.readAll();
  }

  /** The body as UTF-8 text. */
  text(): Result<string> {
    const buf = this.bodyBuffer();
    if (!buf.ok) return Result.err<string>(buf.error!);
    return buf.value.readString();
  }

  /** Releases the response; an unread body is abandoned. */
  drop(): WaftError | null {
    const st = abi.http_response_drop(this.handle);
    return st != 0 ? hostError(st) : null;
  }
}

/** An outbound request; build it, then send(). */
export class HttpRequest {
  headers: Header[] = [];
  body: Uint8Array = new Uint8Array(0);

  constructor(public method: string, public url: string) {}

  setHeader(name: string, value: string): HttpRequest {
    this.headers.push(new Header(name, value));
    return this;
  }

  setBody(body: Uint8Array): HttpRequest {
    this.body = body;
    return this;
  }

  setText(body: string): HttpRequest {
    this.body = Uint8Array.wrap(String.UTF8.encode(body));
    return this;
  }

  /** Sends it and waits for the response head. DENIED for a URL the function is not granted. */
  send(): Result<HttpResponse> {
    const m = String.UTF8.encode(this.method);
    const u = String.UTF8.encode(this.url);
    let list = new Uint8Array(0);
    if (this.headers.length > 0) {
      const items = new Array<string>(0);
      for (let i = 0; i < this.headers.length; i++) {
        items.push(this.headers[i].name);
        items.push(this.headers[i].value);
      }
      list = encodeList(items);
    }
    const st = abi.http_request(
      changetype<usize>(m), <usize>m.byteLength, changetype<usize>(u), <usize>u.byteLength,
      list.dataStart, <usize>list.length, this.body.dataStart, <usize>this.body.length, OUT,
    );
    if (st != 0) return Result.err<HttpResponse>(hostError(st));
    const handle = load<u32>(OUT);
    const s = abi.http_response_status(handle, OUT);
    if (s != 0) {
      const e = hostError(s);
      abi.http_response_drop(handle);
      return Result.err<HttpResponse>(e);
    }
    return Result.ok<HttpResponse>(new HttpResponse(handle, <u16>load<u32>(OUT)));
  }
}

/** Sends a request: fetch("GET", url), or with headers and a body. */
export function fetch(method: string, url: string, headers: Header[] = [], body: Uint8Array | null = null): Result<HttpResponse> {
  const req = new HttpRequest(method, url);
  req.headers = headers;
  if (body !== null) req.body = body;
  return req.send();
}
