//! Outbound HTTP to the origins a function lists in `allowed_outbound_hosts`.

use super::abi;
use super::buffer::{encode_list, make, Buffer, ListReader};
use super::error::{check, Result};

/// An outbound request. Build it, then `send()`.
#[derive(Clone, Debug)]
pub struct Request {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request { method: method.into(), url: url.into(), headers: Vec::new(), body: Vec::new() }
    }

    pub fn get(url: impl Into<String>) -> Request {
        Request::new("GET", url)
    }

    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Request {
        Request::new("POST", url).body(body)
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Sends the request and waits for the response head. `Denied` for a URL the function
    /// is not granted, `Unavailable` when the server cannot be reached, `Timeout`.
    pub fn send(&self) -> Result<Response> {
        let list = if self.headers.is_empty() {
            Vec::new()
        } else {
            let items = self.headers.iter().flat_map(|(n, v)| vec![n.as_str(), v.as_str()]);
            encode_list(items, self.headers.len() * 2)
        };
        let mut handle = 0u32;
        check(unsafe {
            abi::http_request(
                self.method.as_ptr(),
                self.method.len(),
                self.url.as_ptr(),
                self.url.len(),
                list.as_ptr(),
                list.len(),
                self.body.as_ptr(),
                self.body.len(),
                &mut handle,
            )
        })?;
        // Owned from here on, so that a failure below releases it.
        let mut response = Response { handle, status: 0 };
        let mut status = 0u32;
        check(unsafe { abi::http_response_status(handle, &mut status) })?;
        response.status = status as u16;
        Ok(response)
    }
}

/// `Request::get(url).send()`.
pub fn get(url: &str) -> Result<Response> {
    Request::get(url).send()
}

/// A response whose head has arrived. Dropping it releases it (an unread body is abandoned).
#[derive(Debug)]
pub struct Response {
    handle: u32,
    status: u16,
}

impl Response {
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The HTTP status, e.g. 200.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, names in lower case, repeated headers repeated, in the order they came.
    pub fn headers(&self) -> Result<Vec<(String, String)>> {
        let bytes = make(|b, l| unsafe { abi::http_response_headers(self.handle, b, l) })?.read_all()?;
        let mut r = ListReader { bytes: &bytes, pos: 0 };
        let count = r.u32()? / 2;
        let mut out = Vec::new();
        for _ in 0..count {
            let name = r.string()?;
            out.push((name, r.string()?));
        }
        Ok(out)
    }

    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Result<Option<String>> {
        Ok(self.headers()?.into_iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v))
    }

    /// The whole body (the first call waits for it).
    pub fn body(&self) -> Result<Vec<u8>> {
        self.body_buffer()?.read_all()
    }

    /// The body as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.body()?).into_owned())
    }

    /// The body as a host buffer, to stream it.
    pub fn body_buffer(&self) -> Result<Buffer> {
        make(|b, l| unsafe { abi::http_response_body(self.handle, b, l) })
    }

    /// Releases the response now, reporting a failure.
    pub fn close(self) -> Result<()> {
        let handle = self.handle;
        std::mem::forget(self);
        check(unsafe { abi::http_response_drop(handle) })
    }
}

impl Drop for Response {
    fn drop(&mut self) {
        unsafe { abi::http_response_drop(self.handle) };
    }
}
