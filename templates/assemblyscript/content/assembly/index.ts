// A waft function in AssemblyScript, written with the waft AssemblyScript SDK in waft/ (its
// API is in waft's docs/sdk.md). The request arrives as CGI variables and stdin (Request); the
// reply is a CGI reply on stdout (Response).
import { log, Request, Response } from "../waft/index";

// A WASI command's entry point; the host calls it once per request.
export function _start(): void {
  const req = Request.read();
  const path = req.path.length > 0 ? req.path : "/";

  let text = "Hello from {{app-name}}! (AssemblyScript)\n";
  text += "method: " + req.method + "\n";
  text += "path: " + path + "\n";
  text += "query: " + req.query + "\n";
  let body = Uint8Array.wrap(String.UTF8.encode(text));
  // Echo the request body, if there is one.
  if (req.body.length > 0) {
    const prefix = Uint8Array.wrap(String.UTF8.encode("body: "));
    const echoed = new Uint8Array(body.length + prefix.length + req.body.length + 1);
    echoed.set(body);
    echoed.set(prefix, body.length);
    echoed.set(req.body, body.length + prefix.length);
    echoed[echoed.length - 1] = 10; // "\n"
    body = echoed;
  }

  // One line in the function's log.
  log.info("served " + path);

  // A key-value store, once waft.toml grants it (key_value_stores = ["default"]):
  //   const store = Store.open("default");        // import Store from "../waft/index"
  //   if (store.ok) { const hits = store.value.increment("hits"); ... }
  //   else log.warn(store.error!.toString());      // e.g. DENIED: function "…" was denied …
  // Calls return Result<T> (.ok, .value, .error) or WaftError | null.

  new Response(200).setHeader("Content-Type", "text/plain; charset=utf-8").setBody(body).send();
}
