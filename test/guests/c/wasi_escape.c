// Attempts to reach host files outside the preopens, one attack per argv[1]. Preopen fd 3 is
// the sandbox (/sandbox); the test puts a secret in ../outside next to it on the host.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wasi_common.h"

#define D 3
#define PERM __WASI_ERRNO_PERM

static __wasi_errno_t open_follow(__wasi_fd_t dir, const char *path, __wasi_oflags_t oflags, __wasi_rights_t rights) {
  __wasi_fd_t fd;
  __wasi_errno_t e = popen_(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, oflags, rights, 0, &fd);
  if (e == 0) {
    char buf[64] = {0};
    __wasi_size_t n = 0;
    read_buf(fd, buf, sizeof buf - 1, &n);
    printf("LEAK: opened %s: %s\n", path, buf);
    __wasi_fd_close(fd);
  }
  return e;
}

/** Every path call, aimed at `path`: each must fail with `want`. */
static void every_call(__wasi_fd_t dir, const char *path, __wasi_errno_t want, int line) {
  __wasi_filestat_t st;
  char buf[64];
  __wasi_size_t n;
#define AT(expr) do { __wasi_errno_t _e = (expr); if (_e != want) { printf("FAIL line %d (%s): %s = %d, want %d\n", line, path, #expr, _e, want); failures++; } } while (0)
  AT(open_follow(dir, path, 0, READ_RIGHTS));
  AT(open_follow(dir, path, __WASI_OFLAGS_CREAT, FILE_RIGHTS));
  AT(open_follow(dir, path, __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL));
  AT(__wasi_path_filestat_get(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, &st));
  AT(__wasi_path_filestat_set_times(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, path, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  AT(__wasi_path_create_directory(dir, path));
  AT(__wasi_path_remove_directory(dir, path));
  AT(__wasi_path_unlink_file(dir, path));
  AT(__wasi_path_symlink("x", dir, path));
  AT(__wasi_path_link(D, 0, "file.txt", dir, path));
  AT(__wasi_path_link(dir, 0, path, D, "stolen-link"));
  AT(__wasi_path_rename(D, "file.txt", dir, path));
  AT(__wasi_path_rename(dir, path, D, "stolen"));
  AT(__wasi_path_readlink(dir, path, (uint8_t *)buf, sizeof buf, &n));
#undef AT
}
#define EVERY_CALL(dir, path, want) every_call(dir, path, want, __LINE__)

// ".." past the directory, in every call and every spelling.
static int cmd_dotdot(void) {
  EVERY_CALL(D, "../outside/secret.txt", PERM);
  EVERY_CALL(D, "sub/../../outside/secret.txt", PERM);
  EVERY_CALL(D, "./sub/./../../outside/secret.txt", PERM);
  EVERY_CALL(D, "sub/inner/../../../outside", PERM);
  EVERY_CALL(D, "../sandbox/file.txt", PERM); // even back into itself: the walk never leaves
  EXPECT(open_follow(D, "..", 0, DIR_RIGHTS_ALL), PERM);
  EXPECT(open_follow(D, "sub/../..", 0, DIR_RIGHTS_ALL), PERM);
  // wasi-libc hands "/sandbox/../outside" to the host as "../outside" under the preopen.
  errno = 0;
  EXPECT(open("/sandbox/../outside/secret.txt", O_RDONLY), -1);
  printf("libc errno=%d\n", errno);
  // Staying inside is fine.
  __wasi_fd_t fd;
  OK(popen_(D, 0, "sub/../file.txt", 0, READ_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  return finish();
}

// The guest plants symlinks that climb out, then uses them.
static int cmd_guest_symlink(void) {
  // Creating relative links is allowed (wasmtime allows it too); following them out is not.
  OK(__wasi_path_symlink("../outside", D, "out"));
  OK(__wasi_path_symlink("sub/../../outside/secret.txt", D, "out2"));
  OK(__wasi_path_symlink("out", D, "chain"));
  OK(__wasi_path_symlink("../..", D, "sub/up"));
  OK(__wasi_path_symlink("..", D, "self-parent"));
  EVERY_CALL(D, "out/secret.txt", PERM);
  EVERY_CALL(D, "out/new.txt", PERM);
  EVERY_CALL(D, "chain/secret.txt", PERM);
  EVERY_CALL(D, "sub/up/outside/secret.txt", PERM);
  EVERY_CALL(D, "self-parent/outside/secret.txt", PERM);
  // Following the link as the last component.
  EXPECT(open_follow(D, "out", 0, DIR_RIGHTS_ALL), PERM);
  EXPECT(open_follow(D, "out2", 0, READ_RIGHTS), PERM);
  EXPECT(open_follow(D, "out2", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, FILE_RIGHTS), PERM);
  __wasi_filestat_t st;
  EXPECT(__wasi_path_filestat_get(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out2", &st), PERM);
  EXPECT(__wasi_path_filestat_set_times(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "out2", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), PERM);
  // Without following, the link itself is what the call sees.
  OK(__wasi_path_filestat_get(D, 0, "out2", &st));
  EXPECT(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  char buf[64] = {0};
  __wasi_size_t n;
  OK(__wasi_path_readlink(D, "out", (uint8_t *)buf, sizeof buf, &n));
  EXPECT(strcmp(buf, "../outside"), 0);
  // Moving or hard-linking the link keeps it a link that cannot be followed out.
  OK(__wasi_path_rename(D, "out2", D, "moved"));
  EXPECT(open_follow(D, "moved", 0, READ_RIGHTS), PERM);
  OK(__wasi_path_link(D, 0, "out", D, "hardout"));
  EXPECT(open_follow(D, "hardout/secret.txt", 0, READ_RIGHTS), PERM);
  // Moved one level down, "../outside" names sandbox/outside, which does not exist.
  OK(__wasi_path_rename(D, "out", D, "sub/out"));
  EXPECT(open_follow(D, "sub/out/secret.txt", 0, READ_RIGHTS), __WASI_ERRNO_NOENT);
  OK(__wasi_path_rename(D, "sub/out", D, "out"));
  // libc sees the same refusals.
  errno = 0;
  EXPECT(open("/sandbox/out/secret.txt", O_RDONLY), -1);
  EXPECT(errno, EPERM);
  struct stat sst;
  EXPECT(stat("/sandbox/out", &sst), -1);
  EXPECT(errno, EPERM);
  EXPECT(lstat("/sandbox/out", &sst), 0);
  return finish();
}

// A symlink to an absolute host path: made by the host, or attempted by the guest.
static int cmd_absolute_symlink(void) {
  EVERY_CALL(D, "abs/secret.txt", PERM);
  EVERY_CALL(D, "abs-file/x", PERM);
  EXPECT(open_follow(D, "abs", 0, DIR_RIGHTS_ALL), PERM);
  EXPECT(open_follow(D, "abs-file", 0, READ_RIGHTS), PERM);
  EXPECT(open_follow(D, "abs-file", __WASI_OFLAGS_TRUNC, FILE_RIGHTS), PERM);
  EXPECT(open_follow(D, "abs-root", 0, DIR_RIGHTS_ALL), PERM);
  EXPECT(open_follow(D, "abs-root/etc/passwd", 0, READ_RIGHTS), PERM);
  __wasi_filestat_t st;
  OK(__wasi_path_filestat_get(D, 0, "abs", &st));
  EXPECT(st.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  EXPECT(__wasi_path_filestat_get(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "abs-file", &st), PERM);
  // The guest cannot make absolute links at all.
  EXPECT(__wasi_path_symlink("/etc/passwd", D, "mine"), PERM);
  EXPECT(__wasi_path_symlink("/", D, "mine"), PERM);
  EXPECT(__wasi_path_symlink("/sandbox/file.txt", D, "mine"), PERM);
  EXPECT(symlink("/etc", "/sandbox/mine"), -1);
  EXPECT(errno, EPERM);
  return finish();
}

// Absolute paths handed straight to the WASI calls.
static int cmd_absolute_path(void) {
  EVERY_CALL(D, "/etc/passwd", PERM);
  EVERY_CALL(D, "/", PERM);
  EVERY_CALL(D, "/sandbox/file.txt", PERM);
  EVERY_CALL(D, "//etc", PERM);
  // wasi-libc finds no preopen for /etc and never asks the host.
  errno = 0;
  EXPECT(open("/etc/passwd", O_RDONLY), -1);
  printf("libc /etc/passwd errno=%d\n", errno);
  return finish();
}

// A directory fd for a subdirectory is a sandbox of its own, as in wasmtime (cap-std).
static int cmd_subdir_fd(int follow_rename) {
  __wasi_fd_t sub = MUST_OPEN(D, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  EVERY_CALL(sub, "../file.txt", PERM);
  EVERY_CALL(sub, "../../outside/secret.txt", PERM);
  EVERY_CALL(sub, "inner/../../file.txt", PERM);
  EXPECT(open_follow(sub, "..", 0, DIR_RIGHTS_ALL), PERM);
  // A link the guest makes in sub that points up is refused from sub's fd...
  OK(__wasi_path_symlink("../file.txt", sub, "up"));
  EXPECT(open_follow(sub, "up", 0, READ_RIGHTS), PERM);
  // ...and allowed from the preopen, where it stays inside.
  __wasi_fd_t fd;
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sub/up", 0, READ_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  OK(popen_(sub, 0, "inner.txt", 0, READ_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  // Renaming the directory does not change what its fd reaches (with /proc/self/fd only).
  OK(__wasi_path_rename(D, "sub", D, "sub-renamed"));
  if (follow_rename) {
    OK(popen_(sub, 0, "inner.txt", 0, READ_RIGHTS, 0, &fd));
    OK(__wasi_fd_close(fd));
  }
  EXPECT(open_follow(sub, "../../outside/secret.txt", 0, READ_RIGHTS), PERM);
  return finish();
}

// Moving or linking files across the sandbox edge, in both directions.
static int cmd_rename_link_out(void) {
  EXPECT(__wasi_path_rename(D, "file.txt", D, "../outside/stolen.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "../outside/secret.txt", D, "got.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "sub", D, "../outside/sub"), PERM);
  EXPECT(__wasi_path_link(D, 0, "../outside/secret.txt", D, "got.txt"), PERM);
  EXPECT(__wasi_path_link(D, 0, "file.txt", D, "../outside/planted.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "abs/secret.txt", D, "got.txt"), PERM);
  EXPECT(__wasi_path_link(D, 0, "abs/secret.txt", D, "got.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "file.txt", D, "abs/planted.txt"), PERM);
  EXPECT(__wasi_path_link(D, 0, "file.txt", D, "abs/planted.txt"), PERM);
  EXPECT(rename("/sandbox/file.txt", "/sandbox/../outside/x"), -1);
  EXPECT(errno, EPERM);
  EXPECT(link("/sandbox/abs/secret.txt", "/sandbox/got.txt"), -1);
  EXPECT(errno, EPERM);
  // Renaming the host's link itself is allowed: it stays a link that cannot be followed out.
  OK(__wasi_path_rename(D, "abs", D, "sub/abs-moved"));
  EXPECT(open_follow(D, "sub/abs-moved/secret.txt", 0, READ_RIGHTS), PERM);
  return finish();
}

// A readonly preopen (fd 3) refuses every change; fd 4 is a writable preopen.
static int cmd_readonly(void) {
  __wasi_fd_t fd;
  EXPECT(popen_(D, 0, "new.txt", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), PERM);
  EXPECT(popen_(D, 0, "file.txt", __WASI_OFLAGS_TRUNC, FILE_RIGHTS, 0, &fd), PERM);
  EXPECT(popen_(D, 0, "file.txt", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd), PERM);
  EXPECT(popen_(D, 0, "file.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, READ_RIGHTS, 0, &fd), PERM);
  EXPECT(__wasi_path_create_directory(D, "newdir"), PERM);
  EXPECT(__wasi_path_remove_directory(D, "sub/empty"), PERM);
  EXPECT(__wasi_path_unlink_file(D, "file.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "file.txt", D, "renamed.txt"), PERM);
  EXPECT(__wasi_path_rename(D, "file.txt", 4, "taken.txt"), PERM);
  EXPECT(__wasi_path_rename(4, "w.txt", D, "dropped.txt"), PERM);
  EXPECT(__wasi_path_symlink("file.txt", D, "link"), PERM);
  EXPECT(__wasi_path_link(D, 0, "file.txt", D, "hard"), PERM);
  EXPECT(__wasi_path_link(D, 0, "file.txt", 4, "hard"), PERM);
  EXPECT(__wasi_path_link(4, 0, "w.txt", D, "hard"), PERM);
  EXPECT(__wasi_path_filestat_set_times(D, 0, "file.txt", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), PERM);
  // A file opened for reading (with every other file right) still cannot be changed.
  OK(popen_(D, 0, "file.txt", 0, FILE_RIGHTS & ~__WASI_RIGHTS_FD_WRITE, 0, &fd));
  __wasi_size_t n;
  EXPECT(write_str(fd, "x", &n), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_filestat_set_size(fd, 0), PERM);
  EXPECT(__wasi_fd_allocate(fd, 0, 100), PERM);
  EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), PERM);
  char buf[32] = {0};
  OK(read_buf(fd, buf, sizeof buf - 1, &n));
  EXPECT(strcmp(buf, "public"), 0);
  OK(__wasi_fd_close(fd));
  // A subdirectory fd opened under it is readonly too.
  __wasi_fd_t sub = MUST_OPEN(D, "sub", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  EXPECT(__wasi_path_create_directory(sub, "x"), PERM);
  EXPECT(__wasi_fd_filestat_set_times(sub, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), PERM);
  EXPECT(popen_(sub, 0, "new", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), PERM);
  // libc sees EPERM; reading and listing work.
  EXPECT(fopen("/ro/file.txt", "w") == NULL, 1);
  EXPECT(errno, EPERM);
  EXPECT(mkdir("/ro/d", 0755), -1);
  EXPECT(errno, EPERM);
  FILE *f = fopen("/ro/file.txt", "r");
  EXPECT(f != NULL, 1);
  if (f) fclose(f);
  // The writable preopen next to it still works.
  put_file(4, "w2.txt", "fine");
  return finish();
}

// Fifos and other special files are refused so a guest cannot block its thread on them.
static int cmd_special_files(void) {
  __wasi_fd_t fd;
  EXPECT(popen_(D, 0, "pipe", 0, READ_RIGHTS, 0, &fd), __WASI_ERRNO_NOTSUP);
  EXPECT(popen_(D, 0, "pipe", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd), __WASI_ERRNO_NOTSUP);
  EXPECT(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "to-pipe", 0, READ_RIGHTS, 0, &fd), __WASI_ERRNO_NOTSUP);
  EXPECT(popen_(D, 0, "pipe", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOTSUP);
  __wasi_filestat_t st;
  OK(__wasi_path_filestat_get(D, 0, "pipe", &st)); // it can be seen, not opened
  EXPECT(st.filetype, __WASI_FILETYPE_UNKNOWN);
  OK(__wasi_path_unlink_file(D, "to-pipe"));
  return finish();
}

// Symlinks the host put inside the sandbox that stay inside keep working.
static int cmd_inside_links(void) {
  __wasi_fd_t fd;
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "in-link", 0, READ_RIGHTS, 0, &fd));
  char buf[32] = {0};
  __wasi_size_t n;
  OK(read_buf(fd, buf, sizeof buf - 1, &n));
  EXPECT(strcmp(buf, "inner"), 0);
  OK(__wasi_fd_close(fd));
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "sub/uplink", 0, READ_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "sub-link/inner.txt", 0, READ_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  return finish();
}

// Opens d/x over and over while the host swaps the directory d for a symlink out of the sandbox.
static int cmd_race(int rounds) {
  int inside = 0, leaked = 0, perm = 0, noent = 0, other = 0;
  for (int i = 0; i < rounds; i++) {
    __wasi_fd_t fd;
    __wasi_errno_t e = popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "d/x", 0, READ_RIGHTS, 0, &fd);
    if (e == 0) {
      char buf[16] = {0};
      __wasi_size_t n;
      read_buf(fd, buf, sizeof buf - 1, &n);
      if (!strcmp(buf, "inside")) inside++;
      else leaked++;
      __wasi_fd_close(fd);
    } else if (e == PERM) perm++;
    else if (e == __WASI_ERRNO_NOENT) noent++;
    else { other++; if (other < 5) printf("other errno %d\n", e); }
  }
  printf("inside=%d leaked=%d perm=%d noent=%d other=%d\n", inside, leaked, perm, noent, other);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "dotdot")) return cmd_dotdot();
  if (!strcmp(cmd, "guest-symlink")) return cmd_guest_symlink();
  if (!strcmp(cmd, "absolute-symlink")) return cmd_absolute_symlink();
  if (!strcmp(cmd, "absolute-path")) return cmd_absolute_path();
  if (!strcmp(cmd, "subdir-fd")) return cmd_subdir_fd(argc < 3 || strcmp(argv[2], "string-walk"));
  if (!strcmp(cmd, "rename-link-out")) return cmd_rename_link_out();
  if (!strcmp(cmd, "readonly")) return cmd_readonly();
  if (!strcmp(cmd, "special-files")) return cmd_special_files();
  if (!strcmp(cmd, "inside-links")) return cmd_inside_links();
  if (!strcmp(cmd, "race")) return cmd_race(atoi(argv[2]));
  printf("unknown command %s\n", cmd);
  return 2;
}
