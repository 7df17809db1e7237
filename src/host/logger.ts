import { STATUS_CODES } from 'node:http';
import type { WaftError } from '../errors.ts';

export type LogFormat = 'pretty' | 'plain' | 'json';

/** Where log text goes: a stream such as process.stdout, or anything that takes whole lines. */
export interface LogSink {
  write(text: string): unknown;
}

export interface RequestLog {
  id: string;
  method: string;
  url: string;
  remote: string;
  startedAt: number;
  function?: string;
}

const color = { dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/**
 * Development logs that read like Rails:
 *   [req_1a2b] Started GET "/hello?x=1" for 127.0.0.1 at 2026-11-22 01:30:00 +0000
 *   [req_1a2b] Processing by function "hello"
 *   [req_1a2b] Completed 200 OK in 0.84ms
 * Colored on a terminal, plain otherwise, or one JSON object per line.
 */
export class Logger {
  readonly format: LogFormat;
  readonly #out: LogSink;
  /** Every line passes through this before it is written (secrets are redacted here). */
  filter: (line: string) => string = (line) => line;
  /** False hides the per-request lines (`waft up --quiet`); guest output and notices still show. */
  requests = true;

  constructor(format: LogFormat, out: LogSink = process.stdout) {
    this.format = format;
    this.#out = out;
  }

  static auto(format: string | undefined, out: LogSink & { isTTY?: boolean } = process.stdout): Logger {
    if (format === 'json') return new Logger('json', out);
    if (format === 'plain') return new Logger('plain', out);
    return new Logger(out.isTTY && !process.env.NO_COLOR ? 'pretty' : 'plain', out);
  }

  started(r: RequestLog): void {
    if (this.format === 'json' || !this.requests) return;
    this.#line(r.id, `Started ${r.method} "${r.url}" for ${r.remote} at ${railsTime(r.startedAt)}`, 'bold');
  }

  processing(r: RequestLog, fn: string): void {
    r.function = fn;
    if (this.format !== 'json' && this.requests) this.#line(r.id, `Processing by function "${fn}"`);
  }

  guest(r: RequestLog, line: string): void {
    if (this.format === 'json') this.#json({ type: 'guest', request_id: r.id, function: r.function, stream: 'stderr', message: line });
    else this.#line(r.id, `  ${r.function ?? ''}: ${line}`, 'dim');
  }

  /** `thread`: where the guest ran (JSON logs only); null when no guest ran. */
  completed(r: RequestLog, status: number, error: WaftError | null, thread: 'serving' | 'worker' | null = null): void {
    if (!this.requests) return;
    const ms = performance.now() - r.startedAt;
    if (this.format === 'json') {
      this.#json({
        type: 'request', request_id: r.id, method: r.method, url: r.url, remote: r.remote, function: r.function,
        status, duration_ms: Math.round(ms * 1000) / 1000, ...(error ? { error: error.code, message: error.message } : {}), ...(thread ? { thread } : {}),
      });
      return;
    }
    if (error) this.#line(r.id, `${error.code}: ${error.message}`, 'red');
    const hue = status >= 500 ? 'red' : status >= 400 ? 'yellow' : 'green';
    this.#line(r.id, `Completed ${status} ${STATUS_CODES[status] ?? ''} in ${formatMs(ms)}`, hue);
  }

  info(message: string, fields: Record<string, unknown> = {}): void {
    if (this.format === 'json') this.#json({ type: 'info', message, ...fields });
    else this.write(this.format === 'pretty' ? `${color.cyan}${message}${color.reset}\n` : `${message}\n`);
  }

  warn(message: string, fields: Record<string, unknown> = {}): void {
    if (this.format === 'json') this.#json({ type: 'warn', message, ...fields });
    else this.write(this.format === 'pretty' ? `${color.yellow}${message}${color.reset}\n` : `${message}\n`);
  }

  #line(id: string, text: string, hue?: keyof typeof color): void {
    this.write(this.format === 'pretty' && hue ? `[${id}] ${color[hue]}${text}${color.reset}\n` : `[${id}] ${text}\n`);
  }

  #json(fields: Record<string, unknown>): void {
    this.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
  }

  /** Writes lines already formatted (another thread's log), through the filter. */
  write(text: string): void {
    this.#out.write(this.filter(text));
  }
}

function railsTime(startedAtPerf: number): string {
  const d = new Date(performance.timeOrigin + startedAtPerf);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} +0000`;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}
