// Exercises every function of the Rust SDK (sdk/rust) against the real host. Each route prints
// `name=value` lines; test/sdk/sdk.test.ts expects the same lines as from tour.c.
use std::io::Read;
use std::time::Duration;

use waft::{http, kv, log, ErrorKind, Request, Response};

const BIG: usize = 300_000;

fn pattern(i: usize) -> u8 {
    ((i * 7 + 3) % 251) as u8
}

struct Out(String);

impl Out {
    fn line(&mut self, name: &str, value: impl std::fmt::Display) {
        self.0.push_str(&format!("{}={}\n", name, value));
    }
    fn status<T>(&mut self, name: &str, r: &waft::Result<T>) {
        match r {
            Ok(_) => self.line(name, "ok"),
            Err(e) => self.line(name, e.kind().name()),
        }
    }
}

fn request_route(req: &Request) -> Response {
    let mut o = Out(String::new());
    o.line("method", req.method());
    o.line("path", req.path());
    o.line("query", req.query());
    o.line("param.a", req.query_param("a").unwrap_or_else(|| "(none)".into()));
    o.line("param.missing", req.query_param("missing").unwrap_or_else(|| "(none)".into()));
    o.line("header.x-test", req.header("X-Test").unwrap_or("(none)"));
    o.line("header.missing", req.header("x-missing").unwrap_or("(none)"));
    let listed = req.headers().iter().find(|(n, _)| n == "x-test").map(|(_, v)| v.as_str());
    o.line("headers.x-test", listed.unwrap_or("(none)"));
    o.line("env.X_MATCHED_ROUTE", Request::env("X_MATCHED_ROUTE").unwrap_or_default());
    o.line("body.len", req.body().len());
    o.line("body", req.text());
    let bad = Response::new(200).header("X-Bad", "line\r\nInjected: yes").head();
    o.line("header.bad", if bad.is_err() { "INVALID" } else { "ok" });
    Response::new(201)
        .header("X-Sdk", "rust")
        .header("Set-Cookie", "a=1")
        .header("Set-Cookie", "b=2")
        .body(o.0)
}

fn kv_route(name: &str) -> Response {
    let mut o = Out(String::new());
    o.line("abi_version", waft::abi_version());
    let store = match kv::Store::open(name) {
        Ok(s) => s,
        Err(e) => {
            o.line("open", e.kind().name());
            o.line("open.error", e.message());
            return Response::text(200, o.0);
        }
    };
    o.line("open", "ok");
    o.status("set", &store.set("k1", "v1"));
    o.line("get", store.get_string("k1").unwrap().unwrap_or_else(|| "NOT_FOUND".into()));
    o.line("exists", store.exists("k1").unwrap());
    o.line("exists.missing", store.exists("missing").unwrap());
    o.line("get.missing", if store.get("missing").unwrap().is_none() { "NOT_FOUND" } else { "found" });
    o.line("delete", store.delete("k1").unwrap());
    o.line("delete.again", store.delete("k1").unwrap());

    o.status("set.ttl", &store.set_with_ttl("ttl", "x", Duration::from_secs(60)));
    o.line("exists.ttl", store.exists("ttl").unwrap());
    o.status("set.badttl", &store.set_with_ttl("ttl", "x", Duration::from_millis(3_187_296_000_000)));

    o.status("set.empty", &store.set("empty", b""));
    o.line("get.empty.len", store.get("empty").unwrap().unwrap().len());
    store.set("clé", "värde").unwrap();
    o.line("get.unicode", store.get_string("clé").unwrap().unwrap_or_default());

    // One byte over the default max_value_bytes.
    o.status("set.toolarge", &store.set("huge", vec![0u8; 1024 * 1024 + 1]));
    o.status("get.emptykey", &store.get(""));

    store.delete("n").unwrap();
    o.line("incr", store.increment("n", 5).unwrap());
    o.line("incr.neg", store.increment("n", -2).unwrap());
    o.line("get.n", store.get_string("n").unwrap().unwrap_or_default());
    store.set("text", "abc").unwrap();
    let conflict = store.increment("text", 1);
    o.status("incr.conflict", &conflict);
    o.line("incr.conflict.error", conflict.err().map(|e| e.message().to_string()).unwrap_or_default());

    for i in 0..25 {
        store.set(&format!("list/{:02}", i), "x").unwrap();
    }
    let (mut pages, mut keys, mut sorted, mut prev) = (0, 0, true, String::new());
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list("list/", cursor.as_deref(), 10).unwrap();
        pages += 1;
        for k in &page.keys {
            if *k <= prev {
                sorted = false;
            }
            prev = k.clone();
            keys += 1;
        }
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    o.line("list.keys", keys);
    o.line("list.pages", pages);
    o.line("list.sorted", sorted);
    o.line("list.last", &prev);

    let big: Vec<u8> = (0..BIG).map(pattern).collect();
    o.status("big.set", &store.set("big", &big));
    let value = store.get("big").unwrap().unwrap();
    o.line("big.len", value.len());
    o.line("big.same", value == big);
    // Page it by hand through 1000 bytes.
    let buf = store.get_buffer("big").unwrap().unwrap();
    let mut same = buf.host_len().unwrap() == buf.len();
    let (mut at, mut reads) = (0u64, 0);
    let mut chunk = [0u8; 1000];
    loop {
        let n = buf.read_at(at, &mut chunk).unwrap();
        if n == 0 {
            break;
        }
        same = same && chunk[..n].iter().enumerate().all(|(i, b)| *b == pattern(at as usize + i));
        at += n as u64;
        reads += 1;
    }
    o.line("big.reads", reads);
    o.line("big.paged", same && at == BIG as u64);
    // std::io::Read over a buffer reads the same bytes.
    let mut via_read = Vec::new();
    store.get_buffer("big").unwrap().unwrap().read_to_end(&mut via_read).unwrap();
    let handle = buf.handle();
    drop(buf);
    o.line("buf.drop", "ok");
    o.status("buf.drop.again", &waft::Buffer::from_raw(handle, 0).host_len());
    assert!(via_read == big);

    let all = store.keys("").unwrap();
    let mut deleted = 0;
    for k in &all {
        if store.delete(k).unwrap() {
            deleted += 1;
        }
    }
    o.line("cleanup.deleted", deleted);

    let handle = store.handle();
    o.status("close", &store.close());
    let mut flag = 0u32;
    let st = unsafe { waft::abi::kv_exists(handle, "k1".as_ptr(), 2, &mut flag) };
    o.line("after.close", ErrorKind::from_status(st).name());
    Response::text(200, o.0)
}

fn denied_route() -> Response {
    let mut o = Out(String::new());
    let e = kv::Store::open("other").unwrap_err();
    o.line("open.other", e.kind().name());
    o.line("open.other.error", waft::last_error().unwrap_or_default());
    assert_eq!(e.message(), waft::last_error().unwrap());
    let e = waft::variable("nope").unwrap_err();
    o.line("var.nope", e.kind().name());
    o.line("var.nope.error", e.message());
    let st = unsafe { waft::abi::log(9, "never".as_ptr(), 5) };
    o.line("log.badlevel", ErrorKind::from_status(st).name());
    Response::text(200, o.0)
}

fn log_route() -> Response {
    let mut o = Out(String::new());
    o.status("log.trace", &log::trace("rust says trace"));
    o.status("log.debug", &log::debug("rust says debug"));
    o.status("log.info", &log::info("rust says info"));
    o.status("log.warn", &log::log(log::Level::Warn, &format!("rust says {}", "warn")));
    o.status("log.error", &log::error("rust says error"));
    Response::text(200, o.0)
}

fn http_route() -> Response {
    let mut o = Out(String::new());
    let base = Request::env("ECHO_URL").unwrap();
    let r = http::Request::post(format!("{}/echo?x=1", base), "ping")
        .header("X-A", "1")
        .header("Content-Type", "text/plain")
        .send();
    o.status("http", &r);
    match r {
        Ok(r) => {
            o.line("http.status", r.status());
            o.line("http.header.x-echo-method", r.header("X-Echo-Method").unwrap().unwrap_or_else(|| "(none)".into()));
            let headers = r.headers().unwrap();
            let a = headers.iter().find(|(n, _)| n == "x-echo-a").map(|(_, v)| v.as_str());
            o.line("http.header.x-echo-a", a.unwrap_or("(none)"));
            o.line("http.body", r.text().unwrap());
        }
        Err(e) => o.line("http.error", e.message()),
    }

    let r = http::get(&format!("{}/big", base));
    o.status("http.big", &r);
    if let Ok(r) = r {
        let _ = r.status();
        o.line("http.big.content-length", r.header("content-length").unwrap().unwrap_or_else(|| "(none)".into()));
        let body = r.body().unwrap();
        o.line("http.big.len", body.len());
        o.line("http.big.same", body.len() == 200_000 && body.iter().enumerate().all(|(i, b)| *b == pattern(i)));
        o.line("http.big.again", r.body_buffer().unwrap().len());
        let handle = r.handle();
        o.status("http.drop", &r.close());
        let st = unsafe { waft::abi::http_response_drop(handle) };
        o.line("http.drop.again", ErrorKind::from_status(st).name());
    }

    let denied = http::Request::new("GET", Request::env("DENIED_URL").unwrap()).send();
    o.status("http.denied", &denied);
    o.line("http.denied.error", denied.err().map(|e| e.message().to_string()).unwrap_or_default());
    o.status("http.dead", &http::get(&Request::env("DEAD_URL").unwrap()));
    o.status("http.slow", &http::get(&format!("{}/slow", base)));
    o.status("http.badurl", &http::get("not a url"));
    Response::text(200, o.0)
}

fn main() {
    let req = Request::from_env().unwrap();
    let path = req.path().to_string();
    let response = if path == "/request" {
        request_route(&req)
    } else if path == "/bare" {
        Response::new(202)
    } else if let Some(name) = path.strip_prefix("/kv/") {
        kv_route(name)
    } else if path == "/denied" {
        denied_route()
    } else if path == "/vars" {
        let v = waft::variables::get("greeting");
        Response::text(200, format!("var.greeting={}\n", v.unwrap_or_else(|e| e.kind().name().to_string())))
    } else if path == "/log" {
        log_route()
    } else if path == "/http" {
        http_route()
    } else {
        Response::text(404, "no such route\n")
    };
    response.send().unwrap();
}
