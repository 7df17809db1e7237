/*
 * waft.h — the waft guest SDK for C (wasm32-wasi).
 *
 * A waft function is a WASI command: the request arrives as CGI environment variables and
 * stdin, the reply is a CGI reply on stdout (docs/wagi.md). Capabilities (key-value stores,
 * outbound HTTP, variables, logs) are the imports of the module "waft" (docs/abi.md); this
 * SDK wraps both.
 *
 * Build: add waft.c to your sources and this directory to the include path:
 *   clang --target=wasm32-wasi -O2 -I sdk/c main.c sdk/c/waft.c -o app.wasm
 *
 * Errors: every call that can fail returns a waft_status. WAFT_OK (0) is success; after any
 * other status, waft_last_error() gives the message that says what failed and how to fix it.
 * Out-parameters are written only on success.
 *
 * Memory: functions that hand out data (waft_bytes, strings, pages, headers) allocate it with
 * malloc; free it with the matching waft_*_free function (or free() for plain strings).
 */
#ifndef WAFT_H
#define WAFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes (docs/abi.md, "Status codes") ---- */

typedef enum waft_status {
  WAFT_OK = 0,
  WAFT_DENIED = 1,      /* the manifest does not grant this */
  WAFT_NOT_FOUND = 2,   /* missing or expired key; no error yet */
  WAFT_TOO_LARGE = 3,   /* a size or count limit was passed */
  WAFT_UNAVAILABLE = 4, /* a backend could not be reached; retry later */
  WAFT_INVALID = 5,     /* an argument cannot be used */
  WAFT_TIMEOUT = 6,     /* an outbound request got no answer in time */
  WAFT_BAD_HANDLE = 7,  /* unknown, dropped, or wrong-kind handle */
  WAFT_INTERNAL = 8,    /* a bug in waft (or the SDK ran out of memory) */
  WAFT_CONFLICT = 9     /* kv_increment on a value that is not an i64 */
} waft_status;

/* "OK", "DENIED", … ; "INTERNAL" for a code this SDK does not know. */
const char *waft_status_name(waft_status status);

/*
 * The message of the most recent call that failed, e.g. `function "hello" was denied
 * key-value store "other": add it to key_value_stores in [functions.hello]`. "" when nothing
 * has failed yet. The string belongs to the SDK and stays valid until the next call to
 * waft_last_error.
 */
const char *waft_last_error(void);

/* The ABI version the host speaks; this SDK is written for version 1 (WAFT_ABI_VERSION). */
#define WAFT_ABI_VERSION 1
int32_t waft_abi_version(void);

/* ---- Owned byte strings ---- */

/* Bytes from the host. data is followed by a NUL byte that len does not count, so a text
 * value can be used as a C string. */
typedef struct waft_bytes {
  uint8_t *data;
  size_t len;
} waft_bytes;

void waft_bytes_free(waft_bytes *bytes);

/* ---- The request (WAGI: environment variables and stdin) ---- */

/* REQUEST_METHOD, e.g. "GET". */
const char *waft_request_method(void);
/* PATH_INFO: the path after the route's prefix, decoded. */
const char *waft_request_path(void);
/* QUERY_STRING: the raw query, without "?"; "" when there is none. */
const char *waft_request_query(void);
/* Any CGI variable (X_FULL_URL, SCRIPT_NAME, …), or NULL when unset. */
const char *waft_request_env(const char *name);
/* A request header by name, case-insensitive ("Content-Type", "x-api-key"), from its
 * HTTP_<NAME> variable; NULL when the request did not have it. */
const char *waft_request_header(const char *name);

typedef struct waft_header {
  char *name;
  char *value;
} waft_header;

typedef struct waft_headers {
  waft_header *items;
  size_t count;
} waft_headers;

/* Every request header, with names in lower case and "-" ("x-api-key"). */
waft_status waft_request_headers(waft_headers *out);
/* A header's value by name, case-insensitive; NULL when absent. */
const char *waft_headers_get(const waft_headers *headers, const char *name);
void waft_headers_free(waft_headers *headers);

/* The first query parameter called name, percent-decoded ("+" is a space); a malloc'd string,
 * or NULL when the query has no such parameter. */
char *waft_request_query_param(const char *name);

/* The whole request body (stdin), read to its end. */
waft_status waft_request_body(waft_bytes *out);

/* ---- The response (a CGI reply on stdout) ---- */

/*
 * Set the status and headers first, then write the body. The first body write (or
 * waft_response_end) sends the head: "Status", the headers, and "Content-Type: text/plain;
 * charset=utf-8" when none was set. After that stdout is the body: printf works as well.
 * A response with nothing written is sent when the program exits.
 */
void waft_response_status(int status);
/* Adds a header (call again for repeated headers such as Set-Cookie). A name or value with a
 * line break or other control character is refused with WAFT_INVALID; after the head was sent
 * it is WAFT_INVALID too. */
waft_status waft_response_header(const char *name, const char *value);
waft_status waft_response_write(const void *data, size_t len);
waft_status waft_response_puts(const char *text);
waft_status waft_response_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Sends the head if it was not sent yet, and flushes stdout. */
void waft_response_end(void);
/* Status, Content-Type and a body in one call. */
waft_status waft_respond(int status, const char *content_type, const void *body, size_t len);

/* ---- Host buffers (docs/abi.md, "Core functions") ---- */

/* Results of unknown size (values, bodies, messages) come as a host-side buffer that the
 * guest pages into its own memory. The waft_bytes functions below do it for you; use buffers
 * directly to stream a large value without holding all of it. */
typedef uint32_t waft_buf;

/* The SDK reads buffers WAFT_CHUNK_SIZE bytes per buf_read call (define it when compiling
 * waft.c to change it). */
#ifndef WAFT_CHUNK_SIZE
#define WAFT_CHUNK_SIZE (64 * 1024)
#endif

waft_status waft_buf_len(waft_buf buf, uint64_t *len);
/* Copies up to dst_len bytes from offset; *nread is 0 at or past the end. */
waft_status waft_buf_read(waft_buf buf, uint64_t offset, void *dst, size_t dst_len, size_t *nread);
waft_status waft_buf_drop(waft_buf buf);
/* Reads the whole buffer (in WAFT_CHUNK_SIZE pages) into out; the buffer is dropped either way. */
waft_status waft_buf_take(waft_buf buf, waft_bytes *out);

/* ---- Key-value stores ---- */

typedef uint32_t waft_store;

/* Opens a store the function lists in key_value_stores; WAFT_DENIED otherwise. */
waft_status waft_kv_open(const char *name, waft_store *store);
waft_status waft_kv_close(waft_store store);
/* The value of key; WAFT_NOT_FOUND when the key is missing or expired. */
waft_status waft_kv_get(waft_store store, const char *key, waft_bytes *value);
/* The value as a host buffer, and its length, to page through with waft_buf_read. */
waft_status waft_kv_get_buf(waft_store store, const char *key, waft_buf *buf, uint64_t *len);
/* ttl_ms 0: no expiry (and drops an earlier ttl); else the key expires after ttl_ms. */
waft_status waft_kv_set(waft_store store, const char *key, const void *value, size_t len, int64_t ttl_ms);
waft_status waft_kv_set_str(waft_store store, const char *key, const char *value, int64_t ttl_ms);
/* existed (may be NULL) is set to whether a live key was deleted. */
waft_status waft_kv_delete(waft_store store, const char *key, bool *existed);
waft_status waft_kv_exists(waft_store store, const char *key, bool *exists);
/* Adds delta atomically; a missing key counts as 0. WAFT_CONFLICT when the value is not an
 * integer or the sum overflows. */
waft_status waft_kv_increment(waft_store store, const char *key, int64_t delta, int64_t *value);

typedef struct waft_kv_page {
  char **keys;    /* count NUL-terminated keys */
  size_t count;
  char *cursor;   /* pass to the next waft_kv_list; NULL when there are no more keys */
} waft_kv_page;

/* One page of the keys that start with prefix (NULL or "" for all), in UTF-8 byte order.
 * Start with cursor NULL, then pass page.cursor until it is NULL; a page may be empty while
 * the cursor is not. limit 0 is the store's largest page. */
waft_status waft_kv_list(waft_store store, const char *prefix, const char *cursor, uint32_t limit, waft_kv_page *page);
void waft_kv_page_free(waft_kv_page *page);

/* ---- Outbound HTTP ---- */

typedef uint32_t waft_response;

/* Sends a request to a host in allowed_outbound_hosts and waits for the response head.
 * headers may be NULL when header_count is 0; body may be NULL when body_len is 0. */
waft_status waft_http_request(const char *method, const char *url, const waft_header *headers, size_t header_count,
                              const void *body, size_t body_len, waft_response *response);
waft_status waft_http_response_status(waft_response response, uint16_t *status);
/* The response headers, names in lower case, repeated headers repeated. */
waft_status waft_http_response_headers(waft_response response, waft_headers *headers);
/* The whole body (the first call waits for it). */
waft_status waft_http_response_body(waft_response response, waft_bytes *body);
waft_status waft_http_response_body_buf(waft_response response, waft_buf *buf, uint64_t *len);
/* Releases the response; an unread body is abandoned. */
waft_status waft_http_response_drop(waft_response response);

typedef struct waft_http_result {
  uint16_t status;
  waft_headers headers;
  waft_bytes body;
} waft_http_result;

/* waft_http_request, then status, headers and body, then drop: the whole exchange. */
waft_status waft_http_fetch(const char *method, const char *url, const waft_header *headers, size_t header_count,
                            const void *body, size_t body_len, waft_http_result *result);
void waft_http_result_free(waft_http_result *result);

/* ---- Variables ---- */

/* The value of a binding in the function's variables table, as a malloc'd string; WAFT_DENIED
 * when the function binds no such name. */
waft_status waft_var_get(const char *name, char **value);

/* ---- Logs ---- */

typedef enum waft_log_level {
  WAFT_LOG_TRACE = 0,
  WAFT_LOG_DEBUG = 1,
  WAFT_LOG_INFO = 2,
  WAFT_LOG_WARN = 3,
  WAFT_LOG_ERROR = 4
} waft_log_level;

/* One log line for the function, attributed to the request. */
waft_status waft_log(waft_log_level level, const char *message);
waft_status waft_logf(waft_log_level level, const char *format, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* WAFT_H */
