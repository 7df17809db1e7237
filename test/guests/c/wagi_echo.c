// A WAGI handler that echoes the request body, streaming: stdin to stdout.
#include <stdio.h>
#include <unistd.h>
int main(void) {
  static char buf[65536];
  ssize_t n;
  printf("Content-Type: application/octet-stream\n\n");
  fflush(stdout);
  while ((n = read(0, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(1, buf + off, n - off);
      if (w <= 0) return 2;
      off += w;
    }
  }
  return 0;
}
