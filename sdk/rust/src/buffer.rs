//! Host-side buffers: results of unknown size, paged into guest memory.

use std::io;

use super::abi;
use super::error::{check, Error, ErrorKind, Result};

/// How many bytes the SDK asks for per `buf_read` when it reads a buffer whole.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// A buffer the host made (a value, a body, a message). Dropping it frees it on the host.
///
/// `read_all` pages it into a `Vec`; `read_at` and the `std::io::Read` impl let you stream a
/// large value through a small buffer of your own.
#[derive(Debug)]
pub struct Buffer {
    handle: u32,
    len: u64,
    pos: u64,
}

impl Buffer {
    /// Takes ownership of a buffer handle and its length, as the raw ABI returns them.
    pub fn from_raw(handle: u32, len: u64) -> Buffer {
        Buffer { handle, len, pos: 0 }
    }

    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The length the host gave when it made the buffer.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Asks the host for the length (`buf_len`).
    pub fn host_len(&self) -> Result<u64> {
        let mut len = 0u64;
        check(unsafe { abi::buf_len(self.handle, &mut len) })?;
        Ok(len)
    }

    /// Copies bytes from `offset` into `dst`; returns how many (0 at or past the end).
    pub fn read_at(&self, offset: u64, dst: &mut [u8]) -> Result<usize> {
        let mut n = 0u32;
        check(unsafe { abi::buf_read(self.handle, offset, dst.as_mut_ptr(), dst.len(), &mut n) })?;
        Ok(n as usize)
    }

    /// The whole buffer, read `CHUNK_SIZE` bytes at a time; frees the buffer.
    pub fn read_all(self) -> Result<Vec<u8>> {
        if self.len > (isize::MAX as u64) {
            return Err(Error::new(ErrorKind::TooLarge, format!("a host buffer of {} bytes does not fit in memory", self.len)));
        }
        let len = self.len as usize;
        let mut out = vec![0u8; len];
        let mut at = 0usize;
        while at < len {
            let end = std::cmp::min(len, at + CHUNK_SIZE);
            let n = self.read_at(at as u64, &mut out[at..end])?;
            if n == 0 {
                break;
            }
            at += n;
        }
        out.truncate(at);
        Ok(out)
    }

    /// The whole buffer as UTF-8 text; `Invalid` when it is not.
    pub fn read_string(self) -> Result<String> {
        String::from_utf8(self.read_all()?).map_err(|_| Error::new(ErrorKind::Invalid, "the value is not UTF-8 text"))
    }
}

impl io::Read for Buffer {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        let n = self.read_at(self.pos, dst)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        unsafe { abi::buf_drop(self.handle) };
    }
}

/// Calls an ABI function that makes a buffer (`buf_out`, `len_out`) and wraps the result.
pub(crate) fn make(call: impl FnOnce(*mut u32, *mut u64) -> i32) -> Result<Buffer> {
    let mut handle = 0u32;
    let mut len = 0u64;
    check(call(&mut handle, &mut len))?;
    Ok(Buffer::from_raw(handle, len))
}

/// The string list encoding of docs/abi.md ("Encodings").
pub(crate) fn encode_list<'a>(items: impl Iterator<Item = &'a str>, count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(count as u32).to_le_bytes());
    for s in items {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    }
    out
}

/// Reads string-list items from `bytes` at `*pos`.
pub(crate) struct ListReader<'a> {
    pub bytes: &'a [u8],
    pub pos: usize,
}

impl<'a> ListReader<'a> {
    pub fn u32(&mut self) -> Result<u32> {
        if self.bytes.len() - self.pos < 4 {
            return Err(malformed());
        }
        let mut b = [0u8; 4];
        b.copy_from_slice(&self.bytes[self.pos..self.pos + 4]);
        self.pos += 4;
        Ok(u32::from_le_bytes(b))
    }

    pub fn string(&mut self) -> Result<String> {
        let n = self.u32()? as usize;
        if self.bytes.len() - self.pos < n {
            return Err(malformed());
        }
        let s = String::from_utf8_lossy(&self.bytes[self.pos..self.pos + n]).into_owned();
        self.pos += n;
        Ok(s)
    }
}

fn malformed() -> Error {
    Error::new(ErrorKind::Internal, "the host sent a string list that could not be decoded")
}
