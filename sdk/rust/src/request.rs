//! The incoming request, as WAGI passes it: CGI environment variables and stdin.

use std::env;
use std::io::{self, Read};

/// The request this run serves. `Request::from_env()` reads it (the body from stdin).
#[derive(Clone, Debug)]
pub struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn var(name: &str) -> String {
    env::var_os(name).map(|v| v.to_string_lossy().into_owned()).unwrap_or_default()
}

impl Request {
    /// Reads the request: method, path and query from the CGI variables, headers from the
    /// `HTTP_*` variables, and the body from stdin to its end.
    pub fn from_env() -> io::Result<Request> {
        let mut body = Vec::new();
        io::stdin().read_to_end(&mut body)?;
        let mut headers = Vec::new();
        for (name, value) in env::vars_os() {
            let name = name.to_string_lossy();
            if let Some(rest) = name.strip_prefix("HTTP_") {
                headers.push((rest.to_ascii_lowercase().replace('_', "-"), value.to_string_lossy().into_owned()));
            }
        }
        headers.sort();
        let method = var("REQUEST_METHOD");
        Ok(Request {
            method: if method.is_empty() { "GET".to_string() } else { method },
            path: var("PATH_INFO"),
            query: var("QUERY_STRING"),
            headers,
            body,
        })
    }

    /// `REQUEST_METHOD`, e.g. `"GET"`.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// `PATH_INFO`: the path after the route's prefix, decoded.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// `QUERY_STRING`: the raw query without `?`.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Every header, names in lower case with `-` (`x-api-key`), sorted by name.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// A header by name, case-insensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        let wanted = name.to_ascii_lowercase().replace('_', "-");
        self.headers.iter().find(|(n, _)| *n == wanted).map(|(_, v)| v.as_str())
    }

    /// The query's `name=value` pairs, percent-decoded (`+` is a space).
    pub fn query_params(&self) -> Vec<(String, String)> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.find('=') {
                Some(i) => (form_decode(&p[..i]), form_decode(&p[i + 1..])),
                None => (form_decode(p), String::new()),
            })
            .collect()
    }

    /// The first query parameter called `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_params().into_iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Any other CGI variable (`X_FULL_URL`, `SCRIPT_NAME`, …).
    pub fn env(name: &str) -> Option<String> {
        env::var_os(name).map(|v| v.to_string_lossy().into_owned())
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-decodes `s` (`+` is a space); invalid UTF-8 becomes U+FFFD.
pub fn form_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex(b[i + 1]).is_some() && hex(b[i + 2]).is_some() => {
                out.push(hex(b[i + 1]).unwrap() * 16 + hex(b[i + 2]).unwrap());
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
