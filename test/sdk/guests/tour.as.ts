// Exercises every function of the AssemblyScript SDK (sdk/assemblyscript) against the real
// host. Each route prints `name=value` lines; test/sdk/sdk.test.ts expects the same lines as
// from tour.c. Built with: asc tour.as.ts -o tour.wasm -O --use abort=waft_abort
import {
  abi, abiVersion, fetch, getVariable, Header, HostBuffer, HttpRequest, lastError, log, LogLevel, Request,
  Response, Status, statusName, Store, WaftError,
} from "../../../sdk/assemblyscript/assembly/index";

const BIG = 300000;

function pattern(i: i32): u8 {
  return <u8>((i * 7 + 3) % 251);
}

class Out {
  text: string = "";
  line(name: string, value: string): void {
    this.text += name + "=" + value + "\n";
  }
  err(name: string, e: WaftError | null): void {
    this.line(name, e === null ? "ok" : e.name);
  }
}

function orNone(s: string | null): string {
  return s !== null ? s : "(none)";
}

function requestRoute(req: Request): Response {
  const o = new Out();
  o.line("method", req.method);
  o.line("path", req.path);
  o.line("query", req.query);
  o.line("param.a", orNone(req.queryParam("a")));
  o.line("param.missing", orNone(req.queryParam("missing")));
  o.line("header.x-test", orNone(req.header("X-Test")));
  o.line("header.missing", orNone(req.header("x-missing")));
  let listed: string | null = null;
  for (let i = 0; i < req.headers.length; i++) if (req.headers[i].name == "x-test") listed = req.headers[i].value;
  o.line("headers.x-test", orNone(listed));
  o.line("env.X_MATCHED_ROUTE", orNone(Request.env("X_MATCHED_ROUTE")));
  o.line("body.len", req.body.length.toString());
  o.line("body", req.text());
  const bad = new Response(200).setHeader("X-Bad", "line\r\nInjected: yes").head();
  o.line("header.bad", bad === null ? "INVALID" : "ok");
  return new Response(201)
    .setHeader("X-Sdk", "assemblyscript")
    .setHeader("Set-Cookie", "a=1")
    .setHeader("Set-Cookie", "b=2")
    .setText(o.text);
}

function kvRoute(name: string): Response {
  const o = new Out();
  o.line("abi_version", abiVersion().toString());
  const opened = Store.open(name);
  if (!opened.ok) {
    o.line("open", opened.error!.name);
    o.line("open.error", opened.error!.message);
    return Response.text(200, o.text);
  }
  o.line("open", "ok");
  const store = opened.value;
  o.err("set", store.setString("k1", "v1"));
  const v = store.getString("k1").value;
  o.line("get", v !== null ? v : "NOT_FOUND");
  o.line("exists", store.exists("k1").value.toString());
  o.line("exists.missing", store.exists("missing").value.toString());
  o.line("get.missing", store.get("missing").value === null ? "NOT_FOUND" : "found");
  o.line("delete", store.delete("k1").value.toString());
  o.line("delete.again", store.delete("k1").value.toString());

  o.err("set.ttl", store.setString("ttl", "x", 60000));
  o.line("exists.ttl", store.exists("ttl").value.toString());
  o.err("set.badttl", store.setString("ttl", "x", 3187296000000));

  o.err("set.empty", store.set("empty", new Uint8Array(0)));
  o.line("get.empty.len", store.get("empty").value!.length.toString());
  store.setString("clé", "värde");
  o.line("get.unicode", orNone(store.getString("clé").value));

  // One byte over the default max_value_bytes.
  o.err("set.toolarge", store.set("huge", new Uint8Array(1024 * 1024 + 1)));
  const emptyKey = store.get("");
  o.line("get.emptykey", emptyKey.ok ? "ok" : emptyKey.error!.name);

  store.delete("n");
  o.line("incr", store.increment("n", 5).value.toString());
  o.line("incr.neg", store.increment("n", -2).value.toString());
  o.line("get.n", orNone(store.getString("n").value));
  store.setString("text", "abc");
  const conflict = store.increment("text");
  o.line("incr.conflict", conflict.ok ? "ok" : conflict.error!.name);
  o.line("incr.conflict.error", conflict.ok ? "" : conflict.error!.message);

  for (let i = 0; i < 25; i++) store.setString("list/" + (i < 10 ? "0" : "") + i.toString(), "x");
  let pages = 0;
  let keys = 0;
  let sorted = true;
  let prev = "";
  let cursor: string | null = null;
  while (true) {
    const page = store.list("list/", cursor, 10).value;
    pages++;
    for (let i = 0; i < page.keys.length; i++) {
      if (page.keys[i] <= prev) sorted = false;
      prev = page.keys[i];
      keys++;
    }
    cursor = page.cursor;
    if (cursor === null) break;
  }
  o.line("list.keys", keys.toString());
  o.line("list.pages", pages.toString());
  o.line("list.sorted", sorted.toString());
  o.line("list.last", prev);

  const big = new Uint8Array(BIG);
  for (let i = 0; i < BIG; i++) big[i] = pattern(i);
  o.err("big.set", store.set("big", big));
  const value = store.get("big").value!;
  o.line("big.len", value.length.toString());
  let same = value.length == BIG;
  for (let i = 0; same && i < value.length; i++) same = value[i] == big[i];
  o.line("big.same", same.toString());
  // Page it by hand through 1000 bytes.
  const buf = store.getBuffer("big").value!;
  let paged = buf.hostLength().value == buf.length;
  const chunk = new Uint8Array(1000);
  let at: u64 = 0;
  let reads = 0;
  while (true) {
    const n = buf.readAt(at, chunk).value;
    if (n == 0) break;
    for (let i: u32 = 0; i < n; i++) paged = paged && chunk[i] == pattern(<i32>at + <i32>i);
    at += n;
    reads++;
  }
  o.line("big.reads", reads.toString());
  o.line("big.paged", (paged && at == <u64>BIG).toString());
  o.err("buf.drop", buf.drop());
  o.err("buf.drop.again", buf.drop());

  const all = store.keys().value;
  let deleted = 0;
  for (let i = 0; i < all.length; i++) if (store.delete(all[i]).value) deleted++;
  o.line("cleanup.deleted", deleted.toString());

  o.err("close", store.close());
  o.line("after.close", store.exists("k1").ok ? "ok" : store.exists("k1").error!.name);
  return Response.text(200, o.text);
}

function deniedRoute(): Response {
  const o = new Out();
  const opened = Store.open("other");
  o.line("open.other", opened.ok ? "ok" : opened.error!.name);
  o.line("open.other.error", orNone(lastError()));
  const v = getVariable("nope");
  o.line("var.nope", v.ok ? "ok" : v.error!.name);
  o.line("var.nope.error", v.ok ? "" : v.error!.message);
  o.err("log.badlevel", log.write(9, "never"));
  return Response.text(200, o.text);
}

function logRoute(): Response {
  const o = new Out();
  o.err("log.trace", log.trace("assemblyscript says trace"));
  o.err("log.debug", log.debug("assemblyscript says debug"));
  o.err("log.info", log.info("assemblyscript says info"));
  o.err("log.warn", log.write(LogLevel.WARN, "assemblyscript says warn"));
  o.err("log.error", log.error("assemblyscript says error"));
  return Response.text(200, o.text);
}

function httpRoute(): Response {
  const o = new Out();
  const base = Request.env("ECHO_URL")!;
  const headers: Header[] = [new Header("X-A", "1"), new Header("Content-Type", "text/plain")];
  const r = fetch("POST", base + "/echo?x=1", headers, Uint8Array.wrap(String.UTF8.encode("ping")));
  o.line("http", r.ok ? "ok" : r.error!.name);
  if (r.ok) {
    const res = r.value;
    o.line("http.status", res.status.toString());
    o.line("http.header.x-echo-method", orNone(res.header("X-Echo-Method").value));
    const hs = res.headers().value;
    let a: string | null = null;
    for (let i = 0; i < hs.length; i++) if (hs[i].name == "x-echo-a") a = hs[i].value;
    o.line("http.header.x-echo-a", orNone(a));
    o.line("http.body", res.text().value);
    res.drop();
  } else {
    o.line("http.error", r.error!.message);
  }

  const big = new HttpRequest("GET", base + "/big").send();
  o.line("http.big", big.ok ? "ok" : big.error!.name);
  if (big.ok) {
    const res = big.value;
    o.line("http.big.content-length", orNone(res.header("content-length").value));
    const body = res.body().value;
    let same = body.length == 200000;
    for (let i = 0; same && i < body.length; i++) same = body[i] == pattern(i);
    o.line("http.big.len", body.length.toString());
    o.line("http.big.same", same.toString());
    const again: HostBuffer = res.bodyBuffer().value;
    o.line("http.big.again", again.length.toString());
    again.drop();
    o.err("http.drop", res.drop());
    o.err("http.drop.again", res.drop());
  }

  const denied = fetch("GET", Request.env("DENIED_URL")!);
  o.line("http.denied", denied.ok ? "ok" : denied.error!.name);
  o.line("http.denied.error", denied.ok ? "" : denied.error!.message);
  const dead = fetch("GET", Request.env("DEAD_URL")!);
  o.line("http.dead", dead.ok ? "ok" : dead.error!.name);
  const slow = fetch("GET", base + "/slow");
  o.line("http.slow", slow.ok ? "ok" : slow.error!.name);
  const bad = fetch("GET", "not a url");
  o.line("http.badurl", bad.ok ? "ok" : statusName(bad.error!.status));
  return Response.text(200, o.text);
}

export function _start(): void {
  const req = Request.read();
  const path = req.path;
  let res: Response;
  if (path == "/request") res = requestRoute(req);
  else if (path == "/bare") res = new Response(202);
  else if (path.startsWith("/kv/")) res = kvRoute(path.substring(4));
  else if (path == "/denied") res = deniedRoute();
  else if (path == "/vars") {
    const v = getVariable("greeting");
    res = Response.text(200, "var.greeting=" + (v.ok ? v.value : v.error!.name) + "\n");
  } else if (path == "/log") res = logRoute();
  else if (path == "/http") res = httpRoute();
  else res = Response.text(404, "no such route\n");
  res.send();
  // The raw imports are reachable too; Status names the codes.
  if (abi.abi_version() != 1) log.warn("unexpected ABI version; Status.OK is " + Status.OK.toString());
}
