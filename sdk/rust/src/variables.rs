//! Variables: the function's `variables` bindings from waft.toml.

use super::abi;
use super::buffer::make;
use super::error::Result;

/// The value of the binding `name`; `Denied` when the function binds no such name.
pub fn get(name: &str) -> Result<String> {
    let bytes = make(|b, l| unsafe { abi::var_get(name.as_ptr(), name.len(), b, l) })?.read_all()?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
