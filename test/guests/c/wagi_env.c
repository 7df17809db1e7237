// A WAGI handler that reports what it was given: argv, then every environment variable.
#include <stdio.h>
extern char **environ;
int main(int argc, char **argv) {
  printf("Content-Type: text/plain\n\n");
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  for (char **e = environ; *e; e++) printf("%s\n", *e);
  return 0;
}
