// A WAGI handler: CGI variables in the environment and the request body on stdin; a CGI reply
// (header lines, an empty line, the body) on stdout; stderr goes to the function's log.
#include <stdio.h>
#include <stdlib.h>

static const char *env(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

int main(void) {
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("%s from C!\n", env("GREETING", "Hello"));  // GREETING comes from waft.toml
  printf("path: %s\n", env("PATH_INFO", "/"));
  printf("query: %s\n", env("QUERY_STRING", ""));

  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, stdin);
  if (n > 0) {
    printf("body: ");
    do fwrite(buf, 1, n, stdout);
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0);
    printf("\n");
  }
  fprintf(stderr, "%s %s\n", env("REQUEST_METHOD", "GET"), env("PATH_INFO", "/"));
  return 0;
}
