// Filesystem calls and their errno paths, one command per argv[1]. Preopen fd 3 is the scratch
// directory, mounted as /sandbox for the libc commands.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wasi_common.h"

#define D 3

// ── libc: the calls real programs make ─────────────────────────────────────
static int cmd_libc(void) {
  FILE *f = fopen("/sandbox/notes.txt", "w");
  if (!f) { printf("fopen: %s\n", strerror(errno)); return 1; }
  fprintf(f, "line one\nline two\n");
  fclose(f);

  int fd = open("/sandbox/notes.txt", O_RDWR);
  EXPECT(fd >= 0, 1);
  char buf[64] = {0};
  EXPECT(read(fd, buf, 4), 4);
  EXPECT(memcmp(buf, "line", 4), 0);
  EXPECT(lseek(fd, 0, SEEK_CUR), 4);
  EXPECT(lseek(fd, -3, SEEK_END), 15);
  EXPECT(read(fd, buf, 10), 3);
  EXPECT(memcmp(buf, "wo\n", 3), 0);
  EXPECT(pread(fd, buf, 3, 5), 3);
  EXPECT(memcmp(buf, "one", 3), 0);
  EXPECT(lseek(fd, 0, SEEK_CUR), 18); // pread leaves the offset alone
  EXPECT(pwrite(fd, "ONE", 3, 5), 3);
  EXPECT(lseek(fd, 0, SEEK_CUR), 18);
  EXPECT(lseek(fd, -1, SEEK_SET), -1);
  EXPECT(errno, EINVAL);
  EXPECT(ftruncate(fd, 8), 0);
  struct stat st;
  EXPECT(fstat(fd, &st), 0);
  EXPECT(st.st_size, 8);
  EXPECT(S_ISREG(st.st_mode), 1);
  EXPECT(posix_fallocate(fd, 0, 100), 0);
  EXPECT(fstat(fd, &st), 0);
  EXPECT(st.st_size, 100);
  EXPECT(close(fd), 0);
  EXPECT(close(fd), -1);
  EXPECT(errno, EBADF);

  // O_APPEND writes land at the end whatever the offset.
  fd = open("/sandbox/log.txt", O_WRONLY | O_CREAT | O_APPEND, 0644);
  EXPECT(write(fd, "a", 1), 1);
  EXPECT(lseek(fd, 0, SEEK_SET), 0);
  EXPECT(write(fd, "b", 1), 1);
  EXPECT(fcntl(fd, F_GETFL) & O_APPEND, O_APPEND);
  EXPECT(fcntl(fd, F_SETFL, 0), 0);
  EXPECT(fcntl(fd, F_GETFL) & O_APPEND, 0);
  EXPECT(lseek(fd, 0, SEEK_SET), 0);
  EXPECT(write(fd, "c", 1), 1); // now overwrites the first byte
  close(fd);
  fd = open("/sandbox/log.txt", O_RDONLY);
  memset(buf, 0, sizeof buf);
  EXPECT(read(fd, buf, sizeof buf), 2);
  EXPECT(strcmp(buf, "cb"), 0);
  EXPECT(write(fd, "x", 1), -1);
  EXPECT(errno, EBADF);
  close(fd);

  EXPECT(open("/sandbox/log.txt", O_WRONLY | O_CREAT | O_EXCL, 0644), -1);
  EXPECT(errno, EEXIST);
  fd = open("/sandbox/log.txt", O_WRONLY | O_TRUNC);
  EXPECT(fstat(fd, &st), 0);
  EXPECT(st.st_size, 0);
  close(fd);
  EXPECT(open("/sandbox/log.txt", O_RDONLY | O_DIRECTORY), -1);
  EXPECT(errno, ENOTDIR);
  EXPECT(open("/sandbox/missing", O_RDONLY), -1);
  EXPECT(errno, ENOENT);

  EXPECT(mkdir("/sandbox/dir", 0755), 0);
  EXPECT(mkdir("/sandbox/dir", 0755), -1);
  EXPECT(errno, EEXIST);
  EXPECT(mkdir("/sandbox/dir/sub", 0755), 0);
  EXPECT(rmdir("/sandbox/dir"), -1);
  EXPECT(errno, ENOTEMPTY);
  EXPECT(rename("/sandbox/notes.txt", "/sandbox/dir/moved.txt"), 0);
  EXPECT(stat("/sandbox/notes.txt", &st), -1);
  EXPECT(errno, ENOENT);
  EXPECT(stat("/sandbox/dir/moved.txt", &st), 0);
  EXPECT(st.st_size, 100);
  EXPECT(link("/sandbox/dir/moved.txt", "/sandbox/hard.txt"), 0);
  EXPECT(stat("/sandbox/hard.txt", &st), 0);
  EXPECT(st.st_nlink, 2);
  EXPECT(symlink("dir/moved.txt", "/sandbox/soft"), 0);
  char target[64] = {0};
  EXPECT(readlink("/sandbox/soft", target, sizeof target - 1), 13);
  EXPECT(strcmp(target, "dir/moved.txt"), 0);
  EXPECT(lstat("/sandbox/soft", &st), 0);
  EXPECT(S_ISLNK(st.st_mode), 1);
  EXPECT(stat("/sandbox/soft", &st), 0);
  EXPECT(S_ISREG(st.st_mode), 1);
  fd = open("/sandbox/soft", O_RDONLY);
  EXPECT(fd >= 0, 1);
  EXPECT(read(fd, buf, 8), 8);
  EXPECT(memcmp(buf, "line ONE", 8), 0);
  close(fd);
  EXPECT(open("/sandbox/soft", O_RDONLY | O_NOFOLLOW), -1);
  EXPECT(errno, ELOOP);

  struct timespec times[2] = { { 1000000000, 0 }, { 1200000000, 500000000 } };
  EXPECT(utimensat(AT_FDCWD, "/sandbox/hard.txt", times, 0), 0);
  EXPECT(stat("/sandbox/hard.txt", &st), 0);
  EXPECT(st.st_atim.tv_sec, 1000000000);
  EXPECT(st.st_mtim.tv_sec, 1200000000);
  EXPECT(st.st_mtim.tv_nsec / 1000000, 500);
  struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1300000000, 0 } };
  EXPECT(utimensat(AT_FDCWD, "/sandbox/hard.txt", omit, 0), 0);
  EXPECT(stat("/sandbox/hard.txt", &st), 0);
  EXPECT(st.st_atim.tv_sec, 1000000000);
  EXPECT(st.st_mtim.tv_sec, 1300000000);

  EXPECT(unlink("/sandbox/dir"), -1);
  EXPECT(errno, EISDIR);
  EXPECT(unlink("/sandbox/soft"), 0);
  EXPECT(unlink("/sandbox/hard.txt"), 0);
  EXPECT(unlink("/sandbox/dir/moved.txt"), 0);
  EXPECT(rmdir("/sandbox/dir/sub"), 0);
  EXPECT(rmdir("/sandbox/dir"), 0);

  // opendir/readdir see every entry once, with . and ..
  EXPECT(mkdir("/sandbox/list", 0755), 0);
  char name[64];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof name, "/sandbox/list/entry-with-a-long-name-%02d", i);
    int lfd = open(name, O_CREAT | O_WRONLY, 0644);
    EXPECT(lfd >= 0, 1);
    close(lfd);
  }
  DIR *dir = opendir("/sandbox/list");
  EXPECT(dir != NULL, 1);
  int seen[40] = {0}, dots = 0, other = 0;
  struct dirent *de;
  while ((de = readdir(dir))) {
    int n;
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) { dots++; EXPECT(de->d_type, DT_DIR); }
    else if (sscanf(de->d_name, "entry-with-a-long-name-%d", &n) == 1 && n >= 0 && n < 40) { seen[n]++; EXPECT(de->d_type, DT_REG); }
    else other++;
  }
  rewinddir(dir);
  int again = 0;
  while (readdir(dir)) again++;
  closedir(dir);
  EXPECT(dots, 2);
  EXPECT(other, 0);
  EXPECT(again, 42);
  for (int i = 0; i < 40; i++) EXPECT(seen[i], 1);
  return finish();
}

// ── path_open: every oflag, fdflags, rights and errno ──────────────────────
static int cmd_open(void) {
  __wasi_fd_t fd, fd2;
  put_file(D, "file", "0123456789");
  OK(__wasi_path_create_directory(D, "dir"));

  // CREAT makes, EXCL refuses an existing file, TRUNC empties.
  OK(popen_(D, 0, "new", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd));
  __wasi_filestat_t fst;
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.filetype, __WASI_FILETYPE_REGULAR_FILE);
  EXPECT(fst.size, 0);
  OK(__wasi_fd_close(fd));
  EXPECT(popen_(D, 0, "new", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_EXIST);
  EXPECT(popen_(D, 0, "dir", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_EXIST);
  OK(popen_(D, 0, "file", __WASI_OFLAGS_TRUNC, FILE_RIGHTS, 0, &fd));
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.size, 0);
  OK(__wasi_fd_close(fd));
  // TRUNC needs write access (as Rust's OpenOptions in wasmtime).
  EXPECT(popen_(D, 0, "file", __WASI_OFLAGS_TRUNC, __WASI_RIGHTS_FD_READ, 0, &fd), __WASI_ERRNO_INVAL);

  // DIRECTORY
  OK(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  __wasi_fdstat_t fds;
  OK(__wasi_fd_fdstat_get(fd, &fds));
  EXPECT(fds.fs_filetype, __WASI_FILETYPE_DIRECTORY);
  EXPECT((fds.fs_rights_base & __WASI_RIGHTS_FD_READ), 0); // file rights do not apply to a directory
  EXPECT((fds.fs_rights_base & __WASI_RIGHTS_PATH_OPEN) != 0, 1);
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "dir/", 0, DIR_RIGHTS_ALL, 0, &fd));
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "dir/..", 0, DIR_RIGHTS_ALL, 0, &fd));
  OK(__wasi_fd_close(fd));
  // Only preopens have a prestat: another directory fd is EBADF / ENOTDIR (as wasmtime).
  OK(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  EXPECT(__wasi_fd_prestat_get(fd, &(__wasi_prestat_t){0}), __WASI_ERRNO_BADF);
  char pname[8];
  EXPECT(__wasi_fd_prestat_dir_name(fd, (uint8_t *)pname, sizeof pname), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_fd_prestat_dir_name(77, (uint8_t *)pname, sizeof pname), __WASI_ERRNO_BADF);
  OK(__wasi_fd_close(fd));
  EXPECT(popen_(D, 0, "file", __WASI_OFLAGS_DIRECTORY, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOTDIR);
  EXPECT(popen_(D, 0, "file/", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOTDIR);
  EXPECT(popen_(D, 0, "file/x", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOTDIR);
  EXPECT(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_CREAT, DIR_RIGHTS_ALL, 0, &fd), __WASI_ERRNO_INVAL);
  EXPECT(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_TRUNC, DIR_RIGHTS_ALL, 0, &fd), __WASI_ERRNO_INVAL);
  EXPECT(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY | __WASI_OFLAGS_EXCL, DIR_RIGHTS_ALL, 0, &fd), __WASI_ERRNO_INVAL);
  EXPECT(popen_(D, 0, "dir", 0, __WASI_RIGHTS_FD_WRITE, 0, &fd), __WASI_ERRNO_ISDIR);
  EXPECT(popen_(D, 0, "dir", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_ISDIR);
  EXPECT(popen_(D, 0, "newdir/", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_ISDIR);
  EXPECT(popen_(D, 0, "missing", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOENT);
  EXPECT(popen_(D, 0, "missing/x", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOENT);
  EXPECT(popen_(D, 0, "", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOENT);
  EXPECT(popen_(D, 0, "file", 0x10, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_INVAL);
  EXPECT(popen_(D, 0, "file", 0, FILE_RIGHTS, 0x20, &fd), __WASI_ERRNO_INVAL);

  // A path with a NUL in it, and one that is not UTF-8.
  static const char nul[] = "file\0x";
  EXPECT(raw_path_open(D, 0, (int32_t)nul, 6, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)&fd), __WASI_ERRNO_INVAL);
  static const char bad[] = "fi\xffle";
  EXPECT(raw_path_open(D, 0, (int32_t)bad, 5, 0, __WASI_RIGHTS_FD_READ, 0, 0, (int32_t)&fd), __WASI_ERRNO_ILSEQ);

  // Not a directory fd.
  fd = MUST_OPEN(D, "file", 0, FILE_RIGHTS, 0);
  EXPECT(popen_(fd, 0, "x", 0, 0, 0, &fd2), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_open(1, 0, "x", 0, 0, 0, 0, &fd2), __WASI_ERRNO_BADF);
  EXPECT(__wasi_path_open(77, 0, "x", 0, 0, 0, 0, &fd2), __WASI_ERRNO_BADF);
  OK(__wasi_fd_close(fd));

  // Symlinks: followed only with SYMLINK_FOLLOW; the last one is ELOOP otherwise.
  OK(__wasi_path_symlink("file", D, "link"));
  OK(__wasi_path_symlink("dir", D, "dirlink"));
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", 0, FILE_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  EXPECT(popen_(D, 0, "link", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_LOOP);
  EXPECT(popen_(D, 0, "dirlink", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd), __WASI_ERRNO_LOOP);
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dirlink", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "dirlink/", 0, DIR_RIGHTS_ALL, 0, &fd)); // a trailing slash follows
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "dirlink/../file", 0, FILE_RIGHTS, 0, &fd)); // links in the middle are followed
  OK(__wasi_fd_close(fd));
  EXPECT(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd), __WASI_ERRNO_NOTDIR);
  // CREAT|EXCL never follows: the link itself exists.
  EXPECT(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "link", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_EXIST);
  // CREAT through a dangling link creates its target.
  OK(__wasi_path_symlink("made-through-link", D, "dangling"));
  EXPECT(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NOENT);
  OK(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dangling", __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd));
  OK(__wasi_fd_close(fd));
  __wasi_filestat_t made;
  OK(__wasi_path_filestat_get(D, 0, "made-through-link", &made));
  // Loops end in ELOOP.
  OK(__wasi_path_symlink("loop2", D, "loop1"));
  OK(__wasi_path_symlink("loop1", D, "loop2"));
  EXPECT(popen_(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "loop1", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_LOOP);
  EXPECT(popen_(D, 0, "loop1/x", 0, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_LOOP);

  // Rights: only what the directory passes on, and only those that apply to a file.
  EXPECT(__wasi_path_open(D, 0, "file", 0, FILE_RIGHTS | __WASI_RIGHTS_SOCK_ACCEPT, 0, 0, &fd), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_open(D, 0, "file", 0, FILE_RIGHTS, 0, 0, &fd), 0);
  OK(__wasi_fd_fdstat_get(fd, &fds));
  EXPECT(fds.fs_rights_base, FILE_RIGHTS);
  OK(__wasi_fd_close(fd));
  OK(__wasi_path_open(D, 0, "file", 0, FILE_RIGHTS | __WASI_RIGHTS_PATH_OPEN | __WASI_RIGHTS_FD_READDIR, 0, 0, &fd));
  OK(__wasi_fd_fdstat_get(fd, &fds));
  EXPECT(fds.fs_rights_base, FILE_RIGHTS);
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "dir", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  // Drop FD_READ from what "dir" may pass on, then ask for it below it.
  OK(__wasi_fd_fdstat_get(fd, &fds));
  OK(__wasi_fd_fdstat_set_rights(fd, fds.fs_rights_base, fds.fs_rights_inheriting & ~__WASI_RIGHTS_FD_READ));
  put_file(D, "dir/inner", "x");
  EXPECT(__wasi_path_open(fd, 0, "inner", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd2), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_open(fd, 0, "inner", 0, 0, __WASI_RIGHTS_FD_READ, 0, &fd2), __WASI_ERRNO_NOTCAPABLE);
  OK(__wasi_path_open(fd, 0, "inner", 0, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd2));
  OK(__wasi_fd_close(fd2));
  // Without PATH_OPEN, nothing opens; without PATH_CREATE_FILE nothing is created.
  OK(__wasi_fd_fdstat_set_rights(fd, fds.fs_rights_base & ~__WASI_RIGHTS_PATH_CREATE_FILE, 0));
  EXPECT(__wasi_path_open(fd, 0, "other", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd2), __WASI_ERRNO_NOTCAPABLE);
  OK(__wasi_fd_fdstat_set_rights(fd, fds.fs_rights_base & ~(__WASI_RIGHTS_PATH_CREATE_FILE | __WASI_RIGHTS_PATH_OPEN), 0));
  EXPECT(__wasi_path_open(fd, 0, "inner", 0, 0, 0, 0, &fd2), __WASI_ERRNO_NOTCAPABLE);
  // Rights can be dropped, never regained.
  EXPECT(__wasi_fd_fdstat_set_rights(fd, fds.fs_rights_base, 0), __WASI_ERRNO_NOTCAPABLE);
  OK(__wasi_fd_close(fd));

  // fdflags are kept and reported.
  OK(popen_(D, 0, "file", 0, FILE_RIGHTS, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK, &fd));
  OK(__wasi_fd_fdstat_get(fd, &fds));
  EXPECT(fds.fs_flags, __WASI_FDFLAGS_APPEND | __WASI_FDFLAGS_NONBLOCK);
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "file", 0, FILE_RIGHTS, __WASI_FDFLAGS_DSYNC | __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_RSYNC, &fd));
  OK(__wasi_fd_fdstat_get(fd, &fds));
  EXPECT(fds.fs_flags, __WASI_FDFLAGS_DSYNC | __WASI_FDFLAGS_SYNC | __WASI_FDFLAGS_RSYNC);
  __wasi_size_t n;
  OK(write_str(fd, "synced", &n));
  // Sync flags cannot change after open (like wasmtime).
  EXPECT(__wasi_fd_fdstat_set_flags(fd, 0), __WASI_ERRNO_INVAL);
  OK(__wasi_fd_close(fd));
  return finish();
}

// ── reading, writing, offsets, sizes ───────────────────────────────────────
static int cmd_rw(void) {
  __wasi_fd_t fd, ro, wo;
  __wasi_size_t n;
  __wasi_filesize_t pos;
  char buf[64];
  put_file(D, "f", "hello world");

  ro = MUST_OPEN(D, "f", 0, READ_RIGHTS, 0);
  EXPECT(write_str(ro, "x", &n), __WASI_ERRNO_BADF);
  __wasi_ciovec_t cv = { (const uint8_t *)"x", 1 };
  EXPECT(__wasi_fd_pwrite(ro, &cv, 1, 0, &n), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_filestat_set_size(ro, 1), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_allocate(ro, 0, 1), __WASI_ERRNO_NOTCAPABLE);
  // Scatter read over three buffers.
  char a[3], b[4], c[10];
  __wasi_iovec_t iov[3] = { { (uint8_t *)a, 3 }, { (uint8_t *)b, 4 }, { (uint8_t *)c, 10 } };
  OK(__wasi_fd_read(ro, iov, 3, &n));
  EXPECT(n, 11);
  EXPECT(memcmp(a, "hel", 3) | memcmp(b, "lo w", 4) | memcmp(c, "orld", 4), 0);
  OK(read_buf(ro, buf, sizeof buf, &n));
  EXPECT(n, 0); // end of file
  OK(__wasi_fd_tell(ro, &pos));
  EXPECT(pos, 11);
  OK(__wasi_fd_seek(ro, 6, __WASI_WHENCE_SET, &pos));
  EXPECT(pos, 6);
  OK(__wasi_fd_seek(ro, -2, __WASI_WHENCE_CUR, &pos));
  EXPECT(pos, 4);
  OK(__wasi_fd_seek(ro, -1, __WASI_WHENCE_END, &pos));
  EXPECT(pos, 10);
  OK(__wasi_fd_seek(ro, 100, __WASI_WHENCE_END, &pos)); // past the end is allowed
  EXPECT(pos, 111);
  EXPECT(__wasi_fd_seek(ro, -1, __WASI_WHENCE_SET, &pos), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_fd_seek(ro, -200, __WASI_WHENCE_END, &pos), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_fd_seek(ro, 0, 3, &pos), __WASI_ERRNO_INVAL);
  __wasi_iovec_t pv = { (uint8_t *)buf, 5 };
  OK(__wasi_fd_pread(ro, &pv, 1, 6, &n));
  EXPECT(n, 5);
  EXPECT(memcmp(buf, "world", 5), 0);
  OK(__wasi_fd_pread(ro, &pv, 1, 1000, &n));
  EXPECT(n, 0);
  OK(__wasi_fd_close(ro));

  wo = MUST_OPEN(D, "f", 0, __WASI_RIGHTS_FD_WRITE | __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL, 0);
  EXPECT(read_buf(wo, buf, 4, &n), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_pread(wo, &pv, 1, 0, &n), __WASI_ERRNO_BADF);
  // Gather write.
  __wasi_ciovec_t gv[2] = { { (const uint8_t *)"HE", 2 }, { (const uint8_t *)"LLO", 3 } };
  OK(__wasi_fd_write(wo, gv, 2, &n));
  EXPECT(n, 5);
  OK(__wasi_fd_tell(wo, &pos));
  EXPECT(pos, 5);
  OK(__wasi_fd_pwrite(wo, &cv, 1, 20, &n)); // a hole up to offset 20
  OK(__wasi_fd_tell(wo, &pos));
  EXPECT(pos, 5);
  // Rights: without FD_TELL/FD_SEEK the offset cannot be asked or moved.
  OK(__wasi_fd_fdstat_set_rights(wo, __WASI_RIGHTS_FD_WRITE, 0));
  EXPECT(__wasi_fd_tell(wo, &pos), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_seek(wo, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_pwrite(wo, &cv, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_sync(wo), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_filestat_get(wo, &(__wasi_filestat_t){0}), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_datasync(wo), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_advise(wo, 0, 0, __WASI_ADVICE_NORMAL), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_fdstat_set_flags(wo, __WASI_FDFLAGS_APPEND), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_fd_filestat_set_times(wo, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
  OK(__wasi_fd_close(wo));
  // pread needs FD_SEEK as well as FD_READ.
  ro = MUST_OPEN(D, "f", 0, READ_RIGHTS, 0);
  OK(__wasi_fd_fdstat_set_rights(ro, __WASI_RIGHTS_FD_READ, 0));
  EXPECT(__wasi_fd_pread(ro, &pv, 1, 0, &n), __WASI_ERRNO_NOTCAPABLE);
  OK(read_buf(ro, buf, 2, &n)); // plain reads still work
  EXPECT(n, 2);
  OK(__wasi_fd_close(ro));

  fd = MUST_OPEN(D, "f", 0, FILE_RIGHTS, 0);
  __wasi_filestat_t st;
  OK(__wasi_fd_filestat_get(fd, &st));
  EXPECT(st.size, 21);
  OK(__wasi_fd_pread(fd, &pv, 1, 0, &n));
  EXPECT(memcmp(buf, "HELLO", 5), 0);
  // set_size shrinks and grows (zero-filled).
  OK(__wasi_fd_filestat_set_size(fd, 3));
  OK(__wasi_fd_filestat_get(fd, &st));
  EXPECT(st.size, 3);
  OK(__wasi_fd_filestat_set_size(fd, 8));
  memset(buf, 'z', 8);
  __wasi_iovec_t whole = { (uint8_t *)buf, 8 };
  OK(__wasi_fd_pread(fd, &whole, 1, 0, &n));
  EXPECT(n, 8);
  EXPECT(memcmp(buf, "HEL\0\0\0\0\0", 8), 0);
  // allocate grows but never shrinks; zero length is EINVAL.
  OK(__wasi_fd_allocate(fd, 4, 100));
  OK(__wasi_fd_filestat_get(fd, &st));
  EXPECT(st.size, 104);
  OK(__wasi_fd_allocate(fd, 0, 10));
  OK(__wasi_fd_filestat_get(fd, &st));
  EXPECT(st.size, 104);
  EXPECT(__wasi_fd_allocate(fd, 0, 0), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_fd_allocate(fd, 1ull << 62, 1ull << 62), __WASI_ERRNO_FBIG);
  // advise, sync, datasync
  OK(__wasi_fd_advise(fd, 0, 10, __WASI_ADVICE_SEQUENTIAL));
  OK(__wasi_fd_advise(fd, 0, 0, __WASI_ADVICE_DONTNEED));
  EXPECT(__wasi_fd_advise(fd, 0, 10, 6), __WASI_ERRNO_INVAL);
  OK(__wasi_fd_sync(fd));
  OK(__wasi_fd_datasync(fd));
  EXPECT(__wasi_fd_sync(1), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_datasync(0), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_advise(1, 0, 0, 0), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_allocate(D, 0, 1), __WASI_ERRNO_BADF);
  OK(__wasi_fd_sync(D));
  // APPEND set later with fd_fdstat_set_flags.
  OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  OK(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND));
  OK(write_str(fd, "END", &n));
  OK(__wasi_fd_filestat_get(fd, &st));
  EXPECT(st.size, 107);
  OK(__wasi_fd_tell(fd, &pos));
  EXPECT(pos, 107);
  OK(__wasi_fd_fdstat_set_flags(fd, 0));
  OK(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos));
  OK(write_str(fd, "h", &n));
  OK(__wasi_fd_pread(fd, &pv, 1, 0, &n));
  EXPECT(memcmp(buf, "hEL", 3), 0);
  EXPECT(__wasi_fd_fdstat_set_flags(fd, 0x40), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_fd_fdstat_set_flags(D, 0), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_fdstat_set_flags(0, __WASI_FDFLAGS_NONBLOCK), __WASI_ERRNO_BADF);
  // Directories are not seekable or readable as files.
  EXPECT(__wasi_fd_seek(D, 0, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_tell(D, &pos), __WASI_ERRNO_BADF);
  EXPECT(read_buf(D, buf, 4, &n), __WASI_ERRNO_BADF);
  EXPECT(write_str(D, "x", &n), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_pread(D, &pv, 1, 0, &n), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_pread(0, &pv, 1, 0, &n), __WASI_ERRNO_SPIPE);
  EXPECT(__wasi_fd_pwrite(1, &cv, 1, 0, &n), __WASI_ERRNO_SPIPE);
  EXPECT(__wasi_fd_filestat_set_size(D, 0), __WASI_ERRNO_BADF);

  // renumber: the fd moves, the target's old file is closed.
  __wasi_fd_t other = MUST_OPEN(D, "f", 0, READ_RIGHTS, 0);
  OK(__wasi_fd_renumber(fd, other));
  EXPECT(__wasi_fd_fdstat_get(fd, &(__wasi_fdstat_t){0}), __WASI_ERRNO_BADF);
  OK(__wasi_fd_pread(other, &pv, 1, 0, &n));
  EXPECT(memcmp(buf, "hEL", 3), 0);
  OK(__wasi_fd_filestat_set_size(other, 1)); // it is the writable one now
  EXPECT(__wasi_fd_renumber(other, 99), __WASI_ERRNO_BADF);
  EXPECT(__wasi_fd_renumber(99, other), __WASI_ERRNO_BADF);
  OK(__wasi_fd_renumber(other, other));
  OK(__wasi_fd_close(other));
  EXPECT(__wasi_fd_close(other), __WASI_ERRNO_BADF);
  return finish();
}

// ── fd_readdir and its cookies ──────────────────────────────────────────────
static int cmd_readdir(int count) {
  OK(__wasi_path_create_directory(D, "d"));
  char name[64];
  for (int i = 0; i < count; i++) {
    snprintf(name, sizeof name, "d/n%03d", i);
    put_file(D, name, "");
  }
  OK(__wasi_path_create_directory(D, "d/sub"));
  OK(__wasi_path_symlink("n000", D, "d/ln"));
  __wasi_fd_t dfd = MUST_OPEN(D, "d", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  // Read with a buffer that fits about two entries, resuming from each last d_next.
  static uint8_t buf[70];
  __wasi_dircookie_t cookie = 0;
  int seen = 0, files = 0, dirs = 0, links = 0, rounds = 0, truncated = 0;
  for (;;) {
    __wasi_size_t used;
    OK(__wasi_fd_readdir(dfd, buf, sizeof buf, cookie, &used));
    rounds++;
    size_t at = 0;
    int progressed = 0;
    while (at + sizeof(__wasi_dirent_t) <= used) {
      __wasi_dirent_t de;
      memcpy(&de, buf + at, sizeof de);
      if (at + sizeof de + de.d_namlen > used) { truncated++; break; }
      char nm[64] = {0};
      memcpy(nm, buf + at + sizeof de, de.d_namlen);
      if (de.d_type == __WASI_FILETYPE_REGULAR_FILE) files++;
      else if (de.d_type == __WASI_FILETYPE_DIRECTORY) dirs++;
      else if (de.d_type == __WASI_FILETYPE_SYMBOLIC_LINK) links++;
      EXPECT(de.d_next, cookie + 1);
      cookie = de.d_next;
      seen++;
      progressed = 1;
      at += sizeof de + de.d_namlen;
    }
    if (at < used) truncated++; // the last entry was cut to fit
    if (used < sizeof buf) break;
    if (!progressed) { printf("no progress at cookie %llu\n", (unsigned long long)cookie); failures++; break; }
  }
  EXPECT(seen, count + 4);
  EXPECT(files, count);
  EXPECT(dirs, 3); // ".", ".." and sub
  EXPECT(links, 1);
  EXPECT(truncated > 0, 1);
  printf("rounds=%d\n", rounds);
  // A cookie past the end gives nothing.
  __wasi_size_t used;
  OK(__wasi_fd_readdir(dfd, buf, sizeof buf, 100000, &used));
  EXPECT(used, 0);
  // Cookie 2 starts after "." and "..".
  OK(__wasi_fd_readdir(dfd, buf, sizeof buf, 2, &used));
  __wasi_dirent_t first;
  memcpy(&first, buf, sizeof first);
  EXPECT(first.d_next, 3);
  EXPECT(buf[sizeof first] == '.', 0);
  // "." and ".." at cookies 0 and 1.
  OK(__wasi_fd_readdir(dfd, buf, sizeof buf, 0, &used));
  memcpy(&first, buf, sizeof first);
  EXPECT(first.d_namlen, 1);
  EXPECT(buf[sizeof first], '.');
  __wasi_fd_t f = MUST_OPEN(D, "d/n000", 0, FILE_RIGHTS, 0);
  EXPECT(__wasi_fd_readdir(f, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_fd_readdir(1, buf, sizeof buf, 0, &used), __WASI_ERRNO_BADF);
  OK(__wasi_fd_fdstat_set_rights(dfd, DIR_RIGHTS_ALL & ~__WASI_RIGHTS_FD_READDIR & ~__WASI_RIGHTS_FD_READ & ~__WASI_RIGHTS_FD_WRITE & ~__WASI_RIGHTS_FD_SEEK & ~__WASI_RIGHTS_FD_TELL & ~__WASI_RIGHTS_FD_ALLOCATE & ~__WASI_RIGHTS_FD_FILESTAT_SET_SIZE & ~__WASI_RIGHTS_PATH_FILESTAT_SET_SIZE & ~__WASI_RIGHTS_POLL_FD_READWRITE & ~__WASI_RIGHTS_SOCK_SHUTDOWN & ~__WASI_RIGHTS_SOCK_ACCEPT, 0));
  EXPECT(__wasi_fd_readdir(dfd, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTCAPABLE);
  return finish();
}

// ── stat and times ─────────────────────────────────────────────────────────
static int cmd_stat(void) {
  put_file(D, "f", "12345");
  OK(__wasi_path_symlink("f", D, "l"));
  OK(__wasi_path_create_directory(D, "d"));
  __wasi_filestat_t st, lst, dst;
  OK(__wasi_path_filestat_get(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "l", &st));
  EXPECT(st.filetype, __WASI_FILETYPE_REGULAR_FILE);
  EXPECT(st.size, 5);
  OK(__wasi_path_filestat_get(D, 0, "l", &lst));
  EXPECT(lst.filetype, __WASI_FILETYPE_SYMBOLIC_LINK);
  EXPECT(lst.ino != st.ino, 1);
  OK(__wasi_path_filestat_get(D, 0, "d", &dst));
  EXPECT(dst.filetype, __WASI_FILETYPE_DIRECTORY);
  OK(__wasi_path_filestat_get(D, 0, "d/", &dst));
  OK(__wasi_path_filestat_get(D, 0, ".", &dst));
  EXPECT(dst.filetype, __WASI_FILETYPE_DIRECTORY);
  EXPECT(__wasi_path_filestat_get(D, 0, "f/", &dst), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_filestat_get(D, 0, "nope", &dst), __WASI_ERRNO_NOENT);
  __wasi_fd_t fd = MUST_OPEN(D, "f", 0, FILE_RIGHTS, 0);
  __wasi_filestat_t fst;
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.ino, st.ino);
  EXPECT(fst.dev, st.dev);
  EXPECT(fst.nlink, 1);
  OK(__wasi_path_link(D, 0, "f", D, "f2"));
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.nlink, 2);

  // path_filestat_set_times: exact values, NOW, and the invalid combinations.
  const __wasi_timestamp_t T1 = 1000000000ull * 1000000000ull, T2 = 1100000000ull * 1000000000ull;
  OK(__wasi_path_filestat_set_times(D, 0, "f", T1, T2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  OK(__wasi_path_filestat_get(D, 0, "f", &st));
  EXPECT(st.atim, T1);
  EXPECT(st.mtim, T2);
  OK(__wasi_path_filestat_set_times(D, 0, "f", 0, T1, __WASI_FSTFLAGS_MTIM));
  OK(__wasi_path_filestat_get(D, 0, "f", &st));
  EXPECT(st.atim, T1); // untouched
  EXPECT(st.mtim, T1);
  __wasi_timestamp_t now;
  OK(__wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &now));
  OK(__wasi_path_filestat_set_times(D, 0, "f", 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
  OK(__wasi_path_filestat_get(D, 0, "f", &st));
  EXPECT(st.mtim + 60000000000ull > now && st.mtim < now + 60000000000ull, 1);
  EXPECT(st.atim + 60000000000ull > now, 1);
  EXPECT(__wasi_path_filestat_set_times(D, 0, "f", 0, 0, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_ATIM_NOW), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_filestat_set_times(D, 0, "f", 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_filestat_set_times(D, 0, "f", 0, 0, 0x10), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_filestat_set_times(D, 0, "nope", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOENT);
  // Without SYMLINK_FOLLOW the link's own times change, with it the target's.
  OK(__wasi_path_filestat_set_times(D, 0, "l", T2, T2, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  OK(__wasi_path_filestat_get(D, 0, "l", &lst));
  EXPECT(lst.mtim, T2);
  OK(__wasi_path_filestat_get(D, 0, "f", &st));
  EXPECT(st.mtim == T2, 0);
  OK(__wasi_path_filestat_set_times(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "l", T1, T1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  OK(__wasi_path_filestat_get(D, 0, "f", &st));
  EXPECT(st.mtim, T1);
  // fd_filestat_set_times on a file and on a directory.
  OK(__wasi_fd_filestat_set_times(fd, T2, 0, __WASI_FSTFLAGS_ATIM));
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.atim, T2);
  EXPECT(fst.mtim, T1);
  OK(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW));
  OK(__wasi_fd_filestat_get(fd, &fst));
  EXPECT(fst.mtim > T2, 1);
  EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_INVAL);
  __wasi_fd_t dfd = MUST_OPEN(D, "d", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  OK(__wasi_fd_filestat_set_times(dfd, T1, T1, __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM));
  OK(__wasi_fd_filestat_get(dfd, &dst));
  EXPECT(dst.mtim, T1);
  EXPECT(dst.filetype, __WASI_FILETYPE_DIRECTORY);
  EXPECT(__wasi_fd_filestat_set_times(1, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_BADF);
  // Rights: a file fd without FD_FILESTAT_SET_TIMES, a dir without PATH_FILESTAT_*.
  OK(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_READ, 0));
  EXPECT(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
  OK(__wasi_fd_fdstat_set_rights(dfd, __WASI_RIGHTS_PATH_OPEN, 0));
  EXPECT(__wasi_path_filestat_get(dfd, 0, ".", &dst), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_filestat_set_times(dfd, 0, ".", 0, 0, __WASI_FSTFLAGS_MTIM_NOW), __WASI_ERRNO_NOTCAPABLE);
  return finish();
}

// ── mkdir, rmdir, unlink, rename, link, symlink, readlink ──────────────────
static int cmd_paths(void) {
  put_file(D, "file", "data");
  OK(__wasi_path_create_directory(D, "dir"));
  EXPECT(__wasi_path_create_directory(D, "dir"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_create_directory(D, "file"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_create_directory(D, "."), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_create_directory(D, "no/such"), __WASI_ERRNO_NOENT);
  OK(__wasi_path_create_directory(D, "dir/nested/"));

  // unlink
  EXPECT(__wasi_path_unlink_file(D, "dir"), __WASI_ERRNO_ISDIR);
  EXPECT(__wasi_path_unlink_file(D, "dir/"), __WASI_ERRNO_ISDIR);
  EXPECT(__wasi_path_unlink_file(D, "file/"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_unlink_file(D, "nope"), __WASI_ERRNO_NOENT);
  // rmdir
  EXPECT(__wasi_path_remove_directory(D, "dir"), __WASI_ERRNO_NOTEMPTY);
  EXPECT(__wasi_path_remove_directory(D, "file"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_remove_directory(D, "file/"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_remove_directory(D, "."), __WASI_ERRNO_INVAL);
  OK(__wasi_path_remove_directory(D, "dir/nested"));

  // rename
  OK(__wasi_path_rename(D, "file", D, "dir/file2"));
  EXPECT(__wasi_path_rename(D, "file", D, "x"), __WASI_ERRNO_NOENT);
  put_file(D, "file", "again");
  OK(__wasi_path_rename(D, "file", D, "dir/file2")); // replaces a file
  OK(__wasi_path_create_directory(D, "empty"));
  EXPECT(__wasi_path_rename(D, "dir/file2", D, "empty"), __WASI_ERRNO_ISDIR);
  EXPECT(__wasi_path_rename(D, "empty", D, "dir/file2"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_rename(D, "empty", D, "dir"), __WASI_ERRNO_NOTEMPTY);
  EXPECT(__wasi_path_rename(D, "dir/file2", D, "moved/"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_rename(D, "dir", D, "dir/inside"), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_rename(D, ".", D, "x"), __WASI_ERRNO_BUSY);
  OK(__wasi_path_rename(D, "empty/", D, "empty2/"));
  // rename across two directory fds
  __wasi_fd_t sub = MUST_OPEN(D, "dir", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  OK(__wasi_path_rename(sub, "file2", D, "back"));
  __wasi_filestat_t st;
  OK(__wasi_path_filestat_get(D, 0, "back", &st));
  EXPECT(st.size, 5);

  // link
  OK(__wasi_path_link(D, 0, "back", sub, "hard"));
  EXPECT(__wasi_path_link(D, 0, "back", sub, "hard"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_link(D, 0, "back", D, "back"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_link(D, 0, "back", D, "empty2"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_link(D, 0, "empty2", D, "l2"), __WASI_ERRNO_PERM);
  EXPECT(__wasi_path_link(D, 0, "back", D, "newlink/"), __WASI_ERRNO_NOENT);
  EXPECT(__wasi_path_link(D, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "back", D, "x"), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_link(D, 0, "missing", D, "x"), __WASI_ERRNO_NOENT);
  OK(__wasi_path_filestat_get(sub, 0, "hard", &st));
  EXPECT(st.nlink, 2);

  // symlink and readlink
  OK(__wasi_path_symlink("some/where", D, "sl"));
  EXPECT(__wasi_path_symlink("x", D, "sl"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_symlink("x", D, "empty2"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_symlink("x", D, "empty2/"), __WASI_ERRNO_EXIST);
  EXPECT(__wasi_path_symlink("x", D, "back/"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_symlink("x", D, "fresh/"), __WASI_ERRNO_NOENT);
  char buf[32];
  __wasi_size_t n;
  OK(__wasi_path_readlink(D, "sl", (uint8_t *)buf, sizeof buf, &n));
  EXPECT(n, 10);
  EXPECT(memcmp(buf, "some/where", 10), 0);
  OK(__wasi_path_readlink(D, "sl", (uint8_t *)buf, 4, &n)); // truncated, like readlink(2)
  EXPECT(n, 4);
  EXPECT(__wasi_path_readlink(D, "back", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_readlink(D, ".", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
  EXPECT(__wasi_path_readlink(D, "nope", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_NOENT);
  // A hard link to a symlink links the symlink itself.
  OK(__wasi_path_link(D, 0, "sl", D, "sl2"));
  OK(__wasi_path_readlink(D, "sl2", (uint8_t *)buf, sizeof buf, &n));
  EXPECT(n, 10);
  // unlink removes a symlink, not its target; rmdir refuses a symlink to a directory.
  OK(__wasi_path_symlink("empty2", D, "dl"));
  EXPECT(__wasi_path_remove_directory(D, "dl"), __WASI_ERRNO_NOTDIR);
  OK(__wasi_path_unlink_file(D, "dl"));
  OK(__wasi_path_filestat_get(D, 0, "empty2", &st));

  // Rights on the directory fd.
  OK(__wasi_fd_fdstat_set_rights(sub, __WASI_RIGHTS_PATH_OPEN, 0));
  EXPECT(__wasi_path_create_directory(sub, "x"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_unlink_file(sub, "hard"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_remove_directory(sub, "x"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_symlink("x", sub, "y"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_readlink(sub, "y", (uint8_t *)buf, 4, &n), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_rename(sub, "hard", D, "z"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_rename(D, "back", sub, "z"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_link(sub, 0, "hard", D, "z"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT(__wasi_path_link(D, 0, "back", sub, "z"), __WASI_ERRNO_NOTCAPABLE);
  // Path calls on something that is not a directory.
  EXPECT(__wasi_path_create_directory(1, "x"), __WASI_ERRNO_BADF);
  __wasi_fd_t f = MUST_OPEN(D, "back", 0, FILE_RIGHTS, 0);
  EXPECT(__wasi_path_create_directory(f, "x"), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_filestat_get(f, 0, "x", &st), __WASI_ERRNO_NOTDIR);
  EXPECT(__wasi_path_unlink_file(99, "x"), __WASI_ERRNO_BADF);
  return finish();
}

// ── preopens can be closed and renumbered; fds run out at the limit ────────
static int cmd_fds(void) {
  put_file(D, "f", "x");
  int opened = 0;
  __wasi_errno_t e = 0;
  __wasi_fd_t fd;
  for (int i = 0; i < 100; i++) {
    e = popen_(D, 0, "f", 0, READ_RIGHTS, 0, &fd);
    if (e) break;
    opened++;
  }
  EXPECT(e, __WASI_ERRNO_MFILE);
  printf("opened=%d\n", opened);
  OK(__wasi_fd_close(fd));
  OK(popen_(D, 0, "f", 0, READ_RIGHTS, 0, &fd));
  // Lowest free number is reused.
  OK(__wasi_fd_close(5));
  OK(popen_(D, 0, "f", 0, READ_RIGHTS, 0, &fd));
  EXPECT(fd, 5);
  OK(__wasi_fd_close(D));
  EXPECT(__wasi_fd_prestat_get(D, &(__wasi_prestat_t){0}), __WASI_ERRNO_BADF);
  return finish();
}

// ── path length, component length and nesting limits ───────────────────────
static int cmd_limits(void) {
  static char path[6000];
  __wasi_fd_t fd;
  memset(path, 'x', 5000);
  path[5000] = 0;
  EXPECT(popen_(D, 0, path, __WASI_OFLAGS_CREAT, FILE_RIGHTS, 0, &fd), __WASI_ERRNO_NAMETOOLONG);
  path[256] = 0;
  EXPECT(__wasi_path_create_directory(D, path), __WASI_ERRNO_NAMETOOLONG);
  path[255] = 0;
  OK(__wasi_path_create_directory(D, path)); // 255 bytes is the longest name
  // Nest 300 directories: the walk holds one host fd per level and stops at 256.
  size_t len = 0;
  int made = 0;
  for (int i = 0; i < 300; i++) {
    len += sprintf(path + len, i ? "/d" : "d");
    __wasi_errno_t e = __wasi_path_create_directory(D, path);
    if (e) { EXPECT(e, __WASI_ERRNO_NAMETOOLONG); break; }
    made++;
  }
  EXPECT(made, 257);
  // Below the deepest reachable directory the walk starts afresh from its own fd.
  path[len - 2] = 0; // the deepest path that worked
  __wasi_fd_t deep = MUST_OPEN(D, path, __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0);
  OK(__wasi_path_create_directory(deep, "d"));
  OK(__wasi_path_create_directory(deep, "d/e"));
  OK(popen_(deep, 0, "d/e", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS_ALL, 0, &fd));
  return finish();
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *cmd = argv[1];
  if (!strcmp(cmd, "libc")) return cmd_libc();
  if (!strcmp(cmd, "open")) return cmd_open();
  if (!strcmp(cmd, "rw")) return cmd_rw();
  if (!strcmp(cmd, "readdir")) return cmd_readdir(argc > 2 ? atoi(argv[2]) : 10);
  if (!strcmp(cmd, "stat")) return cmd_stat();
  if (!strcmp(cmd, "paths")) return cmd_paths();
  if (!strcmp(cmd, "fds")) return cmd_fds();
  if (!strcmp(cmd, "limits")) return cmd_limits();
  printf("unknown command %s\n", cmd);
  return 2;
}
