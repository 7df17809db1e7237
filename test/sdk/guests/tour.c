// Exercises every function of the C SDK (sdk/c) against the real host. Each route prints
// `name=value` lines; test/sdk/sdk.test.ts expects the same lines from the Rust and
// AssemblyScript tours (tour.rs, tour.as.ts).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "waft.h"

#define BIG 300000

static void line(const char *name, const char *value) { waft_response_printf("%s=%s\n", name, value); }

static void status_line(const char *name, waft_status st) {
  line(name, st == WAFT_OK ? "ok" : waft_status_name(st));
}

static uint8_t pattern(size_t i) { return (uint8_t)((i * 7 + 3) % 251); }

static void request_route(void) {
  waft_response_status(201);
  waft_response_header("X-Sdk", "c");
  waft_response_header("Set-Cookie", "a=1");
  waft_response_header("Set-Cookie", "b=2");
  waft_status bad = waft_response_header("X-Bad", "line\r\nInjected: yes");
  line("method", waft_request_method());
  line("path", waft_request_path());
  line("query", waft_request_query());
  char *a = waft_request_query_param("a");
  line("param.a", a ? a : "(none)");
  free(a);
  char *missing = waft_request_query_param("missing");
  line("param.missing", missing ? missing : "(none)");
  free(missing);
  const char *h = waft_request_header("X-Test");
  line("header.x-test", h ? h : "(none)");
  h = waft_request_header("x-missing");
  line("header.missing", h ? h : "(none)");
  waft_headers all;
  if (waft_request_headers(&all) == WAFT_OK) {
    const char *v = waft_headers_get(&all, "x-test");
    line("headers.x-test", v ? v : "(none)");
    waft_headers_free(&all);
  }
  line("env.X_MATCHED_ROUTE", waft_request_env("X_MATCHED_ROUTE"));
  waft_bytes body;
  if (waft_request_body(&body) == WAFT_OK) {
    waft_response_printf("body.len=%zu\n", body.len);
    line("body", (const char *)body.data);
    waft_bytes_free(&body);
  }
  status_line("header.bad", bad);
}

static void bare_route(void) {
  // Nothing written: the SDK sends the head when the program exits.
  waft_response_status(202);
}

static void kv_route(const char *store_name) {
  char num[64];
  snprintf(num, sizeof num, "%" PRId32, waft_abi_version());
  line("abi_version", num);

  waft_store store;
  waft_status st = waft_kv_open(store_name, &store);
  status_line("open", st);
  if (st != WAFT_OK) {
    line("open.error", waft_last_error());
    return;
  }
  status_line("set", waft_kv_set_str(store, "k1", "v1", 0));
  waft_bytes value;
  st = waft_kv_get(store, "k1", &value);
  line("get", st == WAFT_OK ? (const char *)value.data : waft_status_name(st));
  if (st == WAFT_OK) waft_bytes_free(&value);
  bool flag = false;
  waft_kv_exists(store, "k1", &flag);
  line("exists", flag ? "true" : "false");
  waft_kv_exists(store, "missing", &flag);
  line("exists.missing", flag ? "true" : "false");
  status_line("get.missing", waft_kv_get(store, "missing", &value));
  waft_kv_delete(store, "k1", &flag);
  line("delete", flag ? "true" : "false");
  waft_kv_delete(store, "k1", &flag);
  line("delete.again", flag ? "true" : "false");

  status_line("set.ttl", waft_kv_set_str(store, "ttl", "x", 60000));
  waft_kv_exists(store, "ttl", &flag);
  line("exists.ttl", flag ? "true" : "false");
  status_line("set.badttl", waft_kv_set_str(store, "ttl", "x", INT64_C(3187296000000)));

  status_line("set.empty", waft_kv_set(store, "empty", "", 0, 0));
  st = waft_kv_get(store, "empty", &value);
  if (st == WAFT_OK) {
    waft_response_printf("get.empty.len=%zu\n", value.len);
    waft_bytes_free(&value);
  }
  waft_kv_set_str(store, "cl\xc3\xa9", "v\xc3\xa4rde", 0);
  st = waft_kv_get(store, "cl\xc3\xa9", &value);
  line("get.unicode", st == WAFT_OK ? (const char *)value.data : waft_status_name(st));
  if (st == WAFT_OK) waft_bytes_free(&value);

  size_t huge_len = 1024 * 1024 + 1; /* one byte over the default max_value_bytes */
  uint8_t *huge = calloc(huge_len, 1);
  status_line("set.toolarge", waft_kv_set(store, "huge", huge, huge_len, 0));
  free(huge);
  status_line("get.emptykey", waft_kv_get(store, "", &value));

  waft_kv_delete(store, "n", NULL);
  int64_t n = 0;
  waft_kv_increment(store, "n", 5, &n);
  snprintf(num, sizeof num, "%" PRId64, n);
  line("incr", num);
  waft_kv_increment(store, "n", -2, &n);
  snprintf(num, sizeof num, "%" PRId64, n);
  line("incr.neg", num);
  st = waft_kv_get(store, "n", &value);
  line("get.n", st == WAFT_OK ? (const char *)value.data : waft_status_name(st));
  if (st == WAFT_OK) waft_bytes_free(&value);
  waft_kv_set_str(store, "text", "abc", 0);
  st = waft_kv_increment(store, "text", 1, &n);
  status_line("incr.conflict", st);
  line("incr.conflict.error", waft_last_error());

  for (int i = 0; i < 25; i++) {
    char key[32];
    snprintf(key, sizeof key, "list/%02d", i);
    waft_kv_set_str(store, key, "x", 0);
  }
  int pages = 0, keys = 0;
  bool sorted = true;
  char prev[64] = "";
  char *cursor = NULL;
  do {
    waft_kv_page page;
    st = waft_kv_list(store, "list/", cursor, 10, &page);
    free(cursor);
    cursor = NULL;
    if (st != WAFT_OK) {
      status_line("list", st);
      break;
    }
    pages++;
    for (size_t i = 0; i < page.count; i++) {
      if (strcmp(prev, page.keys[i]) >= 0) sorted = false;
      snprintf(prev, sizeof prev, "%s", page.keys[i]);
      keys++;
    }
    if (page.cursor) cursor = strdup(page.cursor);
    waft_kv_page_free(&page);
  } while (cursor);
  snprintf(num, sizeof num, "%d", keys);
  line("list.keys", num);
  snprintf(num, sizeof num, "%d", pages);
  line("list.pages", num);
  line("list.sorted", sorted ? "true" : "false");
  line("list.last", prev);

  uint8_t *big = malloc(BIG);
  for (size_t i = 0; i < BIG; i++) big[i] = pattern(i);
  status_line("big.set", waft_kv_set(store, "big", big, BIG, 0));
  st = waft_kv_get(store, "big", &value);
  if (st == WAFT_OK) {
    snprintf(num, sizeof num, "%zu", value.len);
    line("big.len", num);
    line("big.same", value.len == BIG && memcmp(value.data, big, BIG) == 0 ? "true" : "false");
    waft_bytes_free(&value);
  } else {
    status_line("big.get", st);
  }
  // Page it by hand through 1000 bytes.
  waft_buf buf;
  uint64_t len = 0;
  st = waft_kv_get_buf(store, "big", &buf, &len);
  if (st == WAFT_OK) {
    uint64_t host_len = 0;
    waft_buf_len(buf, &host_len);
    uint8_t chunk[1000];
    uint64_t at = 0;
    size_t got;
    int reads = 0;
    bool same = host_len == len;
    while (waft_buf_read(buf, at, chunk, sizeof chunk, &got) == WAFT_OK && got > 0) {
      for (size_t i = 0; i < got; i++) same = same && chunk[i] == pattern(at + i);
      at += got;
      reads++;
    }
    snprintf(num, sizeof num, "%d", reads);
    line("big.reads", num);
    line("big.paged", same && at == BIG ? "true" : "false");
    status_line("buf.drop", waft_buf_drop(buf));
    status_line("buf.drop.again", waft_buf_drop(buf));
  }
  free(big);

  // Clean up: delete every key, page by page.
  int deleted = 0;
  cursor = NULL;
  do {
    waft_kv_page page;
    if (waft_kv_list(store, NULL, cursor, 0, &page) != WAFT_OK) break;
    free(cursor);
    cursor = page.cursor ? strdup(page.cursor) : NULL;
    for (size_t i = 0; i < page.count; i++) {
      if (waft_kv_delete(store, page.keys[i], &flag) == WAFT_OK && flag) deleted++;
    }
    waft_kv_page_free(&page);
  } while (cursor);
  snprintf(num, sizeof num, "%d", deleted);
  line("cleanup.deleted", num);

  status_line("close", waft_kv_close(store));
  status_line("after.close", waft_kv_exists(store, "k1", &flag));
}

static void denied_route(void) {
  waft_store store;
  waft_status st = waft_kv_open("other", &store);
  status_line("open.other", st);
  line("open.other.error", waft_last_error());
  char *value = NULL;
  st = waft_var_get("nope", &value);
  status_line("var.nope", st);
  line("var.nope.error", waft_last_error());
  status_line("log.badlevel", waft_log((waft_log_level)9, "never"));
}

static void vars_route(void) {
  char *value = NULL;
  waft_status st = waft_var_get("greeting", &value);
  line("var.greeting", st == WAFT_OK ? value : waft_status_name(st));
  free(value);
}

static void log_route(void) {
  status_line("log.trace", waft_log(WAFT_LOG_TRACE, "c says trace"));
  status_line("log.debug", waft_log(WAFT_LOG_DEBUG, "c says debug"));
  status_line("log.info", waft_log(WAFT_LOG_INFO, "c says info"));
  status_line("log.warn", waft_logf(WAFT_LOG_WARN, "c says %s", "warn"));
  status_line("log.error", waft_log(WAFT_LOG_ERROR, "c says error"));
}

static void http_route(void) {
  const char *base = getenv("ECHO_URL"), *denied = getenv("DENIED_URL"), *dead = getenv("DEAD_URL");
  char url[256];
  snprintf(url, sizeof url, "%s/echo?x=1", base);
  waft_header headers[] = {{"X-A", "1"}, {"Content-Type", "text/plain"}};
  waft_http_result r;
  waft_status st = waft_http_fetch("POST", url, headers, 2, "ping", 4, &r);
  status_line("http", st);
  if (st == WAFT_OK) {
    char num[32];
    snprintf(num, sizeof num, "%u", r.status);
    line("http.status", num);
    const char *v = waft_headers_get(&r.headers, "X-Echo-Method");
    line("http.header.x-echo-method", v ? v : "(none)");
    v = waft_headers_get(&r.headers, "x-echo-a");
    line("http.header.x-echo-a", v ? v : "(none)");
    line("http.body", (const char *)r.body.data);
    waft_http_result_free(&r);
  } else {
    line("http.error", waft_last_error());
  }

  // The same exchange call by call, with a body larger than the SDK's chunk size.
  snprintf(url, sizeof url, "%s/big", base);
  waft_response resp;
  st = waft_http_request("GET", url, NULL, 0, NULL, 0, &resp);
  status_line("http.big", st);
  if (st == WAFT_OK) {
    uint16_t status = 0;
    waft_http_response_status(resp, &status);
    waft_headers h;
    if (waft_http_response_headers(resp, &h) == WAFT_OK) {
      const char *v = waft_headers_get(&h, "content-length");
      line("http.big.content-length", v ? v : "(none)");
      waft_headers_free(&h);
    }
    waft_bytes body;
    if (waft_http_response_body(resp, &body) == WAFT_OK) {
      bool same = body.len == 200000;
      for (size_t i = 0; same && i < body.len; i++) same = body.data[i] == pattern(i);
      char num[32];
      snprintf(num, sizeof num, "%zu", body.len);
      line("http.big.len", num);
      line("http.big.same", same ? "true" : "false");
      waft_bytes_free(&body);
    }
    waft_buf buf;
    uint64_t len = 0;
    if (waft_http_response_body_buf(resp, &buf, &len) == WAFT_OK) {
      char num[32];
      snprintf(num, sizeof num, "%" PRIu64, len);
      line("http.big.again", num);
      waft_buf_drop(buf);
    }
    status_line("http.drop", waft_http_response_drop(resp));
    status_line("http.drop.again", waft_http_response_drop(resp));
  }

  st = waft_http_request("GET", denied, NULL, 0, NULL, 0, &resp);
  status_line("http.denied", st);
  line("http.denied.error", waft_last_error());
  st = waft_http_request("GET", dead, NULL, 0, NULL, 0, &resp);
  status_line("http.dead", st);
  snprintf(url, sizeof url, "%s/slow", base);
  st = waft_http_request("GET", url, NULL, 0, NULL, 0, &resp);
  status_line("http.slow", st);
  st = waft_http_request("GET", "not a url", NULL, 0, NULL, 0, &resp);
  status_line("http.badurl", st);
}

int main(void) {
  const char *path = waft_request_path();
  if (strcmp(path, "/request") == 0) request_route();
  else if (strcmp(path, "/bare") == 0) bare_route();
  else if (strncmp(path, "/kv/", 4) == 0) kv_route(path + 4);
  else if (strcmp(path, "/denied") == 0) denied_route();
  else if (strcmp(path, "/vars") == 0) vars_route();
  else if (strcmp(path, "/log") == 0) log_route();
  else if (strcmp(path, "/http") == 0) http_route();
  else waft_respond(404, "text/plain", "no such route\n", 14);
  return 0;
}
