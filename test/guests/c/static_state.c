// A WAGI handler that prints what a run can see of earlier runs in the same instance: a static
// counter, the address malloc returns, and a string it appends to. In a new (or properly reset)
// instance each run prints the same line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int calls;
static char trail[64] = "start";

int main(void) {
  calls++;
  char *p = malloc(1000);
  strcat(trail, "+");
  printf("Content-Type: text/plain\n\ncalls=%d heap=%p trail=%s\n", calls, (void *)p, trail);
  return 0;
}
