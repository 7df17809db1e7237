// A WAGI handler: CGI variables in the environment and the request body on stdin; a CGI reply
// (header lines, an empty line, the body) on stdout; stderr goes to the function's log.
import { getenv, readAll, write, writeBytes, STDERR, STDOUT } from "./wasi";

function env(name: string, fallback: string): string {
  const value = getenv(name);
  return value !== null && value.length > 0 ? value : fallback;
}

// The entry point of a WASI command: the host calls it once per request, in a fresh instance.
export function _start(): void {
  const body = readAll();

  write(STDOUT, "Content-Type: text/plain; charset=utf-8\n\n");
  // GREETING comes from waft.toml.
  write(STDOUT, env("GREETING", "Hello") + " from AssemblyScript!\n");
  write(STDOUT, "path: " + env("PATH_INFO", "/") + "\n");
  write(STDOUT, "query: " + env("QUERY_STRING", "") + "\n");
  if (body.length > 0) {
    write(STDOUT, "body: ");
    writeBytes(STDOUT, body.dataStart, body.length);
    write(STDOUT, "\n");
  }
  write(STDERR, env("REQUEST_METHOD", "GET") + " " + env("PATH_INFO", "/") + "\n");
}
