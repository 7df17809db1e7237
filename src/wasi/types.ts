// The contract between the sandbox and the WASI preview1 host.

/** A byte source for a guest's stdin. */
export interface InputStream {
  /**
   * Up to `max` bytes, or null at end of stream. Never an empty array. When no data is ready
   * yet it returns a Promise; the sandbox then suspends the guest (JSPI) until it settles.
   */
  read(max: number): Uint8Array | null | Promise<Uint8Array | null>;
  /** True when a read would not wait (data is buffered or the stream has ended). */
  ready(): boolean;
  /** Settles when ready() becomes true. */
  whenReady(): Promise<void>;
  /** A terminal: reported to the guest as a character device. */
  readonly isTty?: boolean;
  /** read() never returns a Promise: a guest reading it never has to wait. */
  readonly sync?: boolean;
  /**
   * Optional: stop any background work whenReady() started (timers, polling). WasiHost.abort()
   * calls it, since an aborted guest never reads again.
   */
  cancel?(): void;
}

/** A byte sink for a guest's stdout or stderr. write() may throw a WaftError (e.g. the output cap). */
export interface OutputStream {
  /** `bytes` may be a view of guest memory, valid during the call only: copy what you keep. */
  write(bytes: Uint8Array): void;
  readonly isTty?: boolean;
}

export interface Preopen {
  /** Directory on the host; must exist. */
  hostPath: string;
  /** The name the guest sees it under, e.g. "/" or "/static" or ".". */
  guestPath: string;
  /** Refuse every write, create, rename, unlink, truncate, set-times through this preopen. */
  readonly?: boolean;
}

export interface WasiOptions {
  args: string[];
  /** Variables as an object, or as "K=V" entries joined by NUL (the layout environ_get writes). */
  env: Record<string, string> | string;
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
  preopens: Preopen[];
  /** Most fds the guest may hold at once, stdio and preopens included (default 1024). EMFILE past it. */
  maxOpenFds?: number;
  /**
   * Blocks the thread for up to `ms` (Infinity: until stopped), and throws once the run has been
   * stopped. When given, poll_oneoff waits for its clocks with it instead of returning a Promise,
   * so a guest whose stdin is `sync` never suspends and needs no JSPI. Give it only with such a stdin.
   */
  sleep?: (ms: number) => void;
}
