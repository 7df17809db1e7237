// A WAGI handler whose reply is chosen by QUERY_STRING, to exercise the CGI reply contract.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void) {
  const char *q = getenv("QUERY_STRING");
  if (!q) q = "";
  if (!strcmp(q, "status")) {
    printf("Status: 404 Not Found\nContent-Type: text/plain\n\nnothing here\n");
  } else if (!strcmp(q, "created")) {
    printf("Content-Type: application/json\r\nStatus: 201\r\n\r\n{\"ok\":true}");
  } else if (!strcmp(q, "location")) {
    printf("Location: /elsewhere\n\n");
  } else if (!strcmp(q, "headers")) {
    printf("Content-Type: text/html; charset=utf-8\nX-Custom: one\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n<p>hi</p>");
  } else if (!strcmp(q, "noheader")) {
    printf("just some text without a header block\n");
  } else if (!strcmp(q, "notype")) {
    printf("X-Only: this\n\nbody");
  } else if (!strcmp(q, "badstatus")) {
    printf("Status: abc\nContent-Type: text/plain\n\nbody");
  } else if (!strcmp(q, "stderr")) {
    fprintf(stderr, "first log line\nsecond log line\n");
    printf("Content-Type: text/plain\n\nlogged\n");
  } else if (!strncmp(q, "sleep=", 6)) {
    struct timespec ts = { 0, atol(q + 6) * 1000000L };
    nanosleep(&ts, NULL);
    printf("Content-Type: text/plain\n\nslept %s ms\n", q + 6);
  } else if (!strncmp(q, "big=", 4)) {
    long n = atol(q + 4);
    printf("Content-Type: application/octet-stream\n\n");
    for (long i = 0; i < n; i++) putchar('a' + i % 26);
  } else {
    printf("Content-Type: text/plain\n\n%s\n", getenv("GREETING") ? getenv("GREETING") : "hello");
  }
  return 0;
}
