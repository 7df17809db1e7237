// waft-sdk: the waft guest SDK for AssemblyScript. See docs/sdk.md and docs/abi.md.
//
// Build a function with:
//   asc assembly/index.ts -o app.wasm -O --use abort=<path to the SDK>/assembly/wasi/abort
// and export `_start` from your entry file: the host calls it once per request.
import * as abi from "./abi";

export { abi };
export { CHUNK_SIZE, HostBuffer } from "./buffer";
export { lastError, Result, Status, statusName, WaftError } from "./errors";
export { fetch, HttpRequest, HttpResponse } from "./http";
export { KvPage, Store } from "./kv";
export { log, LogLevel } from "./log";
export { formDecode, Header, Request } from "./request";
export { Response } from "./response";
export { getVariable } from "./variables";
export { exit, getenv, waft_abort, writeString } from "./wasi";

/** The ABI version this SDK is written for. */
export const ABI_VERSION: i32 = 1;

/** The ABI version the host speaks. */
export function abiVersion(): i32 {
  return abi.abi_version();
}
