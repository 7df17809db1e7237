// Shared helpers for the WASI test guests: checks that print the line that failed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wasi/api.h>

static int failures = 0;

#define EXPECT(expr, want) do { \
    long long _g = (long long)(expr), _w = (long long)(want); \
    if (_g != _w) { printf("FAIL line %d: %s = %lld, want %lld\n", __LINE__, #expr, _g, _w); failures++; } \
  } while (0)
#define OK(expr) EXPECT(expr, 0)

#define FILE_RIGHTS (__WASI_RIGHTS_FD_DATASYNC | __WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_SEEK | \
  __WASI_RIGHTS_FD_FDSTAT_SET_FLAGS | __WASI_RIGHTS_FD_SYNC | __WASI_RIGHTS_FD_TELL | __WASI_RIGHTS_FD_WRITE | \
  __WASI_RIGHTS_FD_ADVISE | __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_GET | \
  __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_FILESTAT_SET_TIMES | __WASI_RIGHTS_POLL_FD_READWRITE)
#define READ_RIGHTS (FILE_RIGHTS & ~(__WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_ALLOCATE | \
  __WASI_RIGHTS_FD_FILESTAT_SET_SIZE | __WASI_RIGHTS_FD_DATASYNC))
// Every right but FD_WRITE, which would make opening a directory EISDIR.
#define DIR_RIGHTS_ALL ((~(__wasi_rights_t)0 >> 34) & ~__WASI_RIGHTS_FD_WRITE)

// The raw import, so tests can pass any pointer and length (embedded NULs, bad UTF-8).
__wasi_errno_t raw_path_open(int32_t fd, int32_t dirflags, int32_t path, int32_t path_len, int32_t oflags,
                             int64_t base, int64_t inheriting, int32_t fdflags, int32_t out)
  __attribute__((__import_module__("wasi_snapshot_preview1"), __import_name__("path_open")));

/** path_open the way wasi-libc does it: rights masked by, and inheriting, the directory's. */
static __wasi_errno_t popen_(__wasi_fd_t dir, __wasi_lookupflags_t lookup, const char *path, __wasi_oflags_t oflags,
                             __wasi_rights_t base, __wasi_fdflags_t fdflags, __wasi_fd_t *out) {
  __wasi_fdstat_t st;
  __wasi_errno_t e = __wasi_fd_fdstat_get(dir, &st);
  if (e) return e;
  return __wasi_path_open(dir, lookup, path, oflags, base & st.fs_rights_inheriting, st.fs_rights_inheriting, fdflags, out);
}

/** Opens, or prints why not and returns (fd)-1. */
static __wasi_fd_t must_open(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t base,
                             __wasi_fdflags_t fdflags, int line) {
  __wasi_fd_t fd;
  __wasi_errno_t e = popen_(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, base, fdflags, &fd);
  if (e) {
    printf("FAIL line %d: open %s = errno %d\n", line, path, e);
    failures++;
    return (__wasi_fd_t)-1;
  }
  return fd;
}
#define MUST_OPEN(dir, path, oflags, base, fdflags) must_open(dir, path, oflags, base, fdflags, __LINE__)

static __wasi_errno_t write_str(__wasi_fd_t fd, const char *s, __wasi_size_t *n) {
  __wasi_ciovec_t v = { (const uint8_t *)s, strlen(s) };
  return __wasi_fd_write(fd, &v, 1, n);
}

static __wasi_errno_t read_buf(__wasi_fd_t fd, char *buf, size_t len, __wasi_size_t *n) {
  __wasi_iovec_t v = { (uint8_t *)buf, len };
  return __wasi_fd_read(fd, &v, 1, n);
}

/** Creates `path` under dir with `content`. */
static void put_file(__wasi_fd_t dir, const char *path, const char *content) {
  __wasi_fd_t fd = MUST_OPEN(dir, path, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, FILE_RIGHTS, 0);
  __wasi_size_t n;
  OK(write_str(fd, content, &n));
  OK(__wasi_fd_close(fd));
}

static int finish(void) {
  printf(failures ? "FAILED %d\n" : "ok\n", failures);
  return failures ? 1 : 0;
}
