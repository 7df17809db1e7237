// A WAGI handler: the request arrives as CGI environment variables and the body on stdin;
// the reply is CGI on stdout: header lines, an empty line, then the body.
import { getenv, readAll, write, writeBytes, STDERR, STDOUT } from "./wasi";

function env(name: string, fallback: string): string {
  const value = getenv(name);
  return value !== null && value.length > 0 ? value : fallback;
}

// A WASI command's entry point; the host calls it once per request.
export function _start(): void {
  const body = readAll();

  write(STDOUT, "Content-Type: text/plain; charset=utf-8\n\n");
  write(STDOUT, "Hello from {{app-name}}! (AssemblyScript)\n");
  write(STDOUT, "method: " + env("REQUEST_METHOD", "GET") + "\n");
  write(STDOUT, "path: " + env("PATH_INFO", "/") + "\n");
  write(STDOUT, "query: " + env("QUERY_STRING", "") + "\n");
  // Echo the request body, if there is one.
  if (body.length > 0) {
    write(STDOUT, "body: ");
    writeBytes(STDOUT, body.dataStart, body.length);
    write(STDOUT, "\n");
  }
  // stderr goes to the function's log.
  write(STDERR, "served " + env("PATH_INFO", "/") + "\n");
}
