// Log lines for the function, attributed to the request: log.info("…").
import * as abi from "./abi";
import { hostError, WaftError } from "./errors";

export enum LogLevel {
  TRACE = 0,
  DEBUG = 1,
  INFO = 2,
  WARN = 3,
  ERROR = 4,
}

export namespace log {
  /** One log line at level (cut at 16 KiB by the host; newlines stay in the entry). */
  export function write(level: i32, message: string): WaftError | null {
    const m = String.UTF8.encode(message);
    const st = abi.log(level, changetype<usize>(m), <usize>m.byteLength);
    return st != 0 ? hostError(st) : null;
  }
  export function trace(message: string): WaftError | null {
    return write(LogLevel.TRACE, message);
  }
  export function debug(message: string): WaftError | null {
    return write(LogLevel.DEBUG, message);
  }
  export function info(message: string): WaftError | null {
    return write(LogLevel.INFO, message);
  }
  export function warn(message: string): WaftError | null {
    return write(LogLevel.WARN, message);
  }
  export function error(message: string): WaftError | null {
    return write(LogLevel.ERROR, message);
  }
}
