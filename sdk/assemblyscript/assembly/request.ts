// The incoming request, as WAGI passes it: CGI environment variables and stdin.
import { environment, getenv, readAll } from "./wasi";

/** A header: a name and a value. */
export class Header {
  constructor(public name: string, public value: string) {}
}

function hexValue(c: i32): i32 {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Percent-decodes s ("+" is a space); invalid UTF-8 becomes U+FFFD. */
export function formDecode(s: string): string {
  const src = Uint8Array.wrap(String.UTF8.encode(s));
  const out = new Uint8Array(src.length);
  let o = 0;
  for (let i = 0; i < src.length; i++) {
    const c = <i32>src[i];
    if (c == 43) {
      out[o++] = 32;
    } else if (c == 37 && i + 2 < src.length && hexValue(src[i + 1]) >= 0 && hexValue(src[i + 2]) >= 0) {
      out[o++] = <u8>(hexValue(src[i + 1]) * 16 + hexValue(src[i + 2]));
      i += 2;
    } else {
      out[o++] = <u8>c;
    }
  }
  return String.UTF8.decodeUnsafe(out.dataStart, <usize>o, false);
}

/** The request this run serves; `Request.read()` reads it (the body from stdin). */
export class Request {
  /** REQUEST_METHOD, e.g. "GET". */
  method: string = "GET";
  /** PATH_INFO: the path after the route's prefix, decoded. */
  path: string = "";
  /** QUERY_STRING: the raw query without "?". */
  query: string = "";
  /** Every header, names in lower case with "-" ("x-api-key"). */
  headers: Header[] = [];
  body: Uint8Array = new Uint8Array(0);

  static read(): Request {
    const r = new Request();
    const env = environment();
    for (let i = 0; i < env.length; i++) {
      const entry = env[i];
      const eq = entry.indexOf("=");
      if (eq < 0) continue;
      const name = entry.substring(0, eq);
      const value = entry.substring(eq + 1);
      if (name == "REQUEST_METHOD" && value.length > 0) r.method = value;
      else if (name == "PATH_INFO") r.path = value;
      else if (name == "QUERY_STRING") r.query = value;
      else if (name.startsWith("HTTP_")) r.headers.push(new Header(name.substring(5).toLowerCase().replaceAll("_", "-"), value));
    }
    r.body = readAll(0);
    return r;
  }

  /** A header by name, case-insensitive; null when the request did not have it. */
  header(name: string): string | null {
    const wanted = name.toLowerCase().replaceAll("_", "-");
    for (let i = 0; i < this.headers.length; i++) {
      if (this.headers[i].name == wanted) return this.headers[i].value;
    }
    return null;
  }

  /** The first query parameter called name, percent-decoded; null when there is none. */
  queryParam(name: string): string | null {
    if (this.query.length == 0) return null;
    const pieces = this.query.split("&");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      const eq = piece.indexOf("=");
      const key = formDecode(eq < 0 ? piece : piece.substring(0, eq));
      if (key == name) return eq < 0 ? "" : formDecode(piece.substring(eq + 1));
    }
    return null;
  }

  /** The body as UTF-8 text (invalid bytes become U+FFFD). */
  text(): string {
    return String.UTF8.decodeUnsafe(this.body.dataStart, <usize>this.body.length, false);
  }

  /** Any other CGI variable (X_FULL_URL, SCRIPT_NAME, …), or null. */
  static env(name: string): string | null {
    return getenv(name);
  }
}
