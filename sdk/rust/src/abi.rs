//! The raw imports of module `waft`, exactly as docs/abi.md lists them. The rest of the SDK
//! wraps these; use them directly only for what the wrappers do not offer.
//!
//! Every function except `abi_version` returns a status (0 is success, see
//! [`ErrorKind`](super::ErrorKind)); out-pointers are written only on success.

#[link(wasm_import_module = "waft")]
extern "C" {
    pub fn abi_version() -> i32;
    pub fn last_error(buf_out: *mut u32, len_out: *mut u64) -> i32;

    pub fn buf_len(buf: u32, len_out: *mut u64) -> i32;
    pub fn buf_read(buf: u32, offset: u64, dst_ptr: *mut u8, dst_len: usize, nread_out: *mut u32) -> i32;
    pub fn buf_drop(buf: u32) -> i32;

    pub fn kv_open(name_ptr: *const u8, name_len: usize, store_out: *mut u32) -> i32;
    pub fn kv_close(store: u32) -> i32;
    pub fn kv_get(store: u32, key_ptr: *const u8, key_len: usize, buf_out: *mut u32, len_out: *mut u64) -> i32;
    pub fn kv_set(store: u32, key_ptr: *const u8, key_len: usize, value_ptr: *const u8, value_len: usize, ttl_ms: i64) -> i32;
    pub fn kv_delete(store: u32, key_ptr: *const u8, key_len: usize, existed_out: *mut u32) -> i32;
    pub fn kv_exists(store: u32, key_ptr: *const u8, key_len: usize, exists_out: *mut u32) -> i32;
    pub fn kv_list(
        store: u32,
        prefix_ptr: *const u8,
        prefix_len: usize,
        cursor_ptr: *const u8,
        cursor_len: usize,
        limit: u32,
        buf_out: *mut u32,
        len_out: *mut u64,
    ) -> i32;
    pub fn kv_increment(store: u32, key_ptr: *const u8, key_len: usize, delta: i64, value_out: *mut i64) -> i32;

    pub fn http_request(
        method_ptr: *const u8,
        method_len: usize,
        url_ptr: *const u8,
        url_len: usize,
        headers_ptr: *const u8,
        headers_len: usize,
        body_ptr: *const u8,
        body_len: usize,
        response_out: *mut u32,
    ) -> i32;
    pub fn http_response_status(response: u32, status_out: *mut u32) -> i32;
    pub fn http_response_headers(response: u32, buf_out: *mut u32, len_out: *mut u64) -> i32;
    pub fn http_response_body(response: u32, buf_out: *mut u32, len_out: *mut u64) -> i32;
    pub fn http_response_drop(response: u32) -> i32;

    pub fn var_get(name_ptr: *const u8, name_len: usize, buf_out: *mut u32, len_out: *mut u64) -> i32;

    pub fn log(level: i32, msg_ptr: *const u8, msg_len: usize) -> i32;
}
