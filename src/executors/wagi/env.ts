// The WAGI request → guest half of the contract: argv and the CGI environment.
// docs/wagi.md is the contract as written; this file is the contract as run.

import { isUtf8 } from 'node:buffer';
import { waftVersion } from '../../util/version.ts';

export interface WagiRequestInfo {
  method: string;
  /** req.url: path?query, as sent. */
  rawUrl: string;
  /** req.rawHeaders: [name, value, name, value, …]. */
  headers: string[];
  remoteAddress: string;
  /** The Host header, or the listen address when there is none. May carry ":port". */
  serverHost: string;
  /** The listen port: SERVER_PORT when serverHost carries no port. */
  serverPort: number;
  /** "HTTP/1.1" */
  protocol: string;
  tls: boolean;
  /** Bytes of body on stdin when known (Content-Length); null when not declared. */
  contentLength: number | null;
}

export interface WagiRouteInfo {
  pattern: string;
  scriptName: string;
  pathInfo: string;
  rawPathInfo: string;
}

export const SERVER_SOFTWARE = `WAFT/${waftVersion}`;

/**
 * The variables waft sets itself. A function's `environment` cannot override them, and no
 * request header can produce them (headers only ever produce HTTP_* names).
 */
export const WAGI_RESERVED_ENV: readonly string[] = Object.freeze([
  'AUTH_TYPE', 'CONTENT_LENGTH', 'CONTENT_TYPE', 'GATEWAY_INTERFACE', 'PATH_INFO', 'PATH_TRANSLATED',
  'QUERY_STRING', 'REMOTE_ADDR', 'REMOTE_HOST', 'REMOTE_USER', 'REQUEST_METHOD', 'SCRIPT_NAME',
  'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'SERVER_SOFTWARE', 'X_FULL_URL', 'X_MATCHED_ROUTE',
  'X_RAW_PATH_INFO',
]);

// How repeated request headers become one variable (RFC 3875 §4.1.18: one value with the
// same meaning). Node's own rules for req.headers: these keep the first value…
const FIRST_WINS = new Set([
  'HTTP_AGE', 'HTTP_CONTENT_LENGTH', 'HTTP_CONTENT_TYPE', 'HTTP_ETAG', 'HTTP_EXPIRES', 'HTTP_FROM', 'HTTP_HOST',
  'HTTP_IF_MODIFIED_SINCE', 'HTTP_IF_UNMODIFIED_SINCE', 'HTTP_LAST_MODIFIED', 'HTTP_LOCATION', 'HTTP_MAX_FORWARDS',
  'HTTP_REFERER', 'HTTP_RETRY_AFTER', 'HTTP_SERVER', 'HTTP_USER_AGENT',
]);
// …Cookie joins with "; ", the rest with ", ".
const JOIN_FIRST = 0;
const JOIN_COMMA = 1;
const JOIN_SEMI = 2;

interface HeaderRule {
  /** The variable name, or null when this header is not passed to the guest. */
  key: string | null;
  join: number;
}

const SKIP: HeaderRule = { key: null, join: JOIN_COMMA };
// Only letters, digits and "-" make it into a variable name. "_" is refused because
// "X_Forwarded_For" would land on the same HTTP_X_FORWARDED_FOR as "X-Forwarded-For", which a
// proxy in front may have set or stripped; other token characters (".", "!", "~"…) make
// names a shell cannot read. Non-ASCII never reaches toUpperCase (where "ſ" becomes "S").
const PASSABLE_NAME = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function ruleFor(name: string): HeaderRule {
  if (!PASSABLE_NAME.test(name)) return SKIP;
  const key = 'HTTP_' + name.toUpperCase().replaceAll('-', '_');
  switch (key) {
    case 'HTTP_AUTHORIZATION': // credentials stay with the gateway (RFC 3875 §4.1.18)
    case 'HTTP_PROXY_AUTHORIZATION':
    case 'HTTP_CONNECTION': // hop-by-hop
    case 'HTTP_PROXY': // "httpoxy": HTTP_PROXY is read as the outbound proxy by many HTTP clients
      return SKIP;
    case 'HTTP_COOKIE':
      return { key, join: JOIN_SEMI };
  }
  return { key, join: FIRST_WINS.has(key) ? JOIN_FIRST : JOIN_COMMA };
}

// Header names repeat from request to request; remember what each became. Bounded, so that
// clients sending made-up names cannot grow it.
const RULE_CACHE_MAX = 2048;
const ruleCache = new Map<string, HeaderRule>();

function headerRule(name: string): HeaderRule {
  let rule = ruleCache.get(name);
  if (rule === undefined) {
    rule = ruleFor(name);
    if (ruleCache.size < RULE_CACHE_MAX) ruleCache.set(name, rule);
  }
  return rule;
}

const HIGH_BYTE = /[\x80-\xff]/;

/**
 * Node reads header bytes as latin1 (one char per byte). When those bytes are UTF-8, give the
 * guest the text they spell, so that the bytes in its environment are the bytes that were sent.
 */
function headerText(value: string): string {
  if (!HIGH_BYTE.test(value)) return value;
  const bytes = Buffer.from(value, 'latin1');
  return isUtf8(bytes) ? bytes.toString('utf8') : value;
}

/** "example.com:8080" → name "example.com", port "8080"; "[::1]:3000" keeps the brackets. */
function splitHost(host: string, listenPort: number): [name: string, port: string] {
  const colon = host.lastIndexOf(':');
  // A bare IPv6 listen address ("::1") has colons but no port.
  if (colon !== -1 && host.charCodeAt(0) !== 91 && host.indexOf(':') !== colon) return [`[${host}]`, String(listenPort)];
  if (colon !== -1 && colon > host.lastIndexOf(']')) {
    const port = host.slice(colon + 1);
    const name = host.slice(0, colon);
    if (/^\d{1,5}$/.test(port) && Number(port) <= 65535) return [name, String(Number(port))];
    return [name, String(listenPort)];
  }
  return [host, String(listenPort)];
}

/** argv and environment for one WAGI run; see docs/wagi.md for each variable. */
export function wagiInvocation(
  req: WagiRequestInfo, match: WagiRouteInfo, extraEnv: Record<string, string>,
): { args: string[]; env: Record<string, string> } {
  const rawUrl = req.rawUrl;
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  const query = q === -1 ? '' : rawUrl.slice(q + 1);
  const args = query === '' ? [path] : [path, ...query.split('&')];

  const [serverName, serverPort] = splitHost(headerText(req.serverHost), req.serverPort);
  // The CGI variables first, as one literal (one object shape for every request). Then the
  // function's environment where it does not name a CGI variable, then the request headers
  // where they do not name either: neither a client nor a manifest can change what waft
  // vouches for, and a client cannot change what the operator configured.
  const env: Record<string, string> = {
    REQUEST_METHOD: req.method,
    QUERY_STRING: query,
    PATH_INFO: match.pathInfo,
    PATH_TRANSLATED: match.pathInfo,
    X_RAW_PATH_INFO: match.rawPathInfo,
    SCRIPT_NAME: match.scriptName,
    X_MATCHED_ROUTE: match.pattern,
    X_FULL_URL: `${req.tls ? 'https' : 'http'}://${serverName}:${serverPort}${rawUrl}`,
    SERVER_NAME: serverName,
    SERVER_PORT: serverPort,
    SERVER_PROTOCOL: req.protocol,
    SERVER_SOFTWARE,
    GATEWAY_INTERFACE: 'CGI/1.1',
    REMOTE_ADDR: req.remoteAddress,
    REMOTE_HOST: req.remoteAddress,
    AUTH_TYPE: '',
    REMOTE_USER: '',
    CONTENT_LENGTH: '0',
    CONTENT_TYPE: '',
  };

  let extraCount = 0;
  for (const name in extraEnv) {
    if (!Object.hasOwn(extraEnv, name) || Object.hasOwn(env, name)) continue;
    // A name with "=" or NUL cannot be written as NAME=value in the guest's environment.
    if (name === '' || name.indexOf('=') !== -1 || name.indexOf('\0') !== -1) continue;
    const value = String(extraEnv[name]);
    if (name === '__proto__') Object.defineProperty(env, name, { value, enumerable: true, writable: true, configurable: true });
    else env[name] = value;
    extraCount++;
  }

  let contentType = '';
  let chunked = false;
  const headers = req.headers;
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const rule = headerRule(headers[i]);
    const key = rule.key;
    if (key === null) continue;
    const value = headers[i + 1];
    if (value.indexOf('\0') !== -1) continue;
    const prev = env[key];
    if (prev === undefined) {
      const text = headerText(value);
      env[key] = text;
      if (key === 'HTTP_CONTENT_TYPE') contentType = text;
      else if (key === 'HTTP_TRANSFER_ENCODING') chunked = true;
    } else if (rule.join !== JOIN_FIRST && (extraCount === 0 || !Object.hasOwn(extraEnv, key))) {
      env[key] = prev + (rule.join === JOIN_SEMI ? '; ' : ', ') + headerText(value);
    }
  }

  // Known length → that; a streamed body of unknown length → "" (read stdin to its end);
  // no body → "0", as WAGI reports for a request without one.
  if (req.contentLength !== null) env.CONTENT_LENGTH = String(req.contentLength);
  else if (chunked) env.CONTENT_LENGTH = '';
  env.CONTENT_TYPE = contentType;
  return { args, env };
}
