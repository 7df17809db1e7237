// CPU-bound work for the loop-check benchmark: a sieve, Collatz chains and a byte hash, all
// loop-heavy. The work size comes from argv[1].
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned sieve(unsigned n, unsigned char *composite) {
  memset(composite, 0, n);
  unsigned count = 0;
  for (unsigned i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (unsigned j = i * 2; j < n; j += i) composite[j] = 1;
  }
  return count;
}

static unsigned longest_collatz(unsigned limit) {
  unsigned best = 0, best_len = 0;
  for (unsigned i = 1; i < limit; i++) {
    unsigned long long x = i;
    unsigned len = 1;
    while (x != 1) {
      x = (x & 1) ? 3 * x + 1 : x / 2;
      len++;
    }
    if (len > best_len) { best_len = len; best = i; }
  }
  return best;
}

static unsigned hash(const unsigned char *p, unsigned n, unsigned rounds) {
  unsigned h = 2166136261u;
  for (unsigned r = 0; r < rounds; r++)
    for (unsigned i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

int main(int argc, char **argv) {
  unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
  unsigned n = 1000000 * scale;
  unsigned char *buf = malloc(n);
  if (!buf) return 1;
  unsigned primes = sieve(n, buf);
  unsigned collatz = longest_collatz(300000 * scale);
  unsigned h = hash(buf, n, 4);
  printf("primes %u collatz %u hash %08x\n", primes, collatz, h);
  free(buf);
  return 0;
}
