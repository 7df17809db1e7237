//! Log lines for the function, attributed to the request.

use super::abi;
use super::error::{check, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// Writes one log line at `level` (cut at 16 KiB by the host; newlines stay in the entry).
pub fn log(level: Level, message: &str) -> Result<()> {
    check(unsafe { abi::log(level as i32, message.as_ptr(), message.len()) })
}

pub fn trace(message: &str) -> Result<()> {
    log(Level::Trace, message)
}

pub fn debug(message: &str) -> Result<()> {
    log(Level::Debug, message)
}

pub fn info(message: &str) -> Result<()> {
    log(Level::Info, message)
}

pub fn warn(message: &str) -> Result<()> {
    log(Level::Warn, message)
}

pub fn error(message: &str) -> Result<()> {
    log(Level::Error, message)
}
