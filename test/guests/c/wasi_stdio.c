// Stdio, args/environ, clocks, random and process calls, driven by argv[1].
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wasi/api.h>

static int check(const char *what, int got, int want) {
  if (got != want) {
    printf("FAIL %s: got %d want %d\n", what, got, want);
    return 1;
  }
  return 0;
}

static int cmd_stdin_sum(void) {
  unsigned long sum = 0, total = 0;
  unsigned char buf[300];
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; i++) sum = sum * 31 + buf[i];
    total += n;
  }
  if (n < 0) { printf("read failed\n"); return 1; }
  printf("total=%lu sum=%lu\n", total, sum);
  return 0;
}

static int cmd_flood(const char *per_stream) {
  // Alternates stdout and stderr writes of 1000 bytes until the host stops it.
  char buf[1000];
  memset(buf, 'x', sizeof buf);
  long limit = atol(per_stream);
  for (long i = 0; i < limit; i++) {
    write(1, buf, sizeof buf);
    write(2, buf, sizeof buf);
  }
  return 0;
}

static int cmd_stdio_types(void) {
  int bad = 0;
  for (int fd = 0; fd <= 2; fd++) {
    __wasi_fdstat_t st;
    bad |= check("fdstat", __wasi_fd_fdstat_get(fd, &st), 0);
    printf("fd %d filetype=%d isatty=%d\n", fd, st.fs_filetype, isatty(fd));
    __wasi_filesize_t pos;
    bad |= check("seek on stdio", __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_SPIPE);
    bad |= check("tell on stdio", __wasi_fd_tell(fd, &pos), __WASI_ERRNO_SPIPE);
    __wasi_prestat_t pre;
    bad |= check("prestat on stdio", __wasi_fd_prestat_get(fd, &pre), __WASI_ERRNO_BADF);
    __wasi_filestat_t fst;
    bad |= check("filestat on stdio", __wasi_fd_filestat_get(fd, &fst), 0);
    bad |= check("filestat type", fst.filetype, st.fs_filetype);
  }
  __wasi_ciovec_t v = { (const uint8_t *)"x", 1 };
  __wasi_size_t n;
  bad |= check("write to stdin", __wasi_fd_write(0, &v, 1, &n), __WASI_ERRNO_BADF);
  __wasi_iovec_t r = { (uint8_t *)&n, 1 };
  bad |= check("read from stdout", __wasi_fd_read(1, &r, 1, &n), __WASI_ERRNO_BADF);
  bad |= check("fdstat bad fd", __wasi_fd_fdstat_get(99, &(__wasi_fdstat_t){0}), __WASI_ERRNO_BADF);
  bad |= check("close bad fd", __wasi_fd_close(99), __WASI_ERRNO_BADF);
  bad |= check("zero-length write", __wasi_fd_write(1, &v, 0, &n), 0);
  bad |= check("zero-length write count", n, 0);
  // Rights on stdio can be dropped too: stderr without FD_WRITE.
  bad |= check("drop stderr write", __wasi_fd_fdstat_set_rights(2, __WASI_RIGHTS_FD_FILESTAT_GET, 0), 0);
  bad |= check("write without the right", __wasi_fd_write(2, &v, 1, &n), __WASI_ERRNO_BADF);
  bad |= check("regain the right", __wasi_fd_fdstat_set_rights(2, __WASI_RIGHTS_FD_WRITE, 0), __WASI_ERRNO_NOTCAPABLE);
  printf(bad ? "FAILED\n" : "ok\n");
  return bad;
}

static int cmd_preopens(void) {
  for (__wasi_fd_t fd = 3;; fd++) {
    __wasi_prestat_t pre;
    __wasi_errno_t e = __wasi_fd_prestat_get(fd, &pre);
    if (e == __WASI_ERRNO_BADF) break;
    if (e != 0) { printf("prestat errno %d\n", e); return 1; }
    char name[256];
    if (pre.u.dir.pr_name_len > 0) {
      int small = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len - 1);
      if (small != __WASI_ERRNO_NAMETOOLONG) { printf("short buffer errno %d\n", small); return 1; }
    }
    e = __wasi_fd_prestat_dir_name(fd, (uint8_t *)name, pre.u.dir.pr_name_len);
    if (e != 0) { printf("dir_name errno %d\n", e); return 1; }
    name[pre.u.dir.pr_name_len] = 0;
    __wasi_fdstat_t st;
    (void)__wasi_fd_fdstat_get(fd, &st);
    printf("preopen fd=%u name=%s type=%d\n", fd, name, st.fs_filetype);
  }
  return 0;
}

static int cmd_clocks(void) {
  int bad = 0;
  __wasi_timestamp_t res, t1, t2, wall;
  bad |= check("res monotonic", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res), 0);
  bad |= check("res > 0", res > 0, 1);
  bad |= check("res realtime", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res), 0);
  bad |= check("res process", __wasi_clock_res_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, &res), 0);
  bad |= check("res thread", __wasi_clock_res_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, &res), 0);
  bad |= check("res bad clock", __wasi_clock_res_get(7, &res), __WASI_ERRNO_INVAL);
  bad |= check("time bad clock", __wasi_clock_time_get(7, 1, &t1), __WASI_ERRNO_INVAL);
  bad |= check("mono 1", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t1), 0);
  volatile unsigned long spin = 0;
  for (int i = 0; i < 1000000; i++) spin += i;
  bad |= check("mono 2", __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t2), 0);
  bad |= check("monotonic never goes back", t2 >= t1, 1);
  bad |= check("wall", __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &wall), 0);
  __wasi_timestamp_t cpu1, cpu2;
  bad |= check("cpu 1", __wasi_clock_time_get(__WASI_CLOCKID_PROCESS_CPUTIME_ID, 1, &cpu1), 0);
  for (int i = 0; i < 5000000; i++) spin += i;
  bad |= check("cpu 2", __wasi_clock_time_get(__WASI_CLOCKID_THREAD_CPUTIME_ID, 1, &cpu2), 0);
  bad |= check("cpu time positive", cpu1 > 0 && cpu2 > 0, 1);
  printf("wall_seconds=%llu\n", (unsigned long long)(wall / 1000000000ull));
  printf(bad ? "FAILED\n" : "ok\n");
  return bad;
}

static int cmd_random(void) {
  unsigned char a[4096], b[4096];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  if (__wasi_random_get(a, sizeof a) || __wasi_random_get(b, sizeof b)) return 1;
  int same = memcmp(a, b, sizeof a) == 0;
  int zeros = 0;
  for (size_t i = 0; i < sizeof a; i++) zeros += a[i] == 0;
  // 4096 random bytes hold about 16 zeros; thousands means nothing was written.
  printf("differ=%d few_zeros=%d\n", !same, zeros < 200);
  printf("zero-length=%d\n", __wasi_random_get(a, 0));
  return 0;
}

static int cmd_misc(void) {
  int bad = 0;
  bad |= check("sched_yield", __wasi_sched_yield(), 0);
  __wasi_size_t argc, argsz, envc, envsz;
  bad |= check("args sizes", __wasi_args_sizes_get(&argc, &argsz), 0);
  bad |= check("env sizes", __wasi_environ_sizes_get(&envc, &envsz), 0);
  printf("argc=%lu argsz=%lu envc=%lu envsz=%lu\n", argc, argsz, envc, envsz);
  char *envbuf = malloc(envsz);
  char **envp = malloc(envc * sizeof(char *));
  bad |= check("environ_get", __wasi_environ_get((uint8_t **)envp, (uint8_t *)envbuf), 0);
  for (__wasi_size_t i = 0; i < envc; i++) printf("env[%lu]=%s\n", i, envp[i]);
  printf(bad ? "FAILED\n" : "ok\n");
  return bad;
}

static int cmd_exit(const char *code) {
  printf("exiting\n");
  fflush(stdout);
  __wasi_proc_exit(atoi(code));
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "stdin-sum")) return cmd_stdin_sum();
  if (!strcmp(cmd, "flood")) return cmd_flood(argv[2]);
  if (!strcmp(cmd, "stdio-types")) return cmd_stdio_types();
  if (!strcmp(cmd, "preopens")) return cmd_preopens();
  if (!strcmp(cmd, "clocks")) return cmd_clocks();
  if (!strcmp(cmd, "random")) return cmd_random();
  if (!strcmp(cmd, "misc")) return cmd_misc();
  if (!strcmp(cmd, "exit")) return cmd_exit(argv[2]);
  printf("unknown command %s\n", cmd);
  return 2;
}
