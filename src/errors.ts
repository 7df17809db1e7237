// The one registry of waft's coded errors. Every error a user can see has a code here, an
// HTTP status, and a hint that says how to fix it. test/errors.test.ts fails when
// docs/errors.md misses a code. Add new codes in the section of the layer that throws them.

export interface ErrorSpec {
  status: number;
  hint: string;
}

export const errorSpecs = {
  // ── general ────────────────────────────────────────────────────────────────
  WAFT_E_INTERNAL: { status: 500, hint: 'This is a bug in waft; please report it with the log line that carries this error id.' },
  WAFT_E_USAGE: { status: 400, hint: 'Run `waft help` or `waft COMMAND --help` for the accepted arguments.' },
  WAFT_E_BAD_SIZE: { status: 400, hint: 'Write a size as a number with an optional unit: B, KB, KiB, MB, MiB, GB or GiB (e.g. "64MiB").' },
  WAFT_E_BAD_DURATION: { status: 400, hint: 'Write a duration as a number with a unit: ms, s, m or h (e.g. "10s", "250ms").' },
  WAFT_E_FILE_NOT_FOUND: { status: 404, hint: 'Check the path; relative paths are resolved from the current directory or from waft.toml.' },

  // ── wasm: loading and preparing modules ────────────────────────────────────
  WAFT_E_MODULE_INVALID: { status: 422, hint: 'The file is not a valid WebAssembly module; rebuild it for wasm32-wasi (e.g. `clang --target=wasm32-wasi`).' },
  WAFT_E_MODULE_UNSUPPORTED: { status: 422, hint: 'This kind of module cannot run here; build a WASI preview1 command module (one that exports `_start`).' },
  WAFT_E_WAT_INVALID: { status: 422, hint: 'Fix the WebAssembly text at the position given.' },

  // ── sandbox: running guests within limits ──────────────────────────────────
  WAFT_E_GUEST_TRAP: { status: 500, hint: 'The guest trapped (a crash inside the module); the wasm backtrace in the details shows where.' },
  WAFT_E_GUEST_TIMEOUT: { status: 504, hint: 'The guest ran past its deadline; raise `limits.timeout` (or --timeout) or make the guest finish sooner.' },
  WAFT_E_GUEST_MEMORY_LIMIT: { status: 507, hint: 'The guest needed more linear memory than allowed; raise `limits.memory` (or --max-memory).' },
  WAFT_E_GUEST_OUTPUT_LIMIT: { status: 507, hint: 'The guest wrote more than allowed to stdout/stderr; raise `limits.max_output` or write less.' },
  WAFT_E_GUEST_LINK: { status: 422, hint: 'The module imports something waft does not provide; check its imports with `wasm-objdump -x` and build it for WASI preview1.' },
  WAFT_E_WORKER_LOST: { status: 503, hint: 'The worker thread running this guest died; the request can be retried.' },
  WAFT_E_SANDBOX_CLOSED: { status: 503, hint: 'The sandbox is shutting down; retry against a running host.' },

  // ── routing and WAGI: the HTTP gateway's router and the CGI contract ───────
  WAFT_E_ROUTE_INVALID: { status: 400, hint: 'Write a route as "/exact", "/users/:id" (one segment per parameter) or "/static/..." (a prefix); see docs/routing.md.' },
  WAFT_E_ROUTE_CONFLICT: { status: 400, hint: 'Two routes match exactly the same paths (parameter names do not matter, nor does one trailing "/"); change or remove one of them.' },
  WAFT_E_ROUTE_NOT_FOUND: { status: 404, hint: 'No route in waft.toml matches this path; check the routes of the app (see docs/routing.md).' },
  WAFT_E_BAD_PATH: { status: 400, hint: 'Send a path that starts with "/", has valid percent-encoding, and has no encoded "/" (%2F), no %00 and no "." or ".." segments.' },
  WAFT_E_CGI_MALFORMED: { status: 502, hint: 'A WAGI guest must write header lines ("Name: value"), then an empty line, then the body, e.g. printf("Content-Type: text/plain\\n\\nhello\\n"); see docs/wagi.md.' },
  WAFT_E_CGI_BAD_STATUS: { status: 502, hint: 'Write the status as a three-digit code from 200 to 599, optionally followed by a reason: "Status: 404 Not Found".' },
  WAFT_E_CGI_NO_CONTENT_TYPE: { status: 502, hint: 'Start the guest\'s output with a "Content-Type: …" header line (or a "Location: …" redirect), then an empty line, then the body.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorSpecs;

/** The plain shape an error takes when it crosses a worker or network boundary. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class WaftError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'WaftError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return errorSpecs[this.code].status;
  }

  get hint(): string {
    return errorSpecs[this.code].hint;
  }

  toJSON(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: ErrorData): WaftError {
    const code = (data.code in errorSpecs ? data.code : 'WAFT_E_INTERNAL') as ErrorCode;
    return new WaftError(code, data.message, data.details);
  }

  /** Any thrown value as a WaftError; unknown errors become WAFT_E_INTERNAL. */
  static wrap(err: unknown): WaftError {
    if (err instanceof WaftError) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new WaftError('WAFT_E_INTERNAL', message, err instanceof Error && err.stack ? { stack: err.stack } : undefined);
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return code in errorSpecs;
}
