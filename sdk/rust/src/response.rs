//! The reply: a CGI reply on stdout (docs/wagi.md).

use std::io::{self, Write};

/// A response to send: status, headers and body. `send()` writes it to stdout as CGI.
#[derive(Clone, Debug)]
pub struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response { status, headers: Vec::new(), body: Vec::new() }
    }

    /// A text/plain response (UTF-8).
    pub fn text(status: u16, body: impl Into<String>) -> Response {
        Response::new(status).header("Content-Type", "text/plain; charset=utf-8").body(body.into())
    }

    /// Adds a header; call again for a repeated one (`Set-Cookie`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = body.into();
        self
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    /// The CGI head: `Status`, the headers, and `Content-Type: text/plain; charset=utf-8`
    /// when neither a Content-Type nor a Location was set. `InvalidInput` for a header name
    /// that is not a token or a value with a line break or control character.
    pub fn head(&self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        write!(out, "Status: {}\n", self.status)?;
        let mut typed = false;
        for (name, value) in &self.headers {
            let token = !name.is_empty()
                && name.bytes().all(|c| c > b' ' && c < 127 && !b"\"(),/:;<=>?@[\\]{}".contains(&c));
            if !token {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{:?} is not a valid header name", name)));
            }
            if value.bytes().any(|c| (c < b' ' && c != b'\t') || c == 127) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("the value of header {:?} has a line break or control character", name),
                ));
            }
            if name.eq_ignore_ascii_case("content-type") || name.eq_ignore_ascii_case("location") {
                typed = true;
            }
            write!(out, "{}: {}\n", name, value)?;
        }
        if !typed && self.status != 204 && self.status != 304 {
            out.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\n");
        }
        out.push(b'\n');
        Ok(out)
    }

    /// Writes the response to stdout and flushes it.
    pub fn send(self) -> io::Result<()> {
        let head = self.head()?;
        let stdout = io::stdout();
        let mut out = stdout.lock();
        out.write_all(&head)?;
        out.write_all(&self.body)?;
        out.flush()
    }

    /// Writes the head to stdout and returns stdout to stream the body into (the body set
    /// with `body()` is written first).
    pub fn stream(self) -> io::Result<io::Stdout> {
        let head = self.head()?;
        let mut stdout = io::stdout();
        stdout.write_all(&head)?;
        stdout.write_all(&self.body)?;
        Ok(stdout)
    }
}
