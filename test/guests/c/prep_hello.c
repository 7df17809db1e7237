// A small WASI command: prints, allocates, loops, and exits with a code from its arguments.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned checksum(const unsigned char *p, size_t n) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(int argc, char **argv) {
  size_t n = 1 << 20;
  unsigned char *buf = malloc(n);
  if (!buf) return 3;
  for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)(i * 7);
  printf("hello from waft, %d args\n", argc);
  for (int i = 1; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  printf("checksum %08x\n", checksum(buf, n));
  free(buf);
  return argc > 1 && strcmp(argv[1], "fail") == 0 ? 7 : 0;
}
