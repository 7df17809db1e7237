import { randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { WaftError } from '../../errors.ts';
import type { Sandbox } from '../../sandbox/pool.ts';
import { serveWagi, type WagiOutcome, type WagiTarget } from '../../executors/wagi/run.ts';
import type { Logger, RequestLog } from '../../host/logger.ts';
import type { Admission } from './admission.ts';
import type { Router } from './router.ts';

export const HEALTH_PATH = '/.well-known/waft/health';

export interface GatewayFunction {
  target: WagiTarget;
  admission: Admission;
}

export interface GatewayApp {
  name: string;
  router: Router<GatewayFunction>;
}

export interface Outcome extends WagiOutcome {
  app: GatewayApp;
  function: string;
  requestId: string;
}

export interface GatewayOptions {
  sandbox: Sandbox;
  logger: Logger;
  /** The app that serves this request and the path inside it; null answers 404. */
  resolve: (req: IncomingMessage) => { app: GatewayApp; path: string } | null;
  /** Called once per request that reached a function (usage accounting). */
  onOutcome?: (outcome: Outcome) => void;
  /** Lines a guest writes to stderr, besides the request log. */
  onGuestLog?: (app: GatewayApp, fn: string, requestId: string, line: string, req: IncomingMessage) => void;
  /** Called once per request (health checks aside) after its response: request logs, metrics, usage. */
  onCompleted?: (completed: Completed) => void;
  /**
   * Where the counts are kept: [requests in flight, requests served]. Give a view of a
   * SharedArrayBuffer to read them from another thread.
   */
  tally?: Int32Array;
}

export interface Completed {
  req: IncomingMessage;
  requestId: string;
  /** The app that resolve() chose; null when none did. */
  app: GatewayApp | null;
  /** The function whose route matched; null when none did. */
  function: string | null;
  status: number;
  error: WaftError | null;
  /** Milliseconds since the epoch. */
  startedAt: number;
  durationMs: number;
  /** What the function's run reported; null when no function ran (no route, overloaded…). */
  outcome: Outcome | null;
}

export interface Gateway {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  readonly inFlight: number;
  /** Resolves when no request is in flight, or after graceMs. */
  drain: (graceMs: number) => Promise<boolean>;
}

const idPrefix = randomBytes(3).toString('hex');
let idCounter = 0;

/** The words of GatewayOptions.tally. */
export const IN_FLIGHT = 0;
export const SERVED = 1;

export function createGateway(opts: GatewayOptions): Gateway {
  const tally = opts.tally ?? new Int32Array(2);
  let drained: (() => void) | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const log: RequestLog = {
      id: `${idPrefix}${(idCounter++).toString(36).padStart(4, '0')}`,
      method: req.method ?? 'GET', url, remote: req.socket.remoteAddress ?? '-', startedAt: performance.now(),
    };
    if (url === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    opts.logger.started(log);
    let error: WaftError | null = null;
    let found: { app: GatewayApp; path: string } | null = null;
    let fnName: string | null = null;
    let done: Outcome | null = null;
    try {
      found = opts.resolve(req);
      if (!found) throw new WaftError('WAFT_E_APP_NOT_FOUND', `no app serves ${req.headers.host ?? ''}${url}`);
      const q = found.path.indexOf('?');
      const path = q < 0 ? found.path : found.path.slice(0, q);
      const match = found.app.router.match(path);
      if (!match) throw new WaftError('WAFT_E_ROUTE_NOT_FOUND', `no route matches ${path}`);
      const fn = match.target;
      fnName = match.name;
      opts.logger.processing(log, match.name);
      const app = found.app;
      const slot = fn.admission.acquire(match.name);
      const release = slot instanceof Promise ? await slot : slot;
      let outcome: WagiOutcome;
      try {
        // Its client left while it waited for a slot: no run, but it is logged and counted like any request.
        if (res.destroyed) throw new WaftError('WAFT_E_GUEST_CANCELLED', 'the client went away while the request waited for a free slot');
        const local = req.socket.localPort ?? 0;
        outcome = await serveWagi(opts.sandbox, fn.target, req, res, match, {
          remoteAddress: log.remote, serverHost: req.headers.host ?? `localhost:${local}`, serverPort: local,
          tls: false,
          onStderr: (line) => {
            opts.logger.guest(log, line);
            opts.onGuestLog?.(app, match.name, log.id, line, req);
          },
        });
      } finally {
        release();
      }
      error = outcome.error;
      done = { ...outcome, app, function: match.name, requestId: log.id };
      opts.onOutcome?.(done);
    } catch (err) {
      error = WaftError.wrap(err);
    }
    if (error && !res.headersSent) sendError(res, error, log.id);
    opts.logger.completed(log, res.statusCode, error, done ? (done.inline ? 'serving' : 'worker') : null);
    if (opts.onCompleted) {
      const durationMs = performance.now() - log.startedAt;
      opts.onCompleted({
        req, requestId: log.id, app: found?.app ?? null, function: fnName, status: res.statusCode, error,
        startedAt: Math.round(performance.timeOrigin + log.startedAt), durationMs, outcome: done,
      });
    }
  }

  return {
    handle(req, res) {
      Atomics.add(tally, IN_FLIGHT, 1);
      handle(req, res).finally(() => {
        Atomics.add(tally, SERVED, 1);
        if (Atomics.sub(tally, IN_FLIGHT, 1) === 1 && drained) drained();
      });
    },
    get inFlight() {
      return Atomics.load(tally, IN_FLIGHT);
    },
    drain(graceMs) {
      if (Atomics.load(tally, IN_FLIGHT) === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), graceMs);
        drained = () => { clearTimeout(timer); resolve(true); };
      });
    },
  };
}

/** A plain-text error reply: status, what went wrong, how to fix it, and the error id from the log. */
function sendError(res: ServerResponse, error: WaftError, requestId: string): void {
  const status = error.status;
  const body = `${status} ${STATUS_CODES[status] ?? ''}\n${error.message} [${error.code}]\n${error.hint}\nerror id: ${requestId}\n`;
  const headers: Record<string, string> = {
    'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'x-waft-error-id': requestId,
  };
  if (status === 503) headers['retry-after'] = '1';
  if (error.code === 'WAFT_E_BODY_TOO_LARGE') headers.connection = 'close';
  res.writeHead(status, headers).end(body);
}
