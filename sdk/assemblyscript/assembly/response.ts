// The reply: a CGI reply on stdout (docs/wagi.md).
import { Header } from "./request";
import { writeBytes, writeString } from "./wasi";

function isToken(name: string): bool {
  if (name.length == 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 32 || c >= 127 || '"(),/:;<=>?@[\\]{}'.indexOf(String.fromCharCode(c)) >= 0) return false;
  }
  return true;
}

function isFieldValue(value: string): bool {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c != 9) || c == 127) return false;
  }
  return true;
}

/** A response to send: status, headers and body. `send()` writes it to stdout as CGI. */
export class Response {
  headers: Header[] = [];
  body: Uint8Array = new Uint8Array(0);

  constructor(public status: i32 = 200) {}

  /** A text/plain response (UTF-8). */
  static text(status: i32, body: string): Response {
    return new Response(status).setHeader("Content-Type", "text/plain; charset=utf-8").setText(body);
  }

  /** Adds a header; call again for a repeated one (Set-Cookie). */
  setHeader(name: string, value: string): Response {
    this.headers.push(new Header(name, value));
    return this;
  }

  setBody(body: Uint8Array): Response {
    this.body = body;
    return this;
  }

  setText(body: string): Response {
    this.body = Uint8Array.wrap(String.UTF8.encode(body));
    return this;
  }

  /**
   * The CGI head: Status, the headers, and "Content-Type: text/plain; charset=utf-8" when
   * neither a Content-Type nor a Location was set. Null when a header name is not a token or
   * a value has a line break or control character (which would split the response).
   */
  head(): string | null {
    let out = "Status: " + this.status.toString() + "\n";
    let typed = false;
    for (let i = 0; i < this.headers.length; i++) {
      const h = this.headers[i];
      if (!isToken(h.name) || !isFieldValue(h.value)) return null;
      const lower = h.name.toLowerCase();
      if (lower == "content-type" || lower == "location") typed = true;
      out += h.name + ": " + h.value + "\n";
    }
    if (!typed && this.status != 204 && this.status != 304) out += "Content-Type: text/plain; charset=utf-8\n";
    return out + "\n";
  }

  /** Writes the response to stdout. A bad header makes it a 500 that names the problem. */
  send(): void {
    const head = this.head();
    if (head === null) {
      writeString(1, "Status: 500\nContent-Type: text/plain; charset=utf-8\n\nthe function set a header with an invalid name or a line break in its value\n");
      writeString(2, "waft-sdk: Response.send: a header has an invalid name or a control character in its value\n");
      return;
    }
    writeString(1, head);
    writeBytes(1, this.body);
  }
}
