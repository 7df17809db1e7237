// Variables: the function's variables bindings from waft.toml.
import * as abi from "./abi";
import { bufOut, lenOut, takeBuffer } from "./buffer";
import { Result } from "./errors";

/** The value of the binding name; DENIED when the function binds no such name. */
export function getVariable(name: string): Result<string> {
  const n = String.UTF8.encode(name);
  const buf = takeBuffer(abi.var_get(changetype<usize>(n), <usize>n.byteLength, bufOut(), lenOut()));
  if (!buf.ok) return Result.err<string>(buf.error!);
  return buf.value.readString();
}
