//! waft: the guest SDK for Rust (wasm32-wasi, std only, no dependencies).
//!
//! A waft function is a WASI command: [`Request::from_env`] reads the request (CGI variables
//! and stdin, docs/wagi.md) and [`Response::send`] writes the reply (a CGI reply on stdout).
//! The capabilities of docs/abi.md are in [`kv`], [`http`], [`variables`] and [`log`]; each
//! call returns [`Result<T>`], whose [`Error`] carries the status as an [`ErrorKind`] and the
//! host's message that says what failed and how to fix it.
//!
//! Build it as a library and link it (rustc 1.63 works):
//!
//! ```sh
//! rustc --edition 2021 --crate-type rlib --crate-name waft --target wasm32-wasi -O sdk/rust/src/lib.rs -o libwaft.rlib
//! rustc --edition 2021 --target wasm32-wasi -O --extern waft=libwaft.rlib src/main.rs -o app.wasm
//! ```
//!
//! or include it as a module: `#[path = "../sdk/rust/src/lib.rs"] mod waft;`.

pub mod abi;
mod buffer;
mod error;
pub mod http;
pub mod kv;
pub mod log;
mod request;
mod response;
pub mod variables;

pub use self::buffer::{Buffer, CHUNK_SIZE};
pub use self::error::{last_error, Error, ErrorKind, Result};
pub use self::request::{form_decode, Request};
pub use self::response::Response;

/// The ABI version this SDK is written for.
pub const ABI_VERSION: i32 = 1;

/// The ABI version the host speaks.
pub fn abi_version() -> i32 {
    unsafe { abi::abi_version() }
}

/// The value of the variable binding `name` (see [`variables::get`]).
pub fn variable(name: &str) -> Result<String> {
    variables::get(name)
}
