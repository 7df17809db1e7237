// Prints its arguments and an environment variable; exits with the code given in EXIT_CODE.
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  printf("hello from C\n");
  for (int i = 0; i < argc; i++) printf("arg %d: %s\n", i, argv[i]);
  const char *g = getenv("GREETING");
  printf("GREETING=%s\n", g ? g : "(unset)");
  const char *code = getenv("EXIT_CODE");
  return code ? atoi(code) : 0;
}
