// A waft function in Rust, written with the waft Rust SDK in waft/ (std only; its API is in
// waft's docs/sdk.md). The request arrives as CGI variables and stdin (waft::Request); the
// reply is a CGI reply on stdout (waft::Response).
#[allow(dead_code)]
#[path = "../waft/lib.rs"]
mod waft;

use waft::{log, Request, Response};

fn main() -> std::io::Result<()> {
    let req = Request::from_env()?;
    let path = if req.path().is_empty() { "/" } else { req.path() };

    let mut body = String::new();
    body.push_str("Hello from {{app-name}}! (Rust)\n");
    body.push_str(&format!("method: {}\n", req.method()));
    body.push_str(&format!("path: {}\n", path));
    body.push_str(&format!("query: {}\n", req.query()));
    // Echo the request body, if there is one.
    let mut reply = body.into_bytes();
    if !req.body().is_empty() {
        reply.extend_from_slice(b"body: ");
        reply.extend_from_slice(req.body());
        reply.push(b'\n');
    }

    // One line in the function's log.
    log::info(&format!("served {}", path))?;

    // A key-value store, once waft.toml grants it (key_value_stores = ["default"]):
    //   let hits = waft::kv::Store::open("default")?.increment("hits", 1)?;
    // Every call returns waft::Result<T>; an error's kind() is Denied, NotFound, Unavailable, …
    // and its message() says what failed and how to fix it.

    Response::new(200).header("Content-Type", "text/plain; charset=utf-8").body(reply).send()
}
