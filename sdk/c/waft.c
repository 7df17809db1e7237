/*
 * waft.c — the waft guest SDK for C. See waft.h for the API and docs/abi.md for the contract.
 */
#include "waft.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The imports of module "waft" (docs/abi.md, "All functions at a glance") ---- */

#define WAFT_IMPORT(name) __attribute__((import_module("waft"), import_name(#name)))

WAFT_IMPORT(abi_version) int32_t waft__abi_version(void);
WAFT_IMPORT(last_error) int32_t waft__last_error(uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(buf_len) int32_t waft__buf_len(uint32_t buf, uint64_t *len_out);
WAFT_IMPORT(buf_read) int32_t waft__buf_read(uint32_t buf, uint64_t offset, void *dst, size_t dst_len, uint32_t *nread_out);
WAFT_IMPORT(buf_drop) int32_t waft__buf_drop(uint32_t buf);
WAFT_IMPORT(kv_open) int32_t waft__kv_open(const char *name, size_t name_len, uint32_t *store_out);
WAFT_IMPORT(kv_close) int32_t waft__kv_close(uint32_t store);
WAFT_IMPORT(kv_get) int32_t waft__kv_get(uint32_t store, const char *key, size_t key_len, uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(kv_set) int32_t waft__kv_set(uint32_t store, const char *key, size_t key_len, const void *value, size_t value_len, int64_t ttl_ms);
WAFT_IMPORT(kv_delete) int32_t waft__kv_delete(uint32_t store, const char *key, size_t key_len, uint32_t *existed_out);
WAFT_IMPORT(kv_exists) int32_t waft__kv_exists(uint32_t store, const char *key, size_t key_len, uint32_t *exists_out);
WAFT_IMPORT(kv_list) int32_t waft__kv_list(uint32_t store, const char *prefix, size_t prefix_len, const char *cursor, size_t cursor_len,
                                           uint32_t limit, uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(kv_increment) int32_t waft__kv_increment(uint32_t store, const char *key, size_t key_len, int64_t delta, int64_t *value_out);
WAFT_IMPORT(http_request) int32_t waft__http_request(const char *method, size_t method_len, const char *url, size_t url_len,
                                                     const void *headers, size_t headers_len, const void *body, size_t body_len,
                                                     uint32_t *response_out);
WAFT_IMPORT(http_response_status) int32_t waft__http_response_status(uint32_t response, uint32_t *status_out);
WAFT_IMPORT(http_response_headers) int32_t waft__http_response_headers(uint32_t response, uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(http_response_body) int32_t waft__http_response_body(uint32_t response, uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(http_response_drop) int32_t waft__http_response_drop(uint32_t response);
WAFT_IMPORT(var_get) int32_t waft__var_get(const char *name, size_t name_len, uint32_t *buf_out, uint64_t *len_out);
WAFT_IMPORT(log) int32_t waft__log(int32_t level, const char *msg, size_t msg_len);

/* ---- Errors ---- */

/* When the SDK itself fails a call (out of memory, a header with a line break, a malformed
 * reply), its message stands in for the host's last_error until the next host failure. */
static char sdk_message[256];
static bool sdk_failed_last;
static char *last_message;

static waft_status from_host(int32_t status) {
  if (status == 0) return WAFT_OK;
  sdk_failed_last = false;
  return status > 0 && status <= WAFT_CONFLICT ? (waft_status)status : WAFT_INTERNAL;
}

static waft_status sdk_fail(waft_status status, const char *format, ...) __attribute__((format(printf, 2, 3)));
static waft_status sdk_fail(waft_status status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(sdk_message, sizeof sdk_message, format, args);
  va_end(args);
  sdk_failed_last = true;
  return status;
}

const char *waft_status_name(waft_status status) {
  switch (status) {
    case WAFT_OK: return "OK";
    case WAFT_DENIED: return "DENIED";
    case WAFT_NOT_FOUND: return "NOT_FOUND";
    case WAFT_TOO_LARGE: return "TOO_LARGE";
    case WAFT_UNAVAILABLE: return "UNAVAILABLE";
    case WAFT_INVALID: return "INVALID";
    case WAFT_TIMEOUT: return "TIMEOUT";
    case WAFT_BAD_HANDLE: return "BAD_HANDLE";
    case WAFT_CONFLICT: return "CONFLICT";
    default: return "INTERNAL";
  }
}

int32_t waft_abi_version(void) { return waft__abi_version(); }

void waft_bytes_free(waft_bytes *bytes) {
  if (!bytes) return;
  free(bytes->data);
  bytes->data = NULL;
  bytes->len = 0;
}

/* Reads len bytes of buf in WAFT_CHUNK_SIZE pages into a new allocation; drops buf. */
static waft_status take_buffer(uint32_t buf, uint64_t len, waft_bytes *out) {
  if (len >= SIZE_MAX) {
    waft__buf_drop(buf);
    return sdk_fail(WAFT_TOO_LARGE, "a host buffer of %llu bytes does not fit in wasm32 memory", (unsigned long long)len);
  }
  uint8_t *data = malloc((size_t)len + 1);
  if (!data) {
    waft__buf_drop(buf);
    return sdk_fail(WAFT_INTERNAL, "out of memory reading a host buffer of %llu bytes", (unsigned long long)len);
  }
  size_t at = 0;
  while (at < len) {
    size_t want = (size_t)len - at;
    if (want > WAFT_CHUNK_SIZE) want = WAFT_CHUNK_SIZE;
    uint32_t n = 0;
    int32_t st = waft__buf_read(buf, at, data + at, want, &n);
    if (st != 0) {
      free(data);
      waft_status status = from_host(st);
      waft__buf_drop(buf);
      return status;
    }
    if (n == 0) break;
    at += n;
  }
  data[at] = 0;
  waft__buf_drop(buf);
  out->data = data;
  out->len = at;
  return WAFT_OK;
}

const char *waft_last_error(void) {
  if (sdk_failed_last) return sdk_message;
  uint32_t buf;
  uint64_t len;
  if (waft__last_error(&buf, &len) != 0) return "";
  waft_bytes bytes;
  bool keep = sdk_failed_last;
  if (take_buffer(buf, len, &bytes) != WAFT_OK) {
    sdk_failed_last = keep;
    return "(the error message could not be read)";
  }
  free(last_message);
  last_message = (char *)bytes.data;
  return last_message;
}

/* ---- Buffers ---- */

waft_status waft_buf_len(waft_buf buf, uint64_t *len) {
  uint64_t n;
  waft_status st = from_host(waft__buf_len(buf, &n));
  if (st == WAFT_OK) *len = n;
  return st;
}

waft_status waft_buf_read(waft_buf buf, uint64_t offset, void *dst, size_t dst_len, size_t *nread) {
  uint32_t n;
  waft_status st = from_host(waft__buf_read(buf, offset, dst, dst_len, &n));
  if (st == WAFT_OK) *nread = n;
  return st;
}

waft_status waft_buf_drop(waft_buf buf) { return from_host(waft__buf_drop(buf)); }

waft_status waft_buf_take(waft_buf buf, waft_bytes *out) {
  uint64_t len;
  waft_status st = from_host(waft__buf_len(buf, &len));
  if (st != WAFT_OK) {
    waft__buf_drop(buf);
    return st;
  }
  return take_buffer(buf, len, out);
}

/* A call that makes a buffer, then the buffer read whole into out. */
#define TAKE(call, out)                                  \
  do {                                                   \
    uint32_t buf_;                                       \
    uint64_t len_;                                       \
    waft_status st_ = from_host(call);                   \
    if (st_ != WAFT_OK) return st_;                      \
    return take_buffer(buf_, len_, (out));               \
  } while (0)

/* ---- String lists (docs/abi.md, "Encodings") ---- */

static void put_u32(uint8_t *at, uint32_t v) {
  at[0] = (uint8_t)v;
  at[1] = (uint8_t)(v >> 8);
  at[2] = (uint8_t)(v >> 16);
  at[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *at) {
  return (uint32_t)at[0] | (uint32_t)at[1] << 8 | (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
}

/* Reads one string of a string list at *pos into a new NUL-terminated allocation. */
static bool read_string(const waft_bytes *list, size_t *pos, char **out) {
  if (list->len - *pos < 4) return false;
  uint32_t n = get_u32(list->data + *pos);
  *pos += 4;
  if (list->len - *pos < n) return false;
  char *s = malloc((size_t)n + 1);
  if (!s) return false;
  memcpy(s, list->data + *pos, n);
  s[n] = 0;
  *pos += n;
  *out = s;
  return true;
}

static waft_status decode_headers(waft_bytes *list, waft_headers *out) {
  waft_headers h = {0};
  size_t pos = 4;
  if (list->len < 4) goto malformed;
  uint32_t strings = get_u32(list->data);
  if (strings % 2 != 0 || strings / 2 > list->len / 8) goto malformed;
  h.items = calloc(strings / 2 + 1, sizeof *h.items);
  if (!h.items) goto malformed;
  for (uint32_t i = 0; i < strings / 2; i++) {
    if (!read_string(list, &pos, &h.items[i].name)) goto malformed;
    h.count = i + 1;
    if (!read_string(list, &pos, &h.items[i].value)) goto malformed;
  }
  waft_bytes_free(list);
  *out = h;
  return WAFT_OK;
malformed:
  waft_bytes_free(list);
  waft_headers_free(&h);
  return sdk_fail(WAFT_INTERNAL, "the host sent a header list that could not be decoded (or memory ran out)");
}

const char *waft_headers_get(const waft_headers *headers, const char *name) {
  for (size_t i = 0; i < headers->count; i++) {
    if (strcasecmp(headers->items[i].name, name) == 0) return headers->items[i].value;
  }
  return NULL;
}

void waft_headers_free(waft_headers *headers) {
  if (!headers || !headers->items) return;
  for (size_t i = 0; i < headers->count; i++) {
    free(headers->items[i].name);
    free(headers->items[i].value);
  }
  free(headers->items);
  headers->items = NULL;
  headers->count = 0;
}

/* ---- The request ---- */

extern char **environ;

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v ? v : fallback;
}

const char *waft_request_method(void) { return env_or("REQUEST_METHOD", "GET"); }
const char *waft_request_path(void) { return env_or("PATH_INFO", ""); }
const char *waft_request_query(void) { return env_or("QUERY_STRING", ""); }
const char *waft_request_env(const char *name) { return getenv(name); }

const char *waft_request_header(const char *name) {
  size_t n = strlen(name);
  char stack[128];
  char *var = n + 6 <= sizeof stack ? stack : malloc(n + 6);
  if (!var) return NULL;
  memcpy(var, "HTTP_", 5);
  for (size_t i = 0; i < n; i++) var[5 + i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
  var[5 + n] = 0;
  const char *value = getenv(var);
  if (var != stack) free(var);
  return value;
}

waft_status waft_request_headers(waft_headers *out) {
  size_t count = 0;
  for (char **e = environ; e && *e; e++) {
    if (strncmp(*e, "HTTP_", 5) == 0 && strchr(*e, '=')) count++;
  }
  waft_headers h = {calloc(count + 1, sizeof(waft_header)), 0};
  if (!h.items) return sdk_fail(WAFT_INTERNAL, "out of memory reading the request headers");
  for (char **e = environ; e && *e; e++) {
    if (strncmp(*e, "HTTP_", 5) != 0) continue;
    const char *eq = strchr(*e, '=');
    if (!eq) continue;
    size_t n = (size_t)(eq - *e) - 5;
    char *name = malloc(n + 1);
    char *value = strdup(eq + 1);
    if (!name || !value) {
      free(name);
      free(value);
      waft_headers_free(&h);
      return sdk_fail(WAFT_INTERNAL, "out of memory reading the request headers");
    }
    for (size_t i = 0; i < n; i++) {
      char c = (*e)[5 + i];
      name[i] = c == '_' ? '-' : (char)tolower((unsigned char)c);
    }
    name[n] = 0;
    h.items[h.count].name = name;
    h.items[h.count].value = value;
    h.count++;
  }
  *out = h;
  return WAFT_OK;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes s[0..n) ("+" is a space) into a new string. */
static char *form_decode(const char *s, size_t n) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '+') {
      out[o++] = ' ';
    } else if (s[i] == '%' && i + 2 < n && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out[o++] = (char)(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = 0;
  return out;
}

char *waft_request_query_param(const char *name) {
  const char *q = waft_request_query();
  while (*q) {
    const char *end = strchr(q, '&');
    size_t len = end ? (size_t)(end - q) : strlen(q);
    const char *eq = memchr(q, '=', len);
    size_t key_len = eq ? (size_t)(eq - q) : len;
    char *key = form_decode(q, key_len);
    if (!key) return NULL;
    bool match = strcmp(key, name) == 0;
    free(key);
    if (match) return eq ? form_decode(eq + 1, len - key_len - 1) : strdup("");
    if (!end) break;
    q = end + 1;
  }
  return NULL;
}

waft_status waft_request_body(waft_bytes *out) {
  size_t cap = 4096, len = 0;
  const char *declared = getenv("CONTENT_LENGTH");
  if (declared && *declared) {
    unsigned long long n = strtoull(declared, NULL, 10);
    if (n + 1 > cap && n < SIZE_MAX / 2) cap = (size_t)n + 1;
  }
  uint8_t *data = malloc(cap);
  if (!data) return sdk_fail(WAFT_INTERNAL, "out of memory reading the request body");
  for (;;) {
    if (len + 1 >= cap) {
      uint8_t *bigger = realloc(data, cap * 2);
      if (!bigger) {
        free(data);
        return sdk_fail(WAFT_INTERNAL, "out of memory reading the request body (%zu bytes so far)", len);
      }
      data = bigger;
      cap *= 2;
    }
    size_t n = fread(data + len, 1, cap - 1 - len, stdin);
    if (n == 0) break;
    len += n;
  }
  data[len] = 0;
  out->data = data;
  out->len = len;
  return WAFT_OK;
}

/* ---- The response ---- */

static int response_status;
static char *response_head;
static size_t response_head_len;
static bool head_sent, has_content_type, has_location, exit_hook;

static void at_exit(void) { waft_response_end(); }

static void touch_response(void) {
  if (!exit_hook) {
    exit_hook = true;
    atexit(at_exit);
  }
}

void waft_response_status(int status) {
  touch_response();
  response_status = status;
}

static bool is_token(const char *s) {
  if (!*s) return false;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= ' ' || c >= 127 || strchr("\"(),/:;<=>?@[\\]{}", c)) return false;
  }
  return true;
}

static bool is_field_value(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < ' ' && c != '\t') || c == 127) return false;
  }
  return true;
}

waft_status waft_response_header(const char *name, const char *value) {
  touch_response();
  if (head_sent) return sdk_fail(WAFT_INVALID, "header \"%s\" was set after the body began; set headers first", name);
  if (!is_token(name)) return sdk_fail(WAFT_INVALID, "\"%s\" is not a valid header name", name);
  if (!is_field_value(value)) return sdk_fail(WAFT_INVALID, "the value of header \"%s\" has a line break or control character", name);
  if (strcasecmp(name, "Status") == 0) {
    response_status = atoi(value);
    return WAFT_OK;
  }
  size_t add = strlen(name) + 2 + strlen(value) + 1;
  char *bigger = realloc(response_head, response_head_len + add + 1);
  if (!bigger) return sdk_fail(WAFT_INTERNAL, "out of memory adding header \"%s\"", name);
  response_head = bigger;
  response_head_len += (size_t)sprintf(response_head + response_head_len, "%s: %s\n", name, value);
  if (strcasecmp(name, "Content-Type") == 0) has_content_type = true;
  if (strcasecmp(name, "Location") == 0) has_location = true;
  return WAFT_OK;
}

static void send_head(void) {
  if (head_sent) return;
  head_sent = true;
  if (response_status) printf("Status: %d\n", response_status);
  if (response_head) fwrite(response_head, 1, response_head_len, stdout);
  bool bodiless = response_status == 204 || response_status == 304;
  if (!has_content_type && !has_location && !bodiless) fputs("Content-Type: text/plain; charset=utf-8\n", stdout);
  fputs("\n", stdout);
  free(response_head);
  response_head = NULL;
}

waft_status waft_response_write(const void *data, size_t len) {
  touch_response();
  send_head();
  if (len && fwrite(data, 1, len, stdout) != len) return sdk_fail(WAFT_UNAVAILABLE, "writing the response body failed");
  return WAFT_OK;
}

waft_status waft_response_puts(const char *text) { return waft_response_write(text, strlen(text)); }

waft_status waft_response_printf(const char *format, ...) {
  touch_response();
  send_head();
  va_list args;
  va_start(args, format);
  int n = vprintf(format, args);
  va_end(args);
  return n < 0 ? sdk_fail(WAFT_UNAVAILABLE, "writing the response body failed") : WAFT_OK;
}

void waft_response_end(void) {
  send_head();
  fflush(stdout);
}

waft_status waft_respond(int status, const char *content_type, const void *body, size_t len) {
  waft_response_status(status);
  if (content_type) {
    waft_status st = waft_response_header("Content-Type", content_type);
    if (st != WAFT_OK) return st;
  }
  waft_status st = waft_response_write(body, len);
  waft_response_end();
  return st;
}

/* ---- Key-value stores ---- */

waft_status waft_kv_open(const char *name, waft_store *store) {
  uint32_t handle;
  waft_status st = from_host(waft__kv_open(name, strlen(name), &handle));
  if (st == WAFT_OK) *store = handle;
  return st;
}

waft_status waft_kv_close(waft_store store) { return from_host(waft__kv_close(store)); }

waft_status waft_kv_get(waft_store store, const char *key, waft_bytes *value) {
  TAKE(waft__kv_get(store, key, strlen(key), &buf_, &len_), value);
}

waft_status waft_kv_get_buf(waft_store store, const char *key, waft_buf *buf, uint64_t *len) {
  uint32_t b;
  uint64_t n;
  waft_status st = from_host(waft__kv_get(store, key, strlen(key), &b, &n));
  if (st == WAFT_OK) {
    *buf = b;
    *len = n;
  }
  return st;
}

waft_status waft_kv_set(waft_store store, const char *key, const void *value, size_t len, int64_t ttl_ms) {
  return from_host(waft__kv_set(store, key, strlen(key), value, len, ttl_ms));
}

waft_status waft_kv_set_str(waft_store store, const char *key, const char *value, int64_t ttl_ms) {
  return waft_kv_set(store, key, value, strlen(value), ttl_ms);
}

waft_status waft_kv_delete(waft_store store, const char *key, bool *existed) {
  uint32_t flag;
  waft_status st = from_host(waft__kv_delete(store, key, strlen(key), &flag));
  if (st == WAFT_OK && existed) *existed = flag != 0;
  return st;
}

waft_status waft_kv_exists(waft_store store, const char *key, bool *exists) {
  uint32_t flag;
  waft_status st = from_host(waft__kv_exists(store, key, strlen(key), &flag));
  if (st == WAFT_OK) *exists = flag != 0;
  return st;
}

waft_status waft_kv_increment(waft_store store, const char *key, int64_t delta, int64_t *value) {
  int64_t v;
  waft_status st = from_host(waft__kv_increment(store, key, strlen(key), delta, &v));
  if (st == WAFT_OK) *value = v;
  return st;
}

waft_status waft_kv_list(waft_store store, const char *prefix, const char *cursor, uint32_t limit, waft_kv_page *page) {
  if (!prefix) prefix = "";
  if (!cursor) cursor = "";
  uint32_t buf;
  uint64_t len;
  waft_status st = from_host(waft__kv_list(store, prefix, strlen(prefix), cursor, strlen(cursor), limit, &buf, &len));
  if (st != WAFT_OK) return st;
  waft_bytes list;
  st = take_buffer(buf, len, &list);
  if (st != WAFT_OK) return st;

  waft_kv_page p = {0};
  size_t pos = 4;
  if (list.len < 4) goto malformed;
  uint32_t count = get_u32(list.data);
  if (count > list.len / 4) goto malformed;
  p.keys = calloc((size_t)count + 1, sizeof(char *));
  if (!p.keys) goto malformed;
  for (uint32_t i = 0; i < count; i++) {
    if (!read_string(&list, &pos, &p.keys[i])) goto malformed;
    p.count = i + 1;
  }
  char *next;
  if (!read_string(&list, &pos, &next)) goto malformed;
  if (*next) {
    p.cursor = next;
  } else {
    free(next);
  }
  waft_bytes_free(&list);
  *page = p;
  return WAFT_OK;
malformed:
  waft_bytes_free(&list);
  waft_kv_page_free(&p);
  return sdk_fail(WAFT_INTERNAL, "the host sent a kv_list page that could not be decoded (or memory ran out)");
}

void waft_kv_page_free(waft_kv_page *page) {
  if (!page) return;
  if (page->keys) {
    for (size_t i = 0; i < page->count; i++) free(page->keys[i]);
    free(page->keys);
  }
  free(page->cursor);
  page->keys = NULL;
  page->count = 0;
  page->cursor = NULL;
}

/* ---- Outbound HTTP ---- */

waft_status waft_http_request(const char *method, const char *url, const waft_header *headers, size_t header_count,
                              const void *body, size_t body_len, waft_response *response) {
  uint8_t *list = NULL;
  size_t list_len = 0;
  if (header_count > 0) {
    list_len = 4;
    for (size_t i = 0; i < header_count; i++) list_len += 8 + strlen(headers[i].name) + strlen(headers[i].value);
    list = malloc(list_len);
    if (!list) return sdk_fail(WAFT_INTERNAL, "out of memory encoding %zu request headers", header_count);
    put_u32(list, (uint32_t)(header_count * 2));
    size_t pos = 4;
    for (size_t i = 0; i < header_count; i++) {
      const char *parts[2] = {headers[i].name, headers[i].value};
      for (int j = 0; j < 2; j++) {
        size_t n = strlen(parts[j]);
        put_u32(list + pos, (uint32_t)n);
        memcpy(list + pos + 4, parts[j], n);
        pos += 4 + n;
      }
    }
  }
  uint32_t handle;
  waft_status st = from_host(waft__http_request(method, strlen(method), url, strlen(url), list, list_len, body,
                                                body ? body_len : 0, &handle));
  free(list);
  if (st == WAFT_OK) *response = handle;
  return st;
}

waft_status waft_http_response_status(waft_response response, uint16_t *status) {
  uint32_t s;
  waft_status st = from_host(waft__http_response_status(response, &s));
  if (st == WAFT_OK) *status = (uint16_t)s;
  return st;
}

waft_status waft_http_response_headers(waft_response response, waft_headers *headers) {
  uint32_t buf;
  uint64_t len;
  waft_status st = from_host(waft__http_response_headers(response, &buf, &len));
  if (st != WAFT_OK) return st;
  waft_bytes list;
  st = take_buffer(buf, len, &list);
  if (st != WAFT_OK) return st;
  return decode_headers(&list, headers);
}

waft_status waft_http_response_body(waft_response response, waft_bytes *body) {
  TAKE(waft__http_response_body(response, &buf_, &len_), body);
}

waft_status waft_http_response_body_buf(waft_response response, waft_buf *buf, uint64_t *len) {
  uint32_t b;
  uint64_t n;
  waft_status st = from_host(waft__http_response_body(response, &b, &n));
  if (st == WAFT_OK) {
    *buf = b;
    *len = n;
  }
  return st;
}

waft_status waft_http_response_drop(waft_response response) { return from_host(waft__http_response_drop(response)); }

waft_status waft_http_fetch(const char *method, const char *url, const waft_header *headers, size_t header_count,
                            const void *body, size_t body_len, waft_http_result *result) {
  waft_response response;
  waft_status st = waft_http_request(method, url, headers, header_count, body, body_len, &response);
  if (st != WAFT_OK) return st;
  waft_http_result r = {0};
  st = waft_http_response_status(response, &r.status);
  if (st == WAFT_OK) st = waft_http_response_headers(response, &r.headers);
  if (st == WAFT_OK) st = waft_http_response_body(response, &r.body);
  bool sdk = sdk_failed_last;
  waft__http_response_drop(response);
  sdk_failed_last = sdk;
  if (st != WAFT_OK) {
    waft_http_result_free(&r);
    return st;
  }
  *result = r;
  return WAFT_OK;
}

void waft_http_result_free(waft_http_result *result) {
  if (!result) return;
  waft_headers_free(&result->headers);
  waft_bytes_free(&result->body);
  result->status = 0;
}

/* ---- Variables and logs ---- */

waft_status waft_var_get(const char *name, char **value) {
  uint32_t buf;
  uint64_t len;
  waft_status st = from_host(waft__var_get(name, strlen(name), &buf, &len));
  if (st != WAFT_OK) return st;
  waft_bytes bytes;
  st = take_buffer(buf, len, &bytes);
  if (st == WAFT_OK) *value = (char *)bytes.data;
  return st;
}

waft_status waft_log(waft_log_level level, const char *message) {
  return from_host(waft__log((int32_t)level, message, strlen(message)));
}

waft_status waft_logf(waft_log_level level, const char *format, ...) {
  char small[512];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n < 0) return sdk_fail(WAFT_INVALID, "log format \"%s\" could not be formatted", format);
  if ((size_t)n < sizeof small) return from_host(waft__log((int32_t)level, small, (size_t)n));
  char *big = malloc((size_t)n + 1);
  if (!big) return sdk_fail(WAFT_INTERNAL, "out of memory formatting a log message of %d bytes", n);
  va_start(args, format);
  vsnprintf(big, (size_t)n + 1, format, args);
  va_end(args);
  waft_status st = from_host(waft__log((int32_t)level, big, (size_t)n));
  free(big);
  return st;
}
