// The few WASI preview1 calls a WAGI handler needs, declared by hand: AssemblyScript has no
// built-in WASI. See https://github.com/WebAssembly/WASI/blob/main/legacy/preview1/docs.md
@external("wasi_snapshot_preview1", "args_sizes_get")
declare function args_sizes_get(count: usize, bufSize: usize): u16;
@external("wasi_snapshot_preview1", "args_get")
declare function args_get(argv: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "environ_sizes_get")
declare function environ_sizes_get(count: usize, bufSize: usize): u16;
@external("wasi_snapshot_preview1", "environ_get")
declare function environ_get(environ: usize, buf: usize): u16;
@external("wasi_snapshot_preview1", "fd_read")
declare function fd_read(fd: u32, iovs: usize, iovsLen: usize, nread: usize): u16;
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovsLen: usize, nwritten: usize): u16;
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

export const STDIN: u32 = 0;
export const STDOUT: u32 = 1;
export const STDERR: u32 = 2;

/** Ends the program with an exit code. */
export function exit(code: u32): void {
  proc_exit(code);
}

/** Writes len bytes at ptr to fd, all of them. */
export function writeBytes(fd: u32, ptr: usize, len: usize): void {
  const iov = memory.data(8);
  const written = memory.data(4);
  while (len > 0) {
    store<usize>(iov, ptr);
    store<usize>(iov, len, sizeof<usize>());
    if (fd_write(fd, iov, 1, written) != 0) exit(71);
    const n = load<usize>(written);
    ptr += n;
    len -= n;
  }
}

/** Writes text to fd as UTF-8. */
export function write(fd: u32, text: string): void {
  const bytes = String.UTF8.encode(text);
  writeBytes(fd, changetype<usize>(bytes), bytes.byteLength);
}

/** Reads fd (stdin by default) to its end. */
export function readAll(fd: u32 = STDIN): Uint8Array {
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
    store<usize>(iov, buf.dataStart + size);
    store<usize>(iov, buf.length - size, sizeof<usize>());
    if (fd_read(fd, iov, 1, nread) != 0) exit(74);
    const n = load<usize>(nread);
    if (n == 0) break;
    size += <i32>n;
  }
  return buf.subarray(0, size);
}

/** The value of an environment variable, or null when it is not set. */
export function getenv(name: string): string | null {
  const sizes = memory.data(8);
  environ_sizes_get(sizes, sizes + 4);
  const count = load<u32>(sizes);
  const bufSize = load<u32>(sizes, 4);
  const pointers = new ArrayBuffer(<i32>count * sizeof<usize>());
  const strings = new ArrayBuffer(<i32>bufSize);
  const base = changetype<usize>(strings);
  environ_get(changetype<usize>(pointers), base);
  const prefix = name + "=";
  for (let i: u32 = 0; i < count; i++) {
    const entry = load<usize>(changetype<usize>(pointers) + i * sizeof<usize>());
    const text = String.UTF8.decodeUnsafe(entry, base + bufSize - entry, true);
    if (text.startsWith(prefix)) return text.substring(prefix.length);
  }
  return null;
}

/** The program's arguments. Under WAGI: the path, then the query split on "&". */
export function args(): string[] {
  const sizes = memory.data(8);
  args_sizes_get(sizes, sizes + 4);
  const count = load<u32>(sizes);
  const bufSize = load<u32>(sizes, 4);
  const pointers = new ArrayBuffer(<i32>count * sizeof<usize>());
  const strings = new ArrayBuffer(<i32>bufSize);
  const base = changetype<usize>(strings);
  args_get(changetype<usize>(pointers), base);
  const out = new Array<string>(0);
  for (let i: u32 = 0; i < count; i++) {
    const arg = load<usize>(changetype<usize>(pointers) + i * sizeof<usize>());
    out.push(String.UTF8.decodeUnsafe(arg, base + bufSize - arg, true));
  }
  return out;
}

/**
 * Replaces AssemblyScript's `abort` (which would import env.abort, which WASI hosts lack):
 * the build passes --use abort=assembly/wasi/wasiAbort. The message goes to the log.
 */
export function wasiAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort";
  if (message !== null) text += ": " + message;
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  write(STDERR, text + "\n");
  proc_exit(134);
}
