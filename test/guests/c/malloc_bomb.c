// Allocates and touches 1 MiB blocks until malloc fails, then aborts.
#include <stdlib.h>
#include <string.h>
char *volatile last; // keeps the compiler from dropping allocations nobody reads
int main(void) {
  for (;;) {
    char *p = malloc(1 << 20);
    if (!p) abort();
    memset(p, 1, 1 << 20);
    last = p;
  }
}
