import type { IncomingMessage, ServerResponse } from 'node:http';
import { WaftError } from '../../errors.ts';
import type { CompiledModule } from '../../wasm/cache.ts';
import type { Preopen } from '../../wasi/types.ts';
import { runProfile, type RunProfile, type Sandbox } from '../../sandbox/pool.ts';
import { NO_BYTES } from '../../sandbox/output-target.ts';
import { LOG_LEVEL_NAMES, type LogEntry, type Usage } from '../../sandbox/protocol.ts';
import { concatBytes } from '../../util/bytes.ts';
import { CgiParser, type CgiHead } from './cgi.ts';
import { wagiInvocation, type WagiRouteInfo } from './env.ts';

export interface WagiTarget {
  name: string;
  module: CompiledModule;
  environment: Record<string, string>;
  preopens: Preopen[];
  limits: { memory: number; timeoutMs: number; maxBody: number; maxOutput: number };
  /** The host capabilities the function is granted (see RunOptions.grant). */
  grant?: { key: string; value: unknown };
  /** Hides secrets in what the guest writes to stderr and in error messages. */
  redact?: (text: string) => string;
}

export interface WagiContext {
  remoteAddress: string;
  serverHost: string;
  serverPort: number;
  tls: boolean;
  /** Each line the guest writes to stderr. */
  onStderr: (line: string) => void;
  /**
   * Each log entry of the run: a guest log call, or a capability the host denied it. Without it
   * they go to onStderr as "[INFO] message" and "[DENIED] function … was denied …".
   */
  onLog?: (entry: LogEntry) => void;
}

export interface WagiOutcome {
  status: number;
  /** When set and the response is not yet sent, the caller answers with this error. */
  error: WaftError | null;
  usage: Usage | null;
  /** The guest ran on the serving thread (an inline run, docs/sandbox.md), not on a worker. */
  inline: boolean;
  bytesIn: number;
  bytesOut: number;
}

/** Bodies up to this size are read whole before the guest starts; larger ones stream in. */
const INLINE_BODY = 64 * 1024;
/** Replies up to this size are sent with a Content-Length; larger ones are streamed. */
const BUFFERED_REPLY = 64 * 1024;

/** Runs one HTTP request through a WASI command module, CGI style (WAGI). */
export async function serveWagi(
  sandbox: Sandbox, target: WagiTarget, req: IncomingMessage, res: ServerResponse, match: WagiRouteInfo, ctx: WagiContext,
): Promise<WagiOutcome> {
  const { limits } = target;
  const declared = req.headers['content-length'] === undefined ? null : Number(req.headers['content-length']);
  if (declared !== null && declared > limits.maxBody) {
    return failed(tooLarge(target.name, limits.maxBody, declared), 0, null, false);
  }
  const { args, env } = wagiInvocation({
    method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.rawHeaders,
    remoteAddress: ctx.remoteAddress, serverHost: ctx.serverHost, serverPort: ctx.serverPort,
    protocol: `HTTP/${req.httpVersion}`, tls: ctx.tls, contentLength: declared,
  }, match, target.environment);

  let bytesIn = 0;
  let bodyError: WaftError | null = null;
  const abort = new AbortController();
  let stdin: Uint8Array | AsyncIterable<Uint8Array>;
  // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 §6.3).
  if (declared === 0 || (declared === null && req.headers['transfer-encoding'] === undefined)) {
    stdin = NO_BYTES;
  } else if (declared !== null && declared <= INLINE_BODY) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    stdin = concatBytes(chunks);
    bytesIn = stdin.byteLength;
  } else {
    stdin = (async function* body() {
      for await (const chunk of req) {
        bytesIn += (chunk as Buffer).byteLength;
        if (bytesIn > limits.maxBody) {
          bodyError = tooLarge(target.name, limits.maxBody, bytesIn);
          abort.abort();
          return;
        }
        yield chunk as Buffer;
      }
    })();
  }
  const onClose = () => { if (!res.writableFinished) abort.abort(); };
  res.once('close', onClose);

  const reply = new Reply(res);
  const redact = target.redact;
  // Most runs write nothing to stderr: the splitter (and its decoder) comes with the first chunk.
  let stderr = null as LineSplitter | null;
  const result = await sandbox.run({
    profile: profileOf(target), args, env, stdin, signal: abort.signal,
    stdout: (chunk) => reply.push(chunk),
    stderr: (chunk) => {
      stderr ??= new LineSplitter(redact ? (line) => ctx.onStderr(redact(line)) : ctx.onStderr);
      stderr.push(chunk);
    },
    onLog: (entry) => {
      stderr?.flush();
      if (ctx.onLog) ctx.onLog(entry);
      else ctx.onStderr(`[${entry.denied ? 'DENIED' : LOG_LEVEL_NAMES[entry.level] ?? 'INFO'}] ${entry.message}`);
    },
  });
  stderr?.end();
  res.off('close', onClose);

  let error = bodyError ?? result.error ?? reply.error;
  if (error && redact) {
    const message = redact(error.message);
    if (message !== error.message) error = new WaftError(error.code, message, error.details);
  }
  if (error) {
    reply.abandon();
    return failed(error, bytesIn, result.usage, result.inline);
  }
  try {
    reply.end();
  } catch (err) {
    return failed(WaftError.wrap(err), bytesIn, result.usage, result.inline);
  }
  return { status: res.statusCode, error: null, usage: result.usage, inline: result.inline, bytesIn, bytesOut: reply.bytesOut };
}

const profiles = new WeakMap<WagiTarget, RunProfile>();

/** One sandbox profile per function (a reload makes new targets, so new profiles). */
function profileOf(target: WagiTarget): RunProfile {
  let profile = profiles.get(target);
  if (!profile) {
    const { limits } = target;
    profile = runProfile({
      module: target.module, preopens: target.preopens, grant: target.grant,
      limits: { memoryBytes: limits.memory, timeoutMs: limits.timeoutMs, maxOutputBytes: limits.maxOutput },
    });
    profiles.set(target, profile);
  }
  return profile;
}

function failed(error: WaftError, bytesIn: number, usage: Usage | null, inline: boolean): WagiOutcome {
  return { status: error.status, error, usage, inline, bytesIn, bytesOut: 0 };
}

function tooLarge(name: string, max: number, size: number): WaftError {
  return new WaftError('WAFT_E_BODY_TOO_LARGE',
    `the request body (${size} bytes or more) is over the max_body of ${max} bytes of function "${name}"`, { max, size });
}

/** Turns the guest's stdout into the HTTP response as it arrives. */
class Reply {
  readonly #res: ServerResponse;
  readonly #parser = new CgiParser();
  #head: CgiHead | null = null;
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #streaming = false;
  error: WaftError | null = null;
  bytesOut = 0;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  push(chunk: Uint8Array): void {
    if (this.error) return;
    if (!this.#head) {
      try {
        const parsed = this.#parser.push(chunk);
        if (!parsed) return;
        this.#head = parsed.head;
        chunk = parsed.body;
      } catch (err) {
        this.error = WaftError.wrap(err);
        return;
      }
    }
    if (chunk.byteLength === 0) return;
    this.bytesOut += chunk.byteLength;
    if (this.#streaming) {
      this.#res.write(chunk);
      return;
    }
    this.#held.push(chunk);
    this.#heldBytes += chunk.byteLength;
    if (this.#heldBytes > BUFFERED_REPLY) {
      this.#streaming = true;
      this.#res.writeHead(this.#head.status, rawHeaders(this.#head));
      for (const c of this.#held) this.#res.write(c);
      this.#held = [];
    }
  }

  end(): void {
    if (!this.#head) {
      const parsed = this.#parser.end();
      this.#head = parsed.head;
      this.#held.push(parsed.body);
      this.#heldBytes += parsed.body.byteLength;
      this.bytesOut += parsed.body.byteLength;
    }
    if (this.#streaming) {
      this.#res.end();
      return;
    }
    const headers = rawHeaders(this.#head);
    headers.push('Content-Length', String(this.#heldBytes));
    this.#res.writeHead(this.#head.status, headers);
    this.#res.end(this.#held.length === 1 ? this.#held[0] : concatBytes(this.#held));
  }

  /** The run failed: if the head is already out, all we can do is cut the response short. */
  abandon(): void {
    if (this.#streaming) this.#res.destroy();
  }
}

/** The head's headers as [name, value, name, value…]; Array.prototype.flat costs more than the rest of the reply's head. */
function rawHeaders(head: CgiHead): string[] {
  const out: string[] = [];
  for (const [name, value] of head.headers) out.push(name, value);
  return out;
}

class LineSplitter {
  readonly #emit: (line: string) => void;
  readonly #decoder = new TextDecoder();
  #partial = '';

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Uint8Array): void {
    const text = this.#partial + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) this.#emit(line);
  }

  end(): void {
    const rest = this.#partial + this.#decoder.decode();
    if (rest) this.#emit(rest);
  }

  /** Emits a partial line now (before a log entry, so that the order shows). */
  flush(): void {
    if (this.#partial) this.#emit(this.#partial);
    this.#partial = '';
  }
}
