// A WAGI handler that counts its requests in a key-value store: it increments "hits" in the
// store named by $STORE (default "default") and replies with the count. When a kv call fails it
// replies 503 with the host's message (last_error), as docs/abi.md recommends.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAFT(name) __attribute__((import_module("waft"), import_name(#name)))
WAFT(kv_open) int32_t waft_kv_open(const char *name, size_t name_len, uint32_t *store_out);
WAFT(kv_increment) int32_t waft_kv_increment(uint32_t store, const char *key, size_t key_len, int64_t delta, int64_t *value_out);
WAFT(last_error) int32_t waft_last_error(uint32_t *buf_out, uint64_t *len_out);
WAFT(buf_read) int32_t waft_buf_read(uint32_t buf, uint64_t offset, void *dst, size_t dst_len, uint32_t *nread_out);
WAFT(buf_drop) int32_t waft_buf_drop(uint32_t buf);

static int unavailable(const char *what, int32_t status) {
  char msg[1024];
  uint32_t buf, n = 0;
  uint64_t len;
  if (waft_last_error(&buf, &len) == 0) {
    waft_buf_read(buf, 0, msg, sizeof msg - 1, &n);
    waft_buf_drop(buf);
  }
  msg[n] = 0;
  printf("Status: 503 Service Unavailable\nContent-Type: text/plain\n\n%s failed with status %d: %s\n", what, status, msg);
  return 0;
}

int main(void) {
  const char *name = getenv("STORE");
  if (!name) name = "default";
  uint32_t store;
  int32_t st = waft_kv_open(name, strlen(name), &store);
  if (st != 0) return unavailable("kv_open", st);
  int64_t hits;
  st = waft_kv_increment(store, "hits", 4, 1, &hits);
  if (st != 0) return unavailable("kv_increment", st);
  printf("Content-Type: text/plain\n\nhits %lld\n", (long long)hits);
  return 0;
}
