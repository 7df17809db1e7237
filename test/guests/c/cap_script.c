// Drives every import of module "waft" from a script on stdin, one command per line, and prints
// one result line per command (plus "  error: <last_error>" after a failure). Built with raw
// import declarations, as docs/abi.md shows, not with an SDK.
//
//   version | open NAME | close | get KEY [CHUNK] | set KEY VALUE [TTL_MS] | setbig KEY SIZE
//   del KEY | exists KEY | list PREFIX LIMIT | listall PREFIX LIMIT | incr KEY DELTA
//   var NAME | log LEVEL MESSAGE | http METHOD URL [BODY] | stderr TEXT | badhandle | err
// With $WAGI set it first writes a CGI header, so that it can serve a WAGI route.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAFT(name) __attribute__((import_module("waft"), import_name(#name)))
WAFT(abi_version) int32_t waft_abi_version(void);
WAFT(last_error) int32_t waft_last_error(uint32_t *buf_out, uint64_t *len_out);
WAFT(buf_len) int32_t waft_buf_len(uint32_t buf, uint64_t *len_out);
WAFT(buf_read) int32_t waft_buf_read(uint32_t buf, uint64_t offset, void *dst, size_t dst_len, uint32_t *nread_out);
WAFT(buf_drop) int32_t waft_buf_drop(uint32_t buf);
WAFT(kv_open) int32_t waft_kv_open(const char *name, size_t name_len, uint32_t *store_out);
WAFT(kv_close) int32_t waft_kv_close(uint32_t store);
WAFT(kv_get) int32_t waft_kv_get(uint32_t store, const char *key, size_t key_len, uint32_t *buf_out, uint64_t *len_out);
WAFT(kv_set) int32_t waft_kv_set(uint32_t store, const char *key, size_t key_len, const void *value, size_t value_len, int64_t ttl_ms);
WAFT(kv_delete) int32_t waft_kv_delete(uint32_t store, const char *key, size_t key_len, uint32_t *existed_out);
WAFT(kv_exists) int32_t waft_kv_exists(uint32_t store, const char *key, size_t key_len, uint32_t *exists_out);
WAFT(kv_list) int32_t waft_kv_list(uint32_t store, const char *prefix, size_t prefix_len, const char *cursor, size_t cursor_len,
                                   uint32_t limit, uint32_t *buf_out, uint64_t *len_out);
WAFT(kv_increment) int32_t waft_kv_increment(uint32_t store, const char *key, size_t key_len, int64_t delta, int64_t *value_out);
WAFT(http_request) int32_t waft_http_request(const char *method, size_t method_len, const char *url, size_t url_len,
                                             const void *headers, size_t headers_len, const void *body, size_t body_len,
                                             uint32_t *response_out);
WAFT(http_response_status) int32_t waft_http_response_status(uint32_t response, uint32_t *status_out);
WAFT(http_response_headers) int32_t waft_http_response_headers(uint32_t response, uint32_t *buf_out, uint64_t *len_out);
WAFT(http_response_body) int32_t waft_http_response_body(uint32_t response, uint32_t *buf_out, uint64_t *len_out);
WAFT(http_response_drop) int32_t waft_http_response_drop(uint32_t response);
WAFT(var_get) int32_t waft_var_get(const char *name, size_t name_len, uint32_t *buf_out, uint64_t *len_out);
WAFT(log) int32_t waft_log(int32_t level, const char *msg, size_t msg_len);

static uint32_t store = 0;

static void print_error(void) {
  uint32_t buf;
  uint64_t len;
  if (waft_last_error(&buf, &len) != 0) { printf("  error: (none)\n"); return; }
  char *msg = malloc(len + 1);
  uint32_t n = 0;
  waft_buf_read(buf, 0, msg, len, &n);
  msg[n] = 0;
  waft_buf_drop(buf);
  printf("  error: %s\n", msg);
  free(msg);
}

static void result(const char *cmd, int32_t st) {
  printf("%s -> %d", cmd, st);
}

/* Reads a whole buffer through a buffer of `chunk` bytes; returns malloc'd bytes, length in *len. */
static unsigned char *read_all(uint32_t buf, uint64_t total, size_t chunk, uint64_t *reads) {
  unsigned char *out = malloc(total + 1);
  unsigned char *piece = malloc(chunk);
  uint64_t at = 0;
  uint32_t n;
  *reads = 0;
  for (;;) {
    if (waft_buf_read(buf, at, piece, chunk, &n) != 0) { printf("buf_read failed\n"); exit(3); }
    if (n == 0) break;
    if (n > chunk || at + n > total) { printf("buf_read returned too much\n"); exit(3); }
    memcpy(out + at, piece, n);
    at += n;
    (*reads)++;
  }
  free(piece);
  if (at != total) { printf("read %llu of %llu bytes\n", (unsigned long long)at, (unsigned long long)total); exit(3); }
  out[total] = 0;
  return out;
}

static uint32_t fnv1a(const unsigned char *p, uint64_t n) {
  uint32_t h = 2166136261u;
  for (uint64_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
  return h;
}

static void print_value(const unsigned char *v, uint64_t len) {
  printf(" len=%llu fnv=%08x", (unsigned long long)len, fnv1a(v, len));
  if (len <= 200) printf(" value=%.*s", (int)len, (const char *)v);
}

static uint32_t u32_at(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* Prints a string list (and, for a list page, the cursor after it); returns the cursor length. */
static size_t print_strings(const unsigned char *p, uint64_t len, int with_cursor, char *cursor_out) {
  uint32_t count = u32_at(p);
  size_t at = 4;
  printf(" count=%u", count);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t l = u32_at(p + at);
    printf(" [%.*s]", (int)l, (const char *)p + at + 4);
    at += 4 + l;
  }
  size_t cl = 0;
  if (with_cursor) {
    cl = u32_at(p + at);
    if (cursor_out) { memcpy(cursor_out, p + at + 4, cl); cursor_out[cl] = 0; }
    printf(" cursor=%s", cl ? "more" : "end");
    at += 4 + cl;
  }
  if (at != len) printf(" BAD-LENGTH(%zu != %llu)", at, (unsigned long long)len);
  return cl;
}

static char *next_word(char **line) {
  char *s = *line;
  while (*s == ' ') s++;
  if (!*s) return NULL;
  char *w = s;
  while (*s && *s != ' ') s++;
  if (*s) *s++ = 0;
  *line = s;
  return w;
}

int main(void) {
  static char line[1 << 16];
  if (getenv("WAGI")) printf("Content-Type: text/plain\n\n");
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *rest = line;
    char *cmd = next_word(&rest);
    if (!cmd) continue;
    int32_t st = 0;
    if (!strcmp(cmd, "version")) {
      printf("version -> %d\n", waft_abi_version());
      continue;
    } else if (!strcmp(cmd, "open")) {
      char *name = next_word(&rest);
      st = waft_kv_open(name, strlen(name), &store);
      result(cmd, st);
      if (st == 0) printf(" handle=%s", store ? "nonzero" : "zero");
    } else if (!strcmp(cmd, "close")) {
      st = waft_kv_close(store);
      result(cmd, st);
    } else if (!strcmp(cmd, "get")) {
      char *key = next_word(&rest);
      char *chunk = next_word(&rest);
      uint32_t buf;
      uint64_t len, reads;
      st = waft_kv_get(store, key, strlen(key), &buf, &len);
      result(cmd, st);
      if (st == 0) {
        uint64_t again;
        if (waft_buf_len(buf, &again) != 0 || again != len) printf(" BAD-BUF-LEN");
        unsigned char *v = read_all(buf, len, chunk ? (size_t)atoi(chunk) : 1024, &reads);
        print_value(v, len);
        printf(" reads=%llu", (unsigned long long)reads);
        free(v);
        printf(" drop=%d drop-again=%d", waft_buf_drop(buf), waft_buf_drop(buf));
      }
    } else if (!strcmp(cmd, "set")) {
      char *key = next_word(&rest);
      char *value = next_word(&rest);
      char *ttl = next_word(&rest);
      st = waft_kv_set(store, key, strlen(key), value, strlen(value), ttl ? atoll(ttl) : 0);
      result(cmd, st);
    } else if (!strcmp(cmd, "setbig")) {
      char *key = next_word(&rest);
      size_t size = (size_t)atol(next_word(&rest));
      unsigned char *v = malloc(size);
      for (size_t i = 0; i < size; i++) v[i] = (unsigned char)((i * 7 + 3) % 251);
      st = waft_kv_set(store, key, strlen(key), v, size, 0);
      result(cmd, st);
      printf(" fnv=%08x", fnv1a(v, size));
      free(v);
    } else if (!strcmp(cmd, "del")) {
      char *key = next_word(&rest);
      uint32_t existed = 7;
      st = waft_kv_delete(store, key, strlen(key), &existed);
      result(cmd, st);
      if (st == 0) printf(" existed=%u", existed);
    } else if (!strcmp(cmd, "exists")) {
      char *key = next_word(&rest);
      uint32_t exists = 7;
      st = waft_kv_exists(store, key, strlen(key), &exists);
      result(cmd, st);
      if (st == 0) printf(" exists=%u", exists);
    } else if (!strcmp(cmd, "list") || !strcmp(cmd, "listall")) {
      char *prefix = next_word(&rest);
      char *limit = next_word(&rest);
      if (!strcmp(prefix, "-")) prefix = "";
      static char cursor[8192];
      size_t cursor_len = 0;
      int pages = 0;
      do {
        uint32_t buf;
        uint64_t len, reads;
        st = waft_kv_list(store, prefix, strlen(prefix), cursor, cursor_len, limit ? atoi(limit) : 0, &buf, &len);
        if (st != 0) break;
        unsigned char *page = read_all(buf, len, 64, &reads);
        waft_buf_drop(buf);
        printf("%spage", pages ? "\n  " : "list -> 0 ");
        cursor_len = print_strings(page, len, 1, cursor);
        free(page);
        pages++;
      } while (!strcmp(cmd, "listall") && cursor_len > 0);
      if (st != 0) result(cmd, st);
      else printf("\n  pages=%d", pages);
    } else if (!strcmp(cmd, "incr")) {
      char *key = next_word(&rest);
      int64_t delta = atoll(next_word(&rest));
      int64_t value = 0;
      st = waft_kv_increment(store, key, strlen(key), delta, &value);
      result(cmd, st);
      if (st == 0) printf(" value=%lld", (long long)value);
    } else if (!strcmp(cmd, "var")) {
      char *name = next_word(&rest);
      uint32_t buf;
      uint64_t len, reads;
      st = waft_var_get(name, strlen(name), &buf, &len);
      result(cmd, st);
      if (st == 0) {
        unsigned char *v = read_all(buf, len, 3, &reads);
        printf(" value=%s", (char *)v);
        free(v);
        waft_buf_drop(buf);
      }
    } else if (!strcmp(cmd, "log")) {
      int level = atoi(next_word(&rest));
      while (*rest == ' ') rest++;
      st = waft_log(level, rest, strlen(rest));
      result(cmd, st);
    } else if (!strcmp(cmd, "http")) {
      char *method = next_word(&rest);
      char *url = next_word(&rest);
      while (*rest == ' ') rest++;
      /* one request header: x-test: waft */
      unsigned char headers[4 + 4 + 6 + 4 + 4];
      uint32_t v;
      v = 2; memcpy(headers, &v, 4);
      v = 6; memcpy(headers + 4, &v, 4); memcpy(headers + 8, "x-test", 6);
      v = 4; memcpy(headers + 14, &v, 4); memcpy(headers + 18, "waft", 4);
      uint32_t response;
      st = waft_http_request(method, strlen(method), url, strlen(url), headers, sizeof headers, rest, strlen(rest), &response);
      result(cmd, st);
      if (st == 0) {
        uint32_t status, buf;
        uint64_t len, reads;
        waft_http_response_status(response, &status);
        printf(" status=%u", status);
        if (waft_http_response_headers(response, &buf, &len) == 0) {
          unsigned char *h = read_all(buf, len, 16, &reads);
          waft_buf_drop(buf);
          /* print only the x-reply header, if any */
          uint32_t count = u32_at(h);
          size_t at = 4;
          for (uint32_t i = 0; i + 1 < count; i += 2) {
            uint32_t nl = u32_at(h + at);
            const char *name = (const char *)h + at + 4;
            at += 4 + nl;
            uint32_t vl = u32_at(h + at);
            if (nl == 7 && !memcmp(name, "x-reply", 7)) printf(" x-reply=%.*s", (int)vl, (const char *)h + at + 4);
            at += 4 + vl;
          }
          free(h);
        }
        int32_t bst = waft_http_response_body(response, &buf, &len);
        if (bst == 0) {
          unsigned char *b = read_all(buf, len, 100, &reads);
          print_value(b, len);
          free(b);
          waft_buf_drop(buf);
        } else {
          printf(" body -> %d", bst);
          st = bst;
        }
        waft_http_response_drop(response);
      }
    } else if (!strcmp(cmd, "stderr")) {
      while (*rest == ' ') rest++;
      fprintf(stderr, "%s\n", rest);
      fflush(stderr);
      printf("stderr -> 0");
    } else if (!strcmp(cmd, "badhandle")) {
      uint32_t buf;
      uint64_t len;
      uint32_t n;
      char tmp[4];
      printf("badhandle -> get=%d read=%d drop=%d resp=%d", waft_kv_get(999, "k", 1, &buf, &len),
             waft_buf_read(999, 0, tmp, 4, &n), waft_buf_drop(0), waft_http_response_drop(store));
      st = 7;
    } else if (!strcmp(cmd, "err")) {
      print_error();
      continue;
    } else {
      printf("unknown command %s\n", cmd);
      return 2;
    }
    printf("\n");
    if (st != 0) print_error();
  }
  return 0;
}
