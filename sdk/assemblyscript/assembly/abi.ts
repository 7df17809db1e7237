// The raw imports of module "waft", exactly as docs/abi.md lists them. Pointers and lengths
// are usize (i32 on wasm32); every function but abi_version returns a status (0 = OK) and
// writes its out-pointers only on success.

@external("waft", "abi_version")
export declare function abi_version(): i32;
@external("waft", "last_error")
export declare function last_error(bufOut: usize, lenOut: usize): i32;

@external("waft", "buf_len")
export declare function buf_len(buf: u32, lenOut: usize): i32;
@external("waft", "buf_read")
export declare function buf_read(buf: u32, offset: u64, dst: usize, dstLen: usize, nreadOut: usize): i32;
@external("waft", "buf_drop")
export declare function buf_drop(buf: u32): i32;

@external("waft", "kv_open")
export declare function kv_open(name: usize, nameLen: usize, storeOut: usize): i32;
@external("waft", "kv_close")
export declare function kv_close(store: u32): i32;
@external("waft", "kv_get")
export declare function kv_get(store: u32, key: usize, keyLen: usize, bufOut: usize, lenOut: usize): i32;
@external("waft", "kv_set")
export declare function kv_set(store: u32, key: usize, keyLen: usize, value: usize, valueLen: usize, ttlMs: i64): i32;
@external("waft", "kv_delete")
export declare function kv_delete(store: u32, key: usize, keyLen: usize, existedOut: usize): i32;
@external("waft", "kv_exists")
export declare function kv_exists(store: u32, key: usize, keyLen: usize, existsOut: usize): i32;
@external("waft", "kv_list")
export declare function kv_list(store: u32, prefix: usize, prefixLen: usize, cursor: usize, cursorLen: usize, limit: u32, bufOut: usize, lenOut: usize): i32;
@external("waft", "kv_increment")
export declare function kv_increment(store: u32, key: usize, keyLen: usize, delta: i64, valueOut: usize): i32;

@external("waft", "http_request")
export declare function http_request(method: usize, methodLen: usize, url: usize, urlLen: usize, headers: usize, headersLen: usize, body: usize, bodyLen: usize, responseOut: usize): i32;
@external("waft", "http_response_status")
export declare function http_response_status(response: u32, statusOut: usize): i32;
@external("waft", "http_response_headers")
export declare function http_response_headers(response: u32, bufOut: usize, lenOut: usize): i32;
@external("waft", "http_response_body")
export declare function http_response_body(response: u32, bufOut: usize, lenOut: usize): i32;
@external("waft", "http_response_drop")
export declare function http_response_drop(response: u32): i32;

@external("waft", "var_get")
export declare function var_get(name: usize, nameLen: usize, bufOut: usize, lenOut: usize): i32;

@external("waft", "log")
export declare function log(level: i32, msg: usize, msgLen: usize): i32;
