//! Key-value stores: the stores a function lists in `key_value_stores`.

use std::time::Duration;

use super::abi;
use super::buffer::{make, Buffer, ListReader};
use super::error::{check, ErrorKind, Result};

/// An open store. Dropping it closes it.
#[derive(Debug)]
pub struct Store {
    handle: u32,
}

/// One page of `Store::list`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub keys: Vec<String>,
    /// Pass to the next `list` call; `None` when there are no more keys.
    pub cursor: Option<String>,
}

fn ttl_ms(ttl: Duration) -> i64 {
    let ms = ttl.as_millis();
    if ms == 0 && !ttl.is_zero() {
        1
    } else if ms > i64::MAX as u128 {
        i64::MAX
    } else {
        ms as i64
    }
}

impl Store {
    /// Opens a store the function lists in `key_value_stores`; `Denied` otherwise.
    pub fn open(name: &str) -> Result<Store> {
        let mut handle = 0u32;
        check(unsafe { abi::kv_open(name.as_ptr(), name.len(), &mut handle) })?;
        Ok(Store { handle })
    }

    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The value of `key`, or `None` when it is missing or expired.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        match self.get_buffer(key)? {
            Some(buf) => Ok(Some(buf.read_all()?)),
            None => Ok(None),
        }
    }

    /// The value as UTF-8 text; `Invalid` when it is not text.
    pub fn get_string(&self, key: &str) -> Result<Option<String>> {
        match self.get_buffer(key)? {
            Some(buf) => Ok(Some(buf.read_string()?)),
            None => Ok(None),
        }
    }

    /// The value as a host buffer, to stream through `Buffer::read_at` or `std::io::Read`.
    pub fn get_buffer(&self, key: &str) -> Result<Option<Buffer>> {
        match make(|b, l| unsafe { abi::kv_get(self.handle, key.as_ptr(), key.len(), b, l) }) {
            Ok(buf) => Ok(Some(buf)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the value, without expiry (a previous ttl is dropped).
    pub fn set(&self, key: &str, value: impl AsRef<[u8]>) -> Result<()> {
        self.set_raw(key, value.as_ref(), 0)
    }

    /// Writes the value; the key expires after `ttl` (rounded up to whole milliseconds).
    pub fn set_with_ttl(&self, key: &str, value: impl AsRef<[u8]>, ttl: Duration) -> Result<()> {
        let ms = ttl_ms(ttl);
        if ms == 0 {
            return Err(super::Error::new(ErrorKind::Invalid, "a ttl of 0 means no expiry: use set()"));
        }
        self.set_raw(key, value.as_ref(), ms)
    }

    fn set_raw(&self, key: &str, value: &[u8], ttl_ms: i64) -> Result<()> {
        check(unsafe { abi::kv_set(self.handle, key.as_ptr(), key.len(), value.as_ptr(), value.len(), ttl_ms) })
    }

    /// Deletes the key; `true` when a live key was deleted.
    pub fn delete(&self, key: &str) -> Result<bool> {
        let mut existed = 0u32;
        check(unsafe { abi::kv_delete(self.handle, key.as_ptr(), key.len(), &mut existed) })?;
        Ok(existed != 0)
    }

    pub fn exists(&self, key: &str) -> Result<bool> {
        let mut exists = 0u32;
        check(unsafe { abi::kv_exists(self.handle, key.as_ptr(), key.len(), &mut exists) })?;
        Ok(exists != 0)
    }

    /// Adds `delta` atomically and returns the new value; a missing key counts as 0.
    /// `Conflict` when the value is not an i64 or the sum overflows.
    pub fn increment(&self, key: &str, delta: i64) -> Result<i64> {
        let mut value = 0i64;
        check(unsafe { abi::kv_increment(self.handle, key.as_ptr(), key.len(), delta, &mut value) })?;
        Ok(value)
    }

    /// One page of the keys that start with `prefix`, in UTF-8 byte order. Start with
    /// `cursor` `None`, then pass the page's cursor until it is `None`; a page may be empty
    /// while the cursor is not. `limit` 0 is the store's largest page.
    pub fn list(&self, prefix: &str, cursor: Option<&str>, limit: u32) -> Result<Page> {
        let cursor = cursor.unwrap_or("");
        let buf = make(|b, l| unsafe {
            abi::kv_list(self.handle, prefix.as_ptr(), prefix.len(), cursor.as_ptr(), cursor.len(), limit, b, l)
        })?;
        let bytes = buf.read_all()?;
        let mut r = ListReader { bytes: &bytes, pos: 0 };
        let count = r.u32()?;
        let mut keys = Vec::new();
        for _ in 0..count {
            keys.push(r.string()?);
        }
        let next = r.string()?;
        Ok(Page { keys, cursor: if next.is_empty() { None } else { Some(next) } })
    }

    /// Every key that starts with `prefix`, following the cursor page by page.
    pub fn keys(&self, prefix: &str) -> Result<Vec<String>> {
        let mut all = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self.list(prefix, cursor.as_deref(), 0)?;
            all.extend(page.keys);
            match page.cursor {
                Some(c) => cursor = Some(c),
                None => return Ok(all),
            }
        }
    }

    /// Closes the store now, reporting a failure (dropping it closes it silently).
    pub fn close(self) -> Result<()> {
        let handle = self.handle;
        std::mem::forget(self);
        check(unsafe { abi::kv_close(handle) })
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        unsafe { abi::kv_close(self.handle) };
    }
}
