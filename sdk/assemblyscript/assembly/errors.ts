// Status codes, errors and results. AssemblyScript cannot catch exceptions, so calls that can
// fail return a Result<T> (or, when there is no value, a WaftError | null).
import * as abi from "./abi";
import { decodeUtf8, HostBuffer } from "./buffer";

/** The status codes of docs/abi.md. */
export enum Status {
  OK = 0,
  DENIED = 1,
  NOT_FOUND = 2,
  TOO_LARGE = 3,
  UNAVAILABLE = 4,
  INVALID = 5,
  TIMEOUT = 6,
  BAD_HANDLE = 7,
  INTERNAL = 8,
  CONFLICT = 9,
}

/** "DENIED", "NOT_FOUND", …; "INTERNAL" for a status this SDK does not know. */
export function statusName(status: i32): string {
  switch (status) {
    case Status.OK: return "OK";
    case Status.DENIED: return "DENIED";
    case Status.NOT_FOUND: return "NOT_FOUND";
    case Status.TOO_LARGE: return "TOO_LARGE";
    case Status.UNAVAILABLE: return "UNAVAILABLE";
    case Status.INVALID: return "INVALID";
    case Status.TIMEOUT: return "TIMEOUT";
    case Status.BAD_HANDLE: return "BAD_HANDLE";
    case Status.CONFLICT: return "CONFLICT";
    default: return "INTERNAL";
  }
}

/** A failed call: the status and the host's message that says what failed and how to fix it. */
export class WaftError {
  constructor(public status: i32, public message: string) {}

  /** The status's name, e.g. "DENIED". */
  get name(): string {
    return statusName(this.status);
  }

  toString(): string {
    return this.message.length > 0 ? this.name + ": " + this.message : this.name;
  }
}

/** The error for a non-zero status the host just returned, with its last_error message. */
export function hostError(status: i32): WaftError {
  const message = lastError();
  return new WaftError(status, message !== null ? message : "");
}

/** The value of a call, or its error. */
export class Result<T> {
  constructor(private _value: T, public error: WaftError | null) {}

  static ok<T>(value: T): Result<T> {
    return new Result<T>(value, null);
  }

  static err<T>(error: WaftError): Result<T> {
    if (isReference<T>()) return new Result<T>(changetype<T>(0), error);
    else return new Result<T>(<T>0, error);
  }

  get ok(): bool {
    return this.error === null;
  }

  /** The value; aborts with the error's message when the call failed. */
  get value(): T {
    const e = this.error;
    if (e !== null) throw new Error(e.toString());
    return this._value;
  }

  /** The value, or `fallback` when the call failed. */
  valueOr(fallback: T): T {
    return this.error === null ? this._value : fallback;
  }
}

const OUT_BUF = memory.data(8);
const OUT_LEN = memory.data(8);

/** The message of the most recent call on this request that failed, or null when none has. */
export function lastError(): string | null {
  if (abi.last_error(OUT_BUF, OUT_LEN) != 0) return null;
  const buf = new HostBuffer(load<u32>(OUT_BUF), load<u64>(OUT_LEN));
  const bytes = buf.readAll();
  if (!bytes.ok) return null;
  return decodeUtf8(bytes.value);
}
