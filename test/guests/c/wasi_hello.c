// Stage-1 smoke guest: printf, argv, getenv, stderr, stdin, exit code.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  printf("hello, wasi\n");
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  const char *who = getenv("WHO");
  printf("WHO=%s\n", who ? who : "(unset)");
  char line[256];
  size_t total = 0;
  size_t n;
  while ((n = fread(line, 1, sizeof line, stdin)) > 0) total += n;
  printf("stdin bytes=%zu\n", total);
  fprintf(stderr, "to stderr\n");
  const char *code = getenv("EXIT");
  return code ? atoi(code) : 0;
}
