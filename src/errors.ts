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
  WAFT_E_MODULE_RESERVED_IMPORT: { status: 422, hint: 'The module imports from "waft:sandbox", a namespace only the sandbox may fill (it may also have been prepared already); rename that import and rebuild.' },
  WAFT_E_WAT_INVALID: { status: 422, hint: 'Fix the WebAssembly text at the position given.' },

  // ── wasi: the WASI preview1 host ───────────────────────────────────────────
  WAFT_E_WASI_PREOPEN: { status: 500, hint: 'A directory given to the guest (a `files` mount) does not exist or is not a directory on this host; create it or fix the path.' },

  // ── sandbox: running guests within limits ──────────────────────────────────
  WAFT_E_GUEST_TRAP: { status: 500, hint: 'The guest trapped (a crash inside the module); the wasm backtrace in the details shows where.' },
  WAFT_E_GUEST_TIMEOUT: { status: 504, hint: 'The guest ran past its deadline; raise `limits.timeout` (or --timeout) or make the guest finish sooner.' },
  WAFT_E_GUEST_MEMORY_LIMIT: { status: 507, hint: 'The guest needed more linear memory than allowed; raise `limits.memory` (or --max-memory).' },
  WAFT_E_GUEST_OUTPUT_LIMIT: { status: 507, hint: 'The guest wrote more than allowed to stdout/stderr; raise `limits.max_output` or write less.' },
  WAFT_E_GUEST_LINK: { status: 422, hint: 'The module imports something waft does not provide; check its imports with `wasm-objdump -x` and build it for WASI preview1.' },
  WAFT_E_GUEST_CANCELLED: { status: 499, hint: 'The run was cancelled (for example the client went away) before the guest finished.' },
  WAFT_E_GUEST_NO_ENTRY: { status: 422, hint: 'The module exports no `_start`: build it as a WASI command (a program with `main`), not a library or reactor.' },
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

  // ── capabilities: http and variables ───────────────────────────────────────
  WAFT_E_HTTP_ALLOWED_HOST_INVALID: { status: 400, hint: 'Write each allowed_outbound_hosts entry as scheme://host[:port], e.g. "https://api.example.com", "http://localhost:3000", "https://*.example.com:*" or "*://*:*"; no path, query or user name.' },
  WAFT_E_HTTP_DENIED: { status: 403, hint: 'Add the origin to the function\'s allowed_outbound_hosts in waft.toml. Private, loopback and link-local addresses are reachable only through an entry that names the host exactly (no wildcard).' },
  WAFT_E_HTTP_INVALID_REQUEST: { status: 400, hint: 'Send an absolute http:// or https:// URL without user:password, a valid method other than CONNECT, and valid header names and values.' },
  WAFT_E_HTTP_BODY_TOO_LARGE: { status: 413, hint: 'An outbound request or response body was larger than allowed; send or fetch less (e.g. page or range the data), or raise max_request_body / max_response_body under [outbound_http] in the runtime config.' },
  WAFT_E_HTTP_TIMEOUT: { status: 504, hint: 'The remote server did not answer (or stopped sending) within the outbound timeout; check that it is healthy, or raise timeout under [outbound_http] in the runtime config.' },
  WAFT_E_HTTP_UNREACHABLE: { status: 502, hint: 'Check the host name and port, and that the server is up and reachable from the waft host (DNS, firewall, TLS certificate).' },
  WAFT_E_HTTP_CLOSED: { status: 503, hint: 'The outbound HTTP client was closed because the app is stopping; retry against a running host.' },
  WAFT_E_VARIABLE_MISSING: { status: 422, hint: 'Give the variable a value: WAFT_VAR_<NAME> in the environment, name=value in .env, or --var name=value; or give it a default in waft.toml.' },
  WAFT_E_VARIABLE_UNKNOWN: { status: 422, hint: 'Declare the variable under [variables] in waft.toml, or fix the name where it is used.' },
  WAFT_E_VARIABLE_NAME_INVALID: { status: 422, hint: 'A variable name is lower-case letters, digits and "_", starting with a letter (e.g. api_key), so that it maps to exactly one WAFT_VAR_<NAME>.' },
  WAFT_E_TEMPLATE_INVALID: { status: 422, hint: 'Write a reference as {{ name }} (or {{name}}); "{{" may not be used for anything else in a template.' },
  WAFT_E_DOTENV_SYNTAX: { status: 400, hint: 'Write each .env line as KEY=value, optionally prefixed with `export` and optionally quoted with \' or "; a line starting with # is a comment.' },

  // ── capabilities: key-value ────────────────────────────────────────────────
  WAFT_E_KV_BAD_KEY: { status: 400, hint: 'A key is a non-empty string of well-formed Unicode without NUL ("\\0") characters; encode binary keys (e.g. as hex or base64) before using them.' },
  WAFT_E_KV_BAD_NAME: { status: 400, hint: 'Store and app names are 1–128 letters, digits, "_", "-" and ".", starting with a letter, digit or "_" (no ":" or "/").' },
  WAFT_E_KV_BAD_ARGUMENT: { status: 400, hint: 'Pass a Uint8Array value, a ttlMs that is a whole number of milliseconds from 1 up to 100 years, a list limit that is a whole number ≥ 1, a cursor exactly as a previous list returned it, and an increment delta within signed 64 bits.' },
  WAFT_E_KV_TOO_LARGE: { status: 413, hint: 'Keys and values have size limits (by default 1024 bytes of UTF-8 per key and 1 MiB per value); store less, split the data over several keys, or raise the limits in the key-value store\'s runtime config.' },
  WAFT_E_KV_NOT_INTEGER: { status: 409, hint: 'increment works on a value that is the decimal text of a signed 64-bit integer ("42", "-7"; no "+", spaces or leading zeros) and keeps it in that range; delete or overwrite the key, or keep counters under their own keys.' },
  WAFT_E_KV_UNAVAILABLE: { status: 503, hint: 'The key-value backend could not be reached or failed; check that the server (or SQLite file) named in the message is up and reachable. The store reconnects by itself, so the call can be retried.' },
  WAFT_E_KV_CLOSED: { status: 503, hint: 'The key-value store (or its backend) was closed, usually because the app is stopping; open it again on a running host.' },
  WAFT_E_KV_CONFIG: { status: 400, hint: 'Fix the key-value store\'s runtime config: type is "sqlite" (with path), "redis" or "postgres" (with url); limits are positive whole numbers (sizes may carry units, e.g. "4MiB"); see docs/capabilities/key-value.md.' },

  // ── manifest: waft.toml and the runtime config ─────────────────────────────
  WAFT_E_MANIFEST_SYNTAX: { status: 400, hint: 'waft.toml is not valid TOML; fix the syntax at the line and column given (strings need quotes, each key appears once).' },
  WAFT_E_MANIFEST_UNKNOWN_KEY: { status: 422, hint: 'Rename the key as suggested or remove it; docs/manifest.md lists every key waft.toml accepts and where it goes.' },
  WAFT_E_MANIFEST_TYPE: { status: 422, hint: 'Give the key a value of the type docs/manifest.md shows: strings in quotes, lists in [ ], tables as { } or a [section].' },
  WAFT_E_MANIFEST_MISSING: { status: 422, hint: 'Add the required key the message names: [app] needs name, each [functions.NAME] needs source and route (or routes).' },
  WAFT_E_MANIFEST_NAME: { status: 422, hint: 'App, function and store names use lowercase letters, digits, "-" and "_", start with a letter and have at most 63 characters.' },
  WAFT_E_MANIFEST_ROUTE: { status: 422, hint: 'A route starts with "/"; each segment is literal text, ":param", or a final "..." (e.g. "/users/:id", "/static/..."); set route or routes, not both.' },
  WAFT_E_MANIFEST_LIMIT: { status: 422, hint: 'Write sizes as "64MiB" and durations as "10s", within the ranges docs/manifest.md gives for [functions.NAME.limits].' },
  WAFT_E_MANIFEST_FILES: { status: 422, hint: 'Each files entry shares a path inside the app directory (source) at an absolute guest path (destination); each destination only once.' },
  WAFT_E_MANIFEST_OUTBOUND_HOST: { status: 422, hint: 'Write each allowed_outbound_hosts entry as scheme://host[:port] (scheme http, https or *; host may start with "*."), e.g. "https://api.example.com"; no paths.' },
  WAFT_E_MANIFEST_VARIABLE: { status: 422, hint: 'Declare app variables under [variables] with default = "..." or required = true (not both), and refer to them in a function\'s variables as "{{ name }}".' },
  WAFT_E_MANIFEST_DUPLICATE: { status: 422, hint: 'A function lists the same route, key-value store, outbound host or files destination twice; remove one of them.' },
  WAFT_E_MANIFEST_VERSION: { status: 422, hint: 'This waft reads manifest_version = 1; write that, leave the key out, or upgrade waft.' },
  WAFT_E_MANIFEST_STORE: { status: 422, hint: 'A function uses a key-value store the runtime config does not define; add [key_value_store.NAME] to the runtime config or use "default".' },
  WAFT_E_RUNTIME_CONFIG: { status: 400, hint: 'Fix the runtime config at the line given; docs/runtime-config.md lists its tables ([key_value_store.NAME], [outbound_http]) and keys.' },

  // ── triggers: the HTTP gateway ─────────────────────────────────────────────
  WAFT_E_OVERLOADED: { status: 503, hint: 'Too many requests for this function right now; retry after the Retry-After delay, or raise `limits.concurrency` / `limits.queue`.' },
  WAFT_E_BODY_TOO_LARGE: { status: 413, hint: 'The request body is over the function\'s `limits.max_body`; send less or raise the limit.' },
  WAFT_E_BUILD_FAILED: { status: 422, hint: 'The build command failed; its last lines of output are in the message. Fix the code or the `build` key in waft.toml.' },
  WAFT_E_TOOLCHAIN_MISSING: { status: 422, hint: 'Install the toolchain named in the message, then run `waft build` again.' },
  WAFT_E_NEW_DIR_NOT_EMPTY: { status: 409, hint: '`waft new` writes only into a new or empty directory and never overwrites files; pick another NAME or --dir, or move the files away.' },

  // ── server: store, auth, artifacts ─────────────────────────────────────────
  WAFT_E_AUTH_MISSING: { status: 401, hint: 'Send the API token as `Authorization: Bearer waft_…`; create one with `waft token create` or use the admin token printed at first start.' },
  WAFT_E_AUTH_INVALID: { status: 401, hint: 'The token is malformed or unknown; check that the whole token was copied and that the header reads `Authorization: Bearer <token>`.' },
  WAFT_E_AUTH_EXPIRED: { status: 401, hint: 'The token is past its expiry; create a new token.' },
  WAFT_E_AUTH_REVOKED: { status: 401, hint: 'The token was revoked; create a new token.' },
  WAFT_E_SCOPE_INVALID: { status: 400, hint: 'Use only known scopes: apps:read, apps:write, deploy, logs:read, usage:read, tokens:write, admin (admin only for admin users).' },
  WAFT_E_ADMIN_TOKEN_INVALID: { status: 400, hint: 'WAFT_ADMIN_TOKEN must be 32–512 characters of letters, digits and - _ . ~ + /; generate one with `openssl rand -base64 32`.' },
  WAFT_E_USER_NAME_INVALID: { status: 400, hint: 'A user name is 1–64 characters: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit.' },
  WAFT_E_USER_EXISTS: { status: 409, hint: 'A user with this name exists already; pick another name.' },
  WAFT_E_USER_NOT_FOUND: { status: 404, hint: 'No user has this id; list users to find the right one.' },
  WAFT_E_APP_NAME_INVALID: { status: 400, hint: 'An app name is a DNS label: 1–63 lower-case letters, digits and "-", not starting or ending with "-".' },
  WAFT_E_APP_EXISTS: { status: 409, hint: 'App names are unique across the server; pick another name.' },
  WAFT_E_APP_NOT_FOUND: { status: 404, hint: 'No app has this id or name; list your apps to find the right one.' },
  WAFT_E_VERSION_NOT_FOUND: { status: 404, hint: 'This app has no such version; list its versions to find the right one.' },
  WAFT_E_BUNDLE_INVALID: { status: 400, hint: 'Each bundle file needs a relative path without "." or ".." segments, a sha256 of 64 hex digits and a size in bytes.' },
  WAFT_E_BUNDLE_TOO_LARGE: { status: 413, hint: 'The upload is larger than the server allows; make the bundle smaller or raise the server\'s size limit.' },
  WAFT_E_BLOB_HASH_INVALID: { status: 400, hint: 'A blob is named by its sha256 as 64 lower-case hex digits.' },
  WAFT_E_BLOB_HASH_MISMATCH: { status: 400, hint: 'The uploaded bytes do not hash to the sha256 declared for them; the upload was damaged or the wrong file was sent. Upload it again.' },
  WAFT_E_BLOB_MISSING: { status: 422, hint: 'The version references files that were not uploaded (or have another size); upload every blob before creating the version.' },
  WAFT_E_BLOB_NOT_FOUND: { status: 404, hint: 'No blob with this sha256 is stored on this server.' },
  WAFT_E_DATABASE_URL_INVALID: { status: 400, hint: 'Set the database URL to postgres://user:password@host:port/database, or leave it unset to use SQLite in the data directory.' },
  WAFT_E_STORE_UNAVAILABLE: { status: 503, hint: 'The control-plane database cannot be reached or opened; check that it is running and that the URL or data directory is right.' },
  WAFT_E_STORE_SCHEMA_NEWER: { status: 500, hint: 'The database was migrated by a newer waft; run that version (or newer) of waft against it, never an older one.' },

  // ── server API: requests to /api/v1 and app serving ────────────────────────
  WAFT_E_API_NOT_FOUND: { status: 404, hint: 'No API endpoint has this path; docs/api.md lists them (all under /api/v1).' },
  WAFT_E_METHOD_NOT_ALLOWED: { status: 405, hint: 'The endpoint exists but not with this HTTP method; the Allow header lists the methods it takes.' },
  WAFT_E_SCOPE_MISSING: { status: 403, hint: 'The token lacks the scope this needs; create a token with that scope (docs/api.md lists the scope of every endpoint).' },
  WAFT_E_REQUEST_INVALID: { status: 400, hint: 'Fix the field named in details.field; docs/api.md and docs/openapi.json give the shape of every request.' },
  WAFT_E_REQUEST_TOO_LARGE: { status: 413, hint: 'The request body is over this endpoint\'s limit (GET /api/v1/info lists the limits); send less.' },
  WAFT_E_UNSUPPORTED_MEDIA_TYPE: { status: 415, hint: 'Send the body as JSON with `Content-Type: application/json`.' },
  WAFT_E_TOKEN_NOT_FOUND: { status: 404, hint: 'You have no live token with this id; list your tokens (GET /api/v1/tokens) to find the right one.' },
  WAFT_E_FUNCTION_NOT_FOUND: { status: 404, hint: 'The version has no function of this name; check the [functions.NAME] tables of its waft.toml.' },
  WAFT_E_APP_NOT_DEPLOYED: { status: 404, hint: 'The app has no deployed version yet; upload a version and deploy it (waft deploy, or POST /api/v1/apps/APP/deployments).' },
  WAFT_E_ROLLBACK_NO_TARGET: { status: 409, hint: 'There is no earlier version to go back to; name the version to deploy instead.' },
  WAFT_E_BUNDLE_INCOMPLETE: { status: 422, hint: 'waft.toml names a module or a files source that the bundle does not list; add it to the bundle (build modules first: `waft build`).' },
  WAFT_E_SERVER_STOPPING: { status: 503, hint: 'The server is shutting down; retry against a running server.' },
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
