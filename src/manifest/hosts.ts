// allowed_outbound_hosts entries: scheme://host[:port]. The http capability owns the grammar
// (parseAllowedHosts); this adds messages that show the fix for the usual mistakes, with the
// entry's position, and then defers to that parser so the two never disagree.

import { WaftError } from '../errors.ts';
import { parseAllowedHosts } from '../capabilities/http/allowed-hosts.ts';

export type OutboundHostResult = { ok: true; entry: string } | { ok: false; problem: string };

export function checkOutboundHost(raw: string): OutboundHostResult {
  const fail = (problem: string): OutboundHostResult => ({ ok: false, problem });
  const entry = raw.trim();
  const sep = entry.indexOf('://');
  if (sep < 0) {
    const bare = entry.replace(/^[a-z]*:\/*/i, '').replace(/[/?#].*$/, '') || 'api.example.com';
    return fail(`has no scheme; write "https://${bare}" (or "http://${bare}", or "*://${bare}" for both)`);
  }
  const scheme = entry.slice(0, sep).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https' && scheme !== '*') {
    return fail(`has the scheme "${scheme}"; outbound requests may use "http", "https" or "*" (both)`);
  }
  let rest = entry.slice(sep + 3);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  const pathAt = rest.search(/[/?#]/);
  if (pathAt >= 0) {
    return fail(`has a path or query ("${rest.slice(pathAt)}"); an entry grants a whole host, so write "${scheme}://${rest.slice(0, pathAt)}"`);
  }
  if (rest.includes('@')) return fail('holds a user name ("@"); credentials do not belong in allowed_outbound_hosts');
  if (rest === '' || rest.startsWith(':')) return fail(`has no host; write e.g. "${scheme}://api.example.com"`);
  try {
    parseAllowedHosts([entry]);
  } catch (err) {
    if (!(err instanceof WaftError)) throw err;
    const marker = `${JSON.stringify(entry)}: `;
    const at = err.message.indexOf(marker);
    return fail(at >= 0 ? `is not valid: ${err.message.slice(at + marker.length)}` : `is not valid: ${err.message}`);
  }
  return { ok: true, entry };
}
