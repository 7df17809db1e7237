// kv-counter: each GET adds one to a counter kept in the key-value store "default" and
// returns the new count. Written with the waft C SDK (sdk/c).
#include <inttypes.h>
#include <string.h>

#include "waft.h"

// Ends the request with a status and the message of the call that failed.
static int fail(int status, const char *what) {
  waft_response_status(status);
  waft_response_printf("%s failed: %s\n", what, waft_last_error());
  waft_logf(WAFT_LOG_ERROR, "%s failed: %s", what, waft_last_error());
  return 0;
}

int main(void) {
  if (strcmp(waft_request_method(), "GET") != 0) {
    waft_response_status(405);
    waft_response_header("Allow", "GET");
    waft_response_puts("only GET counts\n");
    return 0;
  }

  waft_store store;
  waft_status st = waft_kv_open("default", &store);
  // DENIED here would mean waft.toml does not list "default" in key_value_stores.
  if (st != WAFT_OK) return fail(st == WAFT_DENIED ? 403 : 503, "opening the store");

  int64_t count;
  // Atomic: concurrent requests never lose a count.
  st = waft_kv_increment(store, "count", 1, &count);
  if (st == WAFT_CONFLICT) return fail(500, "counting (the value under \"count\" is not a number)");
  if (st != WAFT_OK) return fail(503, "counting");

  waft_logf(WAFT_LOG_INFO, "count is now %" PRId64, count);
  waft_response_header("Cache-Control", "no-store");
  waft_response_printf("%" PRId64 "\n", count);
  return 0;
}
