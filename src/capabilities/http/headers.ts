// Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the message: a guest may
// not set them on the host's pooled connections, and it does not see the remote's.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Names listed in Connection headers: hop-by-hop as well. */
function connectionOptions(headers: [string, string][]): Set<string> {
  const named = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== 'connection') continue;
    for (const token of value.split(',')) {
      const t = token.trim().toLowerCase();
      if (t !== '') named.add(t);
    }
  }
  return named;
}

/** The headers without hop-by-hop ones and without any in `drop` (lower-case names). */
export function endToEndHeaders(headers: [string, string][], drop: ReadonlySet<string> = new Set()): [string, string][] {
  const named = connectionOptions(headers);
  return headers.filter(([name]) => {
    const n = name.toLowerCase();
    return !hopByHop.has(n) && !named.has(n) && !drop.has(n);
  });
}

/** undici's raw response headers ([name, value, name, value…]) as lower-case pairs. */
export function pairsFromRaw(raw: (string | Buffer)[]): [string, string][] {
  const text = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('latin1'));
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([text(raw[i]).toLowerCase(), text(raw[i + 1])]);
  return pairs;
}
