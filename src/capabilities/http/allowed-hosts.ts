import { WaftError } from '../../errors.ts';

/** One parsed entry of `allowed_outbound_hosts`. */
export interface AllowedHost {
  scheme: 'http' | 'https' | '*';
  /** Lower-case, as the URL parser writes it ("[::1]", "127.0.0.1", "xn--…"); may be "*" or start with "*.". */
  host: string;
  port: number | '*';
  /** The entry as written, for messages. */
  raw: string;
}

const defaultPorts = { http: 80, https: 443 } as const;

function bad(index: number, raw: string, why: string): WaftError {
  return new WaftError(
    'WAFT_E_HTTP_ALLOWED_HOST_INVALID',
    `allowed_outbound_hosts[${index}] = ${JSON.stringify(raw)}: ${why}`,
    { key: 'allowed_outbound_hosts', index, entry: raw },
  );
}

/** The host as the WHATWG URL parser writes it for an http URL, or null when it is no host. */
function canonicalHost(host: string): string | null {
  if (host === '' || /[\s/?#@\\%]/.test(host)) return null;
  try {
    const url = new URL(`http://${host}/`);
    return url.hostname === '' ? null : url.hostname;
  } catch {
    return null;
  }
}

/**
 * Parse `allowed_outbound_hosts`. Each entry is `scheme://host[:port]`:
 * scheme is http, https or *; host is a name, an IP literal, `*.` + a name (any subdomain,
 * not the name itself) or `*` (any host); port is a number or `*`. A missing port means the
 * scheme's default port, so "*://example.com" becomes two grants: http on 80 and https on 443.
 */
export function parseAllowedHosts(list: string[]): AllowedHost[] {
  if (!Array.isArray(list)) {
    throw new WaftError('WAFT_E_HTTP_ALLOWED_HOST_INVALID', 'allowed_outbound_hosts must be a list of strings', { key: 'allowed_outbound_hosts' });
  }
  const grants: AllowedHost[] = [];
  list.forEach((raw, index) => {
    if (typeof raw !== 'string') throw bad(index, String(raw), 'each entry must be a string');
    const entry = raw.trim();
    const schemeMatch = /^([^:/]*):\/\/(.*)$/s.exec(entry);
    if (!schemeMatch) {
      throw bad(index, raw, 'write the entry as scheme://host[:port] (e.g. "https://example.com"); the scheme is required');
    }
    const scheme = schemeMatch[1].toLowerCase();
    if (scheme !== 'http' && scheme !== 'https' && scheme !== '*') {
      throw bad(index, raw, 'scheme must be http, https or *');
    }
    let rest = schemeMatch[2];
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    if (/[/?#]/.test(rest)) throw bad(index, raw, 'an entry names a scheme, a host and a port only: remove the path, query or fragment');
    if (rest.includes('@')) throw bad(index, raw, 'an entry may not carry a user name or password');

    let hostPart: string;
    let portPart: string | null = null;
    if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close === -1) throw bad(index, raw, 'an IPv6 address needs its closing "]"');
      hostPart = rest.slice(0, close + 1);
      const after = rest.slice(close + 1);
      if (after !== '') {
        if (!after.startsWith(':')) throw bad(index, raw, 'only ":port" may follow an IPv6 address');
        portPart = after.slice(1);
      }
    } else {
      const colon = rest.lastIndexOf(':');
      if (colon !== -1) {
        hostPart = rest.slice(0, colon);
        portPart = rest.slice(colon + 1);
      } else {
        hostPart = rest;
      }
    }

    let port: number | '*' | null = null;
    if (portPart !== null) {
      if (portPart === '*') port = '*';
      else if (/^\d{1,5}$/.test(portPart) && Number(portPart) >= 1 && Number(portPart) <= 65535) port = Number(portPart);
      else throw bad(index, raw, `port must be a number from 1 to 65535 or *, not ${JSON.stringify(portPart)}`);
    }

    let host: string;
    if (hostPart === '*') {
      host = '*';
    } else {
      const wildcard = hostPart.startsWith('*.');
      const name = wildcard ? hostPart.slice(2) : hostPart;
      if (name.includes('*')) throw bad(index, raw, 'a wildcard may only be the whole host ("*") or its first label ("*.example.com")');
      if (name.includes(':') && !name.startsWith('[')) throw bad(index, raw, 'write an IPv6 address in brackets, e.g. "http://[::1]:8080"');
      const canonical = canonicalHost(name);
      if (canonical === null || withoutTrailingDot(canonical).split('.').some((label) => label === '')) {
        throw bad(index, raw, `${JSON.stringify(hostPart)} is not a valid host name or IP address`);
      }
      if (wildcard && (canonical.startsWith('[') || /^[\d.]+$/.test(canonical))) {
        throw bad(index, raw, 'a wildcard applies to domain names, not to IP addresses');
      }
      host = wildcard ? `*.${canonical}` : canonical;
    }

    if (port === null) {
      if (scheme === '*') {
        grants.push({ scheme: 'http', host, port: defaultPorts.http, raw }, { scheme: 'https', host, port: defaultPorts.https, raw });
      } else {
        grants.push({ scheme, host, port: defaultPorts[scheme], raw });
      }
    } else {
      grants.push({ scheme: scheme as AllowedHost['scheme'], host, port, raw });
    }
  });
  return grants;
}

/** "example.com." and "example.com" are the same DNS name. */
function withoutTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  const p = withoutTrailingDot(pattern);
  const h = withoutTrailingDot(host);
  if (p.startsWith('*.')) {
    if (h.startsWith('[') || /^[\d.]+$/.test(h)) return false; // IP literals are never a subdomain
    const suffix = p.slice(1); // ".example.com"
    return h.length > suffix.length && h.endsWith(suffix);
  }
  return p === h;
}

/** True when the grant names its host exactly (no wildcard): the only kind that unlocks private addresses. */
export function isLiteralGrant(grant: AllowedHost): boolean {
  return !grant.host.startsWith('*');
}

/**
 * The grant that allows this URL, or null. A grant naming the host exactly is preferred over a
 * wildcard one, because only an exact grant unlocks private and loopback addresses.
 */
export function findGrant(url: URL, allowed: AllowedHost[]): AllowedHost | null {
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== 'http' && scheme !== 'https') return null;
  const port = url.port === '' ? defaultPorts[scheme] : Number(url.port);
  const host = url.hostname.toLowerCase();
  let wildcardMatch: AllowedHost | null = null;
  for (const grant of allowed) {
    if (grant.scheme !== '*' && grant.scheme !== scheme) continue;
    if (grant.port !== '*' && grant.port !== port) continue;
    if (!hostMatches(grant.host, host)) continue;
    if (isLiteralGrant(grant)) return grant;
    wildcardMatch ??= grant;
  }
  return wildcardMatch;
}

/** What a user would add to allowed_outbound_hosts to allow this URL: scheme://host, plus :port when not the default. */
export function suggestedGrant(url: URL): string {
  return `${url.protocol}//${url.host}`;
}
