// For bench/kv-guest.bench.ts: N key-value gets of one key in a loop, each a kv_get, a buf_read
// of the value into guest memory and a buf_drop, timed inside the guest, by the wall clock and by
// the thread's CPU clock (steadier on a busy machine). Prints "ns=<wall> cpu_ns=<cpu> n=<N> bytes=<read>".
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAFT(name) __attribute__((import_module("waft"), import_name(#name)))
WAFT(kv_open) int32_t waft_kv_open(const char *name, size_t name_len, uint32_t *store_out);
WAFT(kv_get) int32_t waft_kv_get(uint32_t store, const char *key, size_t key_len, uint32_t *buf_out, uint64_t *len_out);
WAFT(buf_read) int32_t waft_buf_read(uint32_t buf, uint64_t offset, void *dst, size_t dst_len, uint32_t *nread_out);
WAFT(buf_drop) int32_t waft_buf_drop(uint32_t buf);

static uint64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  long n = atol(argv[1]);
  const char *key = argv[2];
  size_t key_len = strlen(key);
  uint32_t store;
  if (waft_kv_open("default", 7, &store) != 0) return 3;
  static unsigned char value[4096];
  uint64_t total = 0;
  uint64_t c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  uint64_t t0 = now_ns(CLOCK_MONOTONIC);
  for (long i = 0; i < n; i++) {
    uint32_t buf, got;
    uint64_t len;
    if (waft_kv_get(store, key, key_len, &buf, &len) != 0) return 4;
    if (waft_buf_read(buf, 0, value, sizeof value, &got) != 0 || got != len) return 5;
    waft_buf_drop(buf);
    total += got;
  }
  uint64_t t1 = now_ns(CLOCK_MONOTONIC);
  uint64_t c1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  printf("ns=%llu cpu_ns=%llu n=%ld bytes=%llu\n", (unsigned long long)(t1 - t0), (unsigned long long)(c1 - c0), n,
         (unsigned long long)total);
  return 0;
}
