// The WASI preview1 calls the SDK needs for the request and the reply (AssemblyScript has no
// WASI of its own). https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md

@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(countOut: usize, sizeOut: usize): u16;
@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nreadOut: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwrittenOut: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

/** Ends the program now with an exit code. */
export function exit(code: u32): void {
  proc_exit(code);
}

/** Writes len bytes at ptr to fd (1 stdout, 2 stderr), all of them. */
export function writeRaw(fd: u32, ptr: usize, len: usize): void {
  const iov = memory.data(8);
  const written = memory.data(4);
  while (len > 0) {
    store<u32>(iov, <u32>ptr);
    store<u32>(iov + 4, <u32>len);
    // An error, or no progress at all, would loop forever: end the run instead.
    if (fd_write(fd, iov, 1, written) != 0) proc_exit(71);
    const n = <usize>load<u32>(written);
    if (n == 0) proc_exit(71);
    ptr += n;
    len -= n;
  }
}

export function writeBytes(fd: u32, bytes: Uint8Array): void {
  writeRaw(fd, bytes.dataStart, <usize>bytes.length);
}

export function writeString(fd: u32, text: string): void {
  const bytes = String.UTF8.encode(text);
  writeRaw(fd, changetype<usize>(bytes), <usize>bytes.byteLength);
}

/** Reads fd (0: stdin) to its end. */
export function readAll(fd: u32): Uint8Array {
  let buf = new Uint8Array(4096);
  let size = 0;
  const iov = memory.data(8);
  const nread = memory.data(4);
  while (true) {
    if (size == buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    store<u32>(iov, <u32>(buf.dataStart + <usize>size));
    store<u32>(iov + 4, <u32>(buf.length - size));
    if (fd_read(fd, iov, 1, nread) != 0) proc_exit(74);
    const n = load<u32>(nread);
    if (n == 0) break;
    size += <i32>n;
  }
  return buf.subarray(0, size);
}

/** The environment as NAME=value strings (invalid UTF-8 becomes U+FFFD). */
export function environment(): string[] {
  const sizes = memory.data(8);
  environ_sizes_get(sizes, sizes + 4);
  const count = <i32>load<u32>(sizes);
  const size = <i32>load<u32>(sizes + 4);
  const pointers = new ArrayBuffer(count * 4);
  const strings = new ArrayBuffer(size);
  const base = changetype<usize>(strings);
  environ_get(changetype<usize>(pointers), base);
  const out = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const entry = <usize>load<u32>(changetype<usize>(pointers) + <usize>i * 4);
    // Each entry ends with a NUL.
    let end = entry;
    while (load<u8>(end) != 0) end++;
    out[i] = String.UTF8.decodeUnsafe(entry, end - entry, false);
  }
  return out;
}

/** The value of an environment variable, or null when it is not set. */
export function getenv(name: string): string | null {
  const env = environment();
  const prefix = name + "=";
  for (let i = 0; i < env.length; i++) {
    if (env[i].startsWith(prefix)) return env[i].substring(prefix.length);
  }
  return null;
}

/**
 * Stands in for AssemblyScript's `abort` (which would import env.abort, which a WASI host does
 * not have): build with `--use abort=waft_abort`. The message goes to stderr, the function's
 * log, and the run ends with exit code 134.
 */
// @ts-ignore: decorator
@global export function waft_abort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort";
  if (message !== null) text += ": " + message;
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  writeString(2, text + "\n");
  proc_exit(134);
}
