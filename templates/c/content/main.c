// A WAGI handler: the request arrives as CGI environment variables and the body on stdin;
// the reply is CGI on stdout: header lines, an empty line, then the body.
#include <stdio.h>
#include <stdlib.h>

static const char *env(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

int main(void) {
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("Hello from {{app-name}}! (C)\n");
  printf("method: %s\n", env("REQUEST_METHOD", "GET"));
  printf("path: %s\n", env("PATH_INFO", "/"));
  printf("query: %s\n", env("QUERY_STRING", ""));

  // Echo the request body, if there is one.
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, stdin);
  if (n > 0) {
    printf("body: ");
    do fwrite(buf, 1, n, stdout);
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0);
    printf("\n");
  }
  // stderr goes to the function's log.
  fprintf(stderr, "served %s\n", env("PATH_INFO", "/"));
  return 0;
}
