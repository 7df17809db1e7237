import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { WaftError } from '../../errors.ts';
import { classifyAddress } from './address-policy.ts';
import type { AddressCategory } from './address-policy.ts';
import { findGrant, isLiteralGrant, parseAllowedHosts, suggestedGrant } from './allowed-hosts.ts';
import type { AllowedHost } from './allowed-hosts.ts';
import { endToEndHeaders, pairsFromRaw } from './headers.ts';

export type Lookup = (hostname: string) => Promise<{ address: string; family: 4 | 6 }[]>;

export interface OutboundOptions {
  /** `allowed_outbound_hosts` as written in waft.toml (templates already expanded). */
  allowed: string[];
  maxRequestBody: number;
  maxResponseBody: number;
  /** Deadline for the response headers (DNS, connect, sending, waiting), and the longest pause between response body chunks. */
  timeoutMs: number;
  /** Defaults to node:dns lookup with all: true. */
  lookup?: Lookup;
  /**
   * Whether an allowed_outbound_hosts entry that names a host exactly may reach a private,
   * loopback or link-local address (default true, as on a developer's machine). `waft server`
   * sets it false unless started with --allow-private-outbound: there, one user's app must not
   * reach the server's own network.
   */
  privateAddresses?: boolean;
}

export interface OutboundRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
}

export interface OutboundResponse {
  status: number;
  headers: [string, string][];
  /** Streamed and capped at maxResponseBody. Read it to the end or call `return()` on its iterator, or the connection stays busy until the timeout. */
  body: AsyncIterable<Uint8Array>;
}

/** node:dns lookup with all: true: the default, and what a static table falls back to. */
export const systemLookup: Lookup = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

// Even a grant that names the host exactly does not make these reachable.
const neverReachable: ReadonlySet<AddressCategory> = new Set(['invalid', 'multicast', 'broadcast']);

const methodToken = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// Headers the guest may not set: undici writes Host from the granted URL and Content-Length from the body.
const hostManaged = new Set(['host', 'content-length', 'expect']);

/** The URL as shown in messages: no user info, query or fragment, which may carry secrets. */
function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Outbound HTTP for guests, deny by default. One undici Agent per instance pools connections
 * per origin. Every new connection goes through `connect` below, which resolves the host,
 * checks every address it got, and connects to the checked address itself, so a DNS answer
 * that changes after an earlier check (DNS rebinding) cannot reach a blocked address.
 * Redirects are not followed: the guest gets the 3xx and its next request is checked anew.
 */
export class OutboundHttp {
  readonly #grants: AllowedHost[];
  readonly #options: OutboundOptions;
  readonly #lookup: Lookup;
  readonly #agent: Agent;
  #closed = false;

  constructor(options: OutboundOptions) {
    for (const key of ['maxRequestBody', 'maxResponseBody', 'timeoutMs'] as const) {
      if (!Number.isFinite(options[key]) || options[key] < 0) {
        throw new WaftError('WAFT_E_INTERNAL', `OutboundHttp: ${key} must be a non-negative number`);
      }
    }
    this.#grants = parseAllowedHosts(options.allowed);
    this.#options = options;
    this.#lookup = options.lookup ?? systemLookup;
    const base = buildConnector({ timeout: options.timeoutMs });
    this.#agent = new Agent({
      connect: (opts, callback) => {
        this.#connect(base, opts).then(
          (socket) => callback(null, socket),
          (err: Error) => callback(err, null),
        );
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      allowH2: false,
    });
  }

  async #connect(base: buildConnector.connector, opts: buildConnector.Options): Promise<Socket> {
    const origin = new URL(`${opts.protocol}//${opts.host ?? opts.hostname}`);
    const addresses = await this.#checkedAddresses(origin);
    const hostname = bareHost(origin.hostname);
    const servername = opts.servername || (isIP(hostname) ? undefined : hostname);
    let lastError: unknown = null;
    for (const address of addresses) {
      try {
        return await new Promise<Socket>((resolve, reject) => {
          base({ ...opts, hostname: address, servername }, (err, socket) => (err ? reject(err) : resolve(socket!)));
        });
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  /**
   * Resolve the URL's host and check every address against the grant. Returns the addresses to
   * connect to; throws WAFT_E_HTTP_DENIED or WAFT_E_HTTP_UNREACHABLE.
   */
  async #checkedAddresses(url: URL): Promise<string[]> {
    const grant = findGrant(url, this.#grants);
    if (grant === null) throw this.#notGranted(url);
    const hostname = bareHost(url.hostname);
    let addresses: string[];
    if (isIP(hostname)) {
      addresses = [hostname];
    } else {
      try {
        addresses = (await this.#lookup(hostname)).map((a) => a.address);
      } catch (err) {
        throw new WaftError('WAFT_E_HTTP_UNREACHABLE', `outbound request to ${shown(url)} failed: cannot resolve ${hostname} (${errorCode(err) ?? (err as Error)?.message ?? err})`, { url: shown(url), host: hostname, cause: errorCode(err) });
      }
      if (addresses.length === 0) {
        throw new WaftError('WAFT_E_HTTP_UNREACHABLE', `outbound request to ${shown(url)} failed: ${hostname} resolves to no address`, { url: shown(url), host: hostname });
      }
    }
    for (const address of addresses) {
      const category = classifyAddress(address);
      if (category === 'public') continue;
      if (this.#options.privateAddresses !== false && !neverReachable.has(category) && isLiteralGrant(grant)) {
        // An exact grant unlocks private addresses, except link-local ones (where cloud metadata
        // services answer): those only when the grant is that IP address itself.
        if (category !== 'link-local' || isIP(hostname)) continue;
      }
      throw this.#blocked(url, hostname, address, category, grant);
    }
    return addresses;
  }

  #notGranted(url: URL): WaftError {
    return new WaftError(
      'WAFT_E_HTTP_DENIED',
      `outbound request to ${shown(url)} denied: add "${suggestedGrant(url)}" to allowed_outbound_hosts`,
      { url: shown(url), key: 'allowed_outbound_hosts' },
    );
  }

  #blocked(url: URL, hostname: string, address: string, category: AddressCategory, grant: AllowedHost): WaftError {
    const kind = `${category === 'unspecified' || category === 'invalid' ? 'an' : 'a'} ${category} address`;
    const what = isIP(hostname) ? `${address} is ${kind}` : `${hostname} resolves to ${address}, ${kind}`;
    let why: string;
    if (neverReachable.has(category)) {
      why = 'outbound HTTP never reaches such addresses';
    } else if (this.#options.privateAddresses === false) {
      why = `this host does not let functions reach ${category} addresses (an operator can allow it: waft server --allow-private-outbound)`;
    } else if (category === 'link-local') {
      why = `link-local addresses are reachable only through an allowed_outbound_hosts entry that names the IP address itself (e.g. "${url.protocol}//${address.includes(':') ? `[${address}]` : address}${url.port ? `:${url.port}` : ''}")`;
    } else {
      why = `the matching entry "${grant.raw}" is a wildcard, and ${category} addresses are reachable only through an allowed_outbound_hosts entry that names the host exactly (e.g. "${suggestedGrant(url)}")`;
    }
    return new WaftError('WAFT_E_HTTP_DENIED', `outbound request to ${shown(url)} denied: ${what}; ${why}`, {
      url: shown(url),
      key: 'allowed_outbound_hosts',
      address,
      category,
    });
  }

  async fetch(req: OutboundRequest, signal?: AbortSignal): Promise<OutboundResponse> {
    if (this.#closed) throw new WaftError('WAFT_E_HTTP_CLOSED', 'outbound HTTP is closed: the app is stopping');
    const url = parseUrl(req.url);
    if (!methodToken.test(req.method) || req.method.toUpperCase() === 'CONNECT') {
      throw new WaftError('WAFT_E_HTTP_INVALID_REQUEST', `outbound request to ${shown(url)}: ${JSON.stringify(req.method)} is not an allowed method`, { url: shown(url), method: req.method });
    }
    if (findGrant(url, this.#grants) === null) throw this.#notGranted(url);

    const { maxRequestBody, maxResponseBody, timeoutMs } = this.#options;
    const tooLarge = (what: string) =>
      new WaftError('WAFT_E_HTTP_BODY_TOO_LARGE', `outbound request to ${shown(url)}: ${what} is larger than the ${maxRequestBody}-byte limit`, { url: shown(url), limit: maxRequestBody });

    let body: Uint8Array | AsyncIterable<Uint8Array> | null = req.body;
    let headers = endToEndHeaders(req.headers, hostManaged);
    if (body instanceof Uint8Array) {
      if (body.byteLength > maxRequestBody) throw tooLarge('the request body');
    } else if (body !== null) {
      const declared = req.headers.find(([name]) => name.toLowerCase() === 'content-length');
      if (declared && /^\d+$/.test(declared[1].trim())) {
        if (Number(declared[1].trim()) > maxRequestBody) throw tooLarge('the request body (by its Content-Length)');
        headers = [...headers, ['content-length', declared[1].trim()]];
      }
      body = cappedRequestBody(body, maxRequestBody, () => tooLarge('the request body'));
    }

    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(new WaftError('WAFT_E_HTTP_TIMEOUT', `outbound request to ${shown(url)} timed out: no response within ${timeoutMs}ms`, { url: shown(url), timeoutMs }));
    }, timeoutMs);
    const combined = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      // Check before queuing, so a denial comes back before the body is read or a connection
      // slot is taken. The check at connect time (in #connect) is the one that decides.
      await untilAborted(this.#checkedAddresses(url), combined);
      const res = await this.#agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: req.method,
        headers: headers.flat(),
        body: body as never,
        signal: combined,
        responseHeaders: 'raw',
      });
      clearTimeout(timer);
      const raw = res.headers as unknown as string[];
      const responseHeaders = endToEndHeaders(pairsFromRaw(raw));
      const declaredLength = responseHeaders.find(([name]) => name === 'content-length');
      return {
        status: res.statusCode,
        headers: responseHeaders,
        body: cappedResponseBody(res.body, url, maxResponseBody, declaredLength ? Number(declaredLength[1]) : null, signal),
      };
    } catch (err) {
      throw toWaftError(err, url, signal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stop taking requests, let running ones finish (up to the timeout), then close every pooled connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#options.timeoutMs);
    });
    const outcome = await Promise.race([this.#agent.close().then(() => 'closed' as const), gaveUp]);
    clearTimeout(timer);
    if (outcome === 'timeout') await this.#agent.destroy();
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WaftError('WAFT_E_HTTP_INVALID_REQUEST', `outbound request: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)} is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WaftError('WAFT_E_HTTP_INVALID_REQUEST', `outbound request to ${url.protocol}//${url.host}: only http and https URLs are supported`, { scheme: url.protocol.slice(0, -1) });
  }
  if (url.username !== '' || url.password !== '') {
    throw new WaftError('WAFT_E_HTTP_INVALID_REQUEST', `outbound request to ${shown(url)}: the URL carries a user name or password; send an Authorization header instead`, { url: shown(url) });
  }
  return url;
}

/** Reject as soon as the signal aborts, even if the promise (a DNS lookup) cannot be cancelled. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (err) => { signal.removeEventListener('abort', onAbort); reject(err); },
    );
  });
}

async function* cappedRequestBody(source: AsyncIterable<Uint8Array>, limit: number, tooLarge: () => WaftError): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total > limit) throw tooLarge();
    yield chunk;
  }
}

async function* cappedResponseBody(
  body: AsyncIterable<Uint8Array> & { destroy(err?: Error): unknown },
  url: URL,
  limit: number,
  declared: number | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const tooLarge = () =>
    new WaftError('WAFT_E_HTTP_BODY_TOO_LARGE', `outbound response from ${shown(url)} is larger than the ${limit}-byte limit`, { url: shown(url), limit });
  let total = 0;
  try {
    if (declared !== null && declared > limit) throw tooLarge();
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > limit) throw tooLarge();
      yield chunk;
    }
    // undici hands the connection back to its pool just after the body ends; wait for that, so
    // a guest's next request to the same origin reuses it instead of opening a second one.
    await new Promise((resolve) => setImmediate(resolve));
  } catch (err) {
    throw toWaftError(err, url, signal);
  } finally {
    // Ends early (cap, error, or the reader stopped): drop the connection rather than drain it.
    // Destroying the body makes undici emit an abort error; it is expected, so it is listened to
    // here, or it would surface as an uncaught exception and end the worker thread.
    (body as { on?: (event: 'error', fn: () => void) => unknown }).on?.('error', () => {});
    body.destroy();
  }
}

function toWaftError(err: unknown, url: URL, signal: AbortSignal | undefined): unknown {
  if (err instanceof WaftError) return err;
  if (signal?.aborted && err === signal.reason) return err; // the caller's own abort, as it gave it
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const where = { url: shown(url), host: url.host, cause: code };
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return new WaftError('WAFT_E_HTTP_TIMEOUT', `outbound request to ${shown(url)} timed out (${message})`, where);
    case 'UND_ERR_INVALID_ARG':
    case 'UND_ERR_NOT_SUPPORTED':
    case 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH':
      return new WaftError('WAFT_E_HTTP_INVALID_REQUEST', `outbound request to ${shown(url)}: ${message}`, where);
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_DESTROYED':
      return new WaftError('WAFT_E_HTTP_CLOSED', 'outbound HTTP is closed: the app is stopping', where);
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
    case 'EPIPE':
      return new WaftError('WAFT_E_HTTP_UNREACHABLE', `outbound request to ${shown(url)} failed: cannot connect to ${url.host} (${code})`, where);
    case 'UND_ERR_SOCKET':
      return new WaftError('WAFT_E_HTTP_UNREACHABLE', `outbound request to ${shown(url)} failed: the connection to ${url.host} broke (${message})`, where);
    default:
      return new WaftError('WAFT_E_HTTP_UNREACHABLE', `outbound request to ${shown(url)} failed: ${url.host}: ${message}`, where);
  }
}
