//! Status codes as a Rust error type.

use std::fmt;

use super::abi;
use super::buffer::Buffer;

/// What kind of failure a call had: the status codes of docs/abi.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The manifest does not grant this (a store, an outbound host, a variable).
    Denied,
    /// The thing asked for does not exist.
    NotFound,
    /// A size or count limit was passed.
    TooLarge,
    /// A backend could not be reached; retrying later may work.
    Unavailable,
    /// An argument cannot be used.
    Invalid,
    /// An outbound request got no answer in time.
    Timeout,
    /// The handle is unknown, dropped, or of another kind.
    BadHandle,
    /// A bug in waft, or a status this SDK does not know.
    Internal,
    /// The stored data does not allow the operation (`increment` on a non-integer).
    Conflict,
}

impl ErrorKind {
    /// The kind for a non-zero status; unknown statuses are `Internal`.
    pub fn from_status(status: i32) -> ErrorKind {
        match status {
            1 => ErrorKind::Denied,
            2 => ErrorKind::NotFound,
            3 => ErrorKind::TooLarge,
            4 => ErrorKind::Unavailable,
            5 => ErrorKind::Invalid,
            6 => ErrorKind::Timeout,
            7 => ErrorKind::BadHandle,
            9 => ErrorKind::Conflict,
            _ => ErrorKind::Internal,
        }
    }

    /// The status code, e.g. 1 for `Denied`.
    pub fn status(self) -> i32 {
        match self {
            ErrorKind::Denied => 1,
            ErrorKind::NotFound => 2,
            ErrorKind::TooLarge => 3,
            ErrorKind::Unavailable => 4,
            ErrorKind::Invalid => 5,
            ErrorKind::Timeout => 6,
            ErrorKind::BadHandle => 7,
            ErrorKind::Internal => 8,
            ErrorKind::Conflict => 9,
        }
    }

    /// The name in docs/abi.md, e.g. `"DENIED"`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Denied => "DENIED",
            ErrorKind::NotFound => "NOT_FOUND",
            ErrorKind::TooLarge => "TOO_LARGE",
            ErrorKind::Unavailable => "UNAVAILABLE",
            ErrorKind::Invalid => "INVALID",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::BadHandle => "BAD_HANDLE",
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::Conflict => "CONFLICT",
        }
    }
}

/// A failed call: its kind, the status the host returned, and the host's message (from
/// `last_error`), which says what failed and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    status: i32,
    message: String,
}

/// The result of every SDK call that can fail.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error made by the guest itself (not from the host).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, status: kind.status(), message: message.into() }
    }

    /// The error for a non-zero status the host just returned, with its `last_error` message.
    pub fn from_status(status: i32) -> Error {
        let message = last_error().unwrap_or_default();
        Error { kind: ErrorKind::from_status(status), status, message }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The raw status (an unknown one is kept here while `kind()` says `Internal`).
    pub fn status(&self) -> i32 {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind.name())
        } else {
            write!(f, "{}: {}", self.kind.name(), self.message)
        }
    }
}

impl std::error::Error for Error {}

impl From<Error> for std::io::Error {
    fn from(e: Error) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::Other, e)
    }
}

/// `Ok(())` for status 0, else the error with its message.
pub(crate) fn check(status: i32) -> Result<()> {
    if status == 0 {
        Ok(())
    } else {
        Err(Error::from_status(status))
    }
}

/// The message of the most recent call on this request that failed, or `None` when none has.
pub fn last_error() -> Option<String> {
    let mut buf = 0u32;
    let mut len = 0u64;
    if unsafe { abi::last_error(&mut buf, &mut len) } != 0 {
        return None;
    }
    let bytes = Buffer::from_raw(buf, len).read_all().ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
