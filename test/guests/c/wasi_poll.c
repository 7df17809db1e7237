// poll_oneoff on clocks and fds, driven by argv[1].
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include "wasi_common.h"

static __wasi_timestamp_t mono(void) {
  __wasi_timestamp_t t;
  __wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
  return t;
}

static __wasi_subscription_t clock_sub(__wasi_userdata_t ud, __wasi_clockid_t id, __wasi_timestamp_t timeout, int abstime) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.flags = abstime ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(__wasi_userdata_t ud, __wasi_eventtype_t type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

#define MS 1000000ull

static int cmd_clocks(void) {
  __wasi_event_t ev[4];
  __wasi_size_t n;
  // Relative monotonic timeout: never early.
  __wasi_timestamp_t t0 = mono();
  __wasi_subscription_t s = clock_sub(7, __WASI_CLOCKID_MONOTONIC, 20 * MS, 0);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(n, 1);
  EXPECT(ev[0].userdata, 7);
  EXPECT(ev[0].type, __WASI_EVENTTYPE_CLOCK);
  EXPECT(ev[0].error, 0);
  EXPECT(mono() - t0 >= 20 * MS, 1);
  // Absolute monotonic deadline.
  __wasi_timestamp_t until = mono() + 15 * MS;
  s = clock_sub(8, __WASI_CLOCKID_MONOTONIC, until, 1);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(n, 1);
  EXPECT(mono() >= until, 1);
  // Absolute realtime deadline.
  __wasi_timestamp_t wall;
  __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &wall);
  t0 = mono();
  s = clock_sub(9, __WASI_CLOCKID_REALTIME, wall + 15 * MS, 1);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(ev[0].userdata, 9);
  EXPECT(mono() - t0 >= 14 * MS, 1); // realtime and monotonic ticks may differ by a hair
  // Relative realtime timeout.
  t0 = mono();
  s = clock_sub(10, __WASI_CLOCKID_REALTIME, 10 * MS, 0);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(mono() - t0 >= 10 * MS, 1);
  // A deadline in the past, and a zero timeout, are due at once.
  s = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 1, 1);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(n, 1);
  s = clock_sub(12, __WASI_CLOCKID_MONOTONIC, 0, 0);
  OK(__wasi_poll_oneoff(&s, ev, 1, &n));
  EXPECT(n, 1);
  // Of two clocks only the due one is reported.
  __wasi_subscription_t two[2] = { clock_sub(1, __WASI_CLOCKID_MONOTONIC, 60000 * MS, 0), clock_sub(2, __WASI_CLOCKID_MONOTONIC, 5 * MS, 0) };
  OK(__wasi_poll_oneoff(two, ev, 2, &n));
  EXPECT(n, 1);
  EXPECT(ev[0].userdata, 2);
  // libc sleeps go through poll_oneoff too.
  t0 = mono();
  EXPECT(usleep(12000), 0);
  EXPECT(mono() - t0 >= 12 * MS, 1);
  struct timespec ts = { 0, 8 * MS };
  t0 = mono();
  EXPECT(nanosleep(&ts, NULL), 0);
  EXPECT(mono() - t0 >= 8 * MS, 1);
  // Errors: no subscriptions, a cpu-time clock, an unknown event type.
  EXPECT(__wasi_poll_oneoff(&s, ev, 0, &n), __WASI_ERRNO_INVAL);
  s = clock_sub(13, __WASI_CLOCKID_PROCESS_CPUTIME_ID, MS, 0);
  EXPECT(__wasi_poll_oneoff(&s, ev, 1, &n), __WASI_ERRNO_INVAL);
  s = clock_sub(14, __WASI_CLOCKID_MONOTONIC, MS, 0);
  s.u.tag = 3;
  EXPECT(__wasi_poll_oneoff(&s, ev, 1, &n), __WASI_ERRNO_INVAL);
  return finish();
}

static int cmd_fds(void) {
  __wasi_event_t ev[8];
  __wasi_size_t n;
  // stdout and stderr are always writable.
  __wasi_subscription_t w[2] = { fd_sub(1, __WASI_EVENTTYPE_FD_WRITE, 1), fd_sub(2, __WASI_EVENTTYPE_FD_WRITE, 2) };
  OK(__wasi_poll_oneoff(w, ev, 2, &n));
  EXPECT(n, 2);
  EXPECT(ev[0].userdata, 1);
  EXPECT(ev[0].type, __WASI_EVENTTYPE_FD_WRITE);
  EXPECT(ev[1].userdata, 2);
  // Bad fds and wrong directions are reported per event.
  __wasi_subscription_t bad[4] = {
    fd_sub(1, __WASI_EVENTTYPE_FD_READ, 99), fd_sub(2, __WASI_EVENTTYPE_FD_READ, 1),
    fd_sub(3, __WASI_EVENTTYPE_FD_WRITE, 0), fd_sub(4, __WASI_EVENTTYPE_FD_READ, 3),
  };
  OK(__wasi_poll_oneoff(bad, ev, 4, &n));
  EXPECT(n, 4);
  for (int i = 0; i < 4; i++) EXPECT(ev[i].error, __WASI_ERRNO_BADF);
  // A regular file is always ready: nbytes is what is left, HANGUP at its end.
  put_file(3, "f", "0123456789");
  __wasi_fd_t fd = MUST_OPEN(3, "f", 0, FILE_RIGHTS, 0);
  __wasi_filesize_t pos;
  OK(__wasi_fd_seek(fd, 4, __WASI_WHENCE_SET, &pos));
  __wasi_subscription_t fr[2] = { fd_sub(5, __WASI_EVENTTYPE_FD_READ, fd), fd_sub(6, __WASI_EVENTTYPE_FD_WRITE, fd) };
  OK(__wasi_poll_oneoff(fr, ev, 2, &n));
  EXPECT(n, 2);
  EXPECT(ev[0].fd_readwrite.nbytes, 6);
  EXPECT(ev[0].fd_readwrite.flags, 0);
  EXPECT(ev[1].type, __WASI_EVENTTYPE_FD_WRITE);
  OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_END, &pos));
  OK(__wasi_poll_oneoff(fr, ev, 1, &n));
  EXPECT(ev[0].fd_readwrite.nbytes, 0);
  EXPECT(ev[0].fd_readwrite.flags, __WASI_EVENTRWFLAGS_FD_READWRITE_HANGUP);
  return finish();
}

/** Waits for stdin (up to timeout_ms) and says which event came first. */
static int cmd_stdin(int timeout_ms) {
  __wasi_event_t ev[2];
  __wasi_size_t n;
  __wasi_subscription_t s[2] = { fd_sub(100, __WASI_EVENTTYPE_FD_READ, 0), clock_sub(200, __WASI_CLOCKID_MONOTONIC, timeout_ms * MS, 0) };
  printf("waiting\n");
  fflush(stdout);
  OK(__wasi_poll_oneoff(s, ev, 2, &n));
  for (__wasi_size_t i = 0; i < n; i++) printf("event userdata=%llu type=%d\n", (unsigned long long)ev[i].userdata, ev[i].type);
  if (n == 1 && ev[0].userdata == 100) {
    char buf[64] = {0};
    ssize_t got = read(0, buf, sizeof buf - 1);
    printf("read %zd: %s\n", got, buf);
  }
  // poll(2) from libc on stdin as well.
  struct pollfd p = { 0, POLLIN, 0 };
  int r = poll(&p, 1, 0);
  printf("poll=%d revents_in=%d\n", r, (p.revents & POLLIN) != 0);
  return finish();
}

static int cmd_sleep(int ms) {
  printf("sleeping\n");
  fflush(stdout);
  usleep(ms * 1000);
  printf("woke\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "clocks")) return cmd_clocks();
  if (!strcmp(cmd, "fds")) return cmd_fds();
  if (!strcmp(cmd, "stdin")) return cmd_stdin(atoi(argv[2]));
  if (!strcmp(cmd, "sleep")) return cmd_sleep(atoi(argv[2]));
  printf("unknown command %s\n", cmd);
  return 2;
}
