// kv-assemblyscript: a small key-value HTTP API over the store "default", written with the
// waft AssemblyScript SDK (sdk/assemblyscript).
//
//   GET    /          every key, one per line (paged through the store's list cursor)
//   GET    /KEY       the value, or 404
//   PUT    /KEY       stores the request body; ?ttl=MS makes it expire after MS milliseconds
//   DELETE /KEY       deletes it, or 404
import { log, Request, Response, Store, WaftError } from "../../../sdk/assemblyscript/assembly/index";

function failure(what: string, e: WaftError): Response {
  log.error(what + " failed: " + e.toString());
  const status = e.name == "DENIED" ? 403 : e.name == "INVALID" || e.name == "TOO_LARGE" ? 400 : 503;
  return Response.text(status, what + " failed: " + e.toString() + "\n");
}

function handle(req: Request): Response {
  const opened = Store.open("default");
  if (!opened.ok) return failure("opening the store", opened.error!);
  const store = opened.value;
  const key = req.path.startsWith("/") ? req.path.substring(1) : req.path;

  if (key.length == 0) {
    if (req.method != "GET") return Response.text(405, "use GET / to list the keys\n").setHeader("Allow", "GET");
    const keys = store.keys();
    if (!keys.ok) return failure("listing", keys.error!);
    const all = keys.value;
    let text = "";
    for (let i = 0; i < all.length; i++) text += all[i] + "\n";
    return Response.text(200, text);
  }

  if (req.method == "GET") {
    const value = store.get(key);
    if (!value.ok) return failure("reading " + key, value.error!);
    const bytes = value.value;
    if (bytes === null) return Response.text(404, "no key " + key + "\n");
    return new Response(200).setHeader("Content-Type", "application/octet-stream").setBody(bytes);
  }
  if (req.method == "PUT") {
    const ttl = req.queryParam("ttl");
    const ttlMs: i64 = ttl !== null ? I64.parseInt(ttl) : 0;
    const e = store.set(key, req.body, ttlMs);
    if (e !== null) return failure("storing " + key, e);
    log.info("stored " + key + " (" + req.body.length.toString() + " bytes)");
    return Response.text(201, "stored " + key + "\n");
  }
  if (req.method == "DELETE") {
    const deleted = store.delete(key);
    if (!deleted.ok) return failure("deleting " + key, deleted.error!);
    return deleted.value ? Response.text(200, "deleted " + key + "\n") : Response.text(404, "no key " + key + "\n");
  }
  return Response.text(405, "use GET, PUT or DELETE\n").setHeader("Allow", "GET, PUT, DELETE");
}

// A WASI command's entry point: the host calls it once per request.
export function _start(): void {
  handle(Request.read()).send();
}
