// A waft function in C, written with the waft C SDK in waft/ (waft.h, waft.c; its API is in
// waft's docs/sdk.md). The request arrives as CGI variables and stdin (waft_request_*); the
// reply is a CGI reply on stdout (waft_response_*).
#include "waft.h"

int main(void) {
  const char *path = waft_request_path();
  if (!*path) path = "/";

  waft_response_header("Content-Type", "text/plain; charset=utf-8");
  waft_response_printf("Hello from {{app-name}}! (C)\n");
  waft_response_printf("method: %s\n", waft_request_method());
  waft_response_printf("path: %s\n", path);
  waft_response_printf("query: %s\n", waft_request_query());

  // Echo the request body, if there is one.
  waft_bytes body;
  if (waft_request_body(&body) == WAFT_OK) {
    if (body.len > 0) {
      waft_response_puts("body: ");
      waft_response_write(body.data, body.len);
      waft_response_puts("\n");
    }
    waft_bytes_free(&body);
  }

  // One line in the function's log.
  waft_logf(WAFT_LOG_INFO, "served %s", path);

  // A key-value store, once waft.toml grants it (key_value_stores = ["default"]):
  //   waft_store store;
  //   int64_t hits;
  //   if (waft_kv_open("default", &store) == WAFT_OK && waft_kv_increment(store, "hits", 1, &hits) == WAFT_OK) ...
  //   else waft_logf(WAFT_LOG_WARN, "kv: %s", waft_last_error());
  return 0;
}
