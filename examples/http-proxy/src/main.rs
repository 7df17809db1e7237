// http-proxy: GET /?url=<absolute URL> fetches the URL and returns its status, Content-Type and
// body. The host lets the function reach only the origins in allowed_outbound_hosts; any other
// URL is DENIED, and the reply is a 403 with the host's message. Written with the waft Rust SDK
// (sdk/rust).
use waft::{http, log, ErrorKind, Request, Response};

fn main() -> std::io::Result<()> {
    let req = Request::from_env()?;
    respond(&req).send()
}

fn respond(req: &Request) -> Response {
    if req.method() != "GET" {
        return Response::text(405, "only GET is proxied\n").header("Allow", "GET");
    }
    let url = match req.query_param("url") {
        Some(url) if !url.is_empty() => url,
        _ => return Response::text(400, "usage: GET /?url=http://127.0.0.1:8080/some/path\n"),
    };

    let mut outbound = http::Request::get(url.as_str());
    if let Some(accept) = req.header("accept") {
        outbound = outbound.header("Accept", accept);
    }
    let result = outbound.send().and_then(|res| {
        let content_type = res.header("content-type")?;
        let body = res.body()?;
        Ok((res.status(), content_type, body))
    });
    match result {
        Ok((status, content_type, body)) => {
            let _ = log::info(&format!("{} -> {} ({} bytes)", url, status, body.len()));
            // The CGI reply must have a status from 200 to 599 (docs/wagi.md).
            let status = if (200..600).contains(&status) { status } else { 502 };
            Response::new(status)
                .header("Content-Type", content_type.unwrap_or_else(|| "application/octet-stream".into()))
                .header("X-Proxied-From", url)
                .body(body)
        }
        Err(e) => {
            let status = match e.kind() {
                ErrorKind::Denied => 403,
                ErrorKind::Invalid => 400,
                ErrorKind::Timeout => 504,
                ErrorKind::TooLarge => 502,
                _ => 502,
            };
            let _ = log::warn(&format!("{} failed: {}", url, e));
            Response::text(status, format!("{}\n", e))
        }
    }
}
