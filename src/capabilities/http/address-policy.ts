import { isIPv4, isIPv6 } from 'node:net';

/**
 * What kind of address an IP is, for the outbound SSRF policy. Everything but 'public' is
 * blocked unless a grant names the host exactly.
 */
export type AddressCategory =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'        // carrier-grade NAT, 100.64.0.0/10
  | 'link-local'    // 169.254.0.0/16 (cloud metadata lives here), fe80::/10
  | 'unique-local'  // fc00::/7
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved'
  | 'invalid';      // not an IP address at all: blocked, never guessed at

interface Range {
  base: bigint;
  bits: number;
  category: AddressCategory;
}

function v4(cidr: string, category: AddressCategory): Range {
  const [ip, bits] = cidr.split('/');
  return { base: ipv4ToBigInt(ip)!, bits: Number(bits), category };
}

function v6(cidr: string, category: AddressCategory): Range {
  const [ip, bits] = cidr.split('/');
  return { base: ipv6ToBigInt(ip)!, bits: Number(bits), category };
}

// Most specific first: the first range that contains the address wins.
const ipv4Ranges: Range[] = [
  v4('255.255.255.255/32', 'broadcast'),
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'shared'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'documentation'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'documentation'),
  v4('203.0.113.0/24', 'documentation'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

const ipv6Ranges: Range[] = [
  v6('::/128', 'unspecified'),
  v6('::1/128', 'loopback'),
  v6('100::/64', 'reserved'),
  v6('2001:2::/48', 'reserved'),
  v6('2001:db8::/32', 'documentation'),
  v6('3fff::/20', 'documentation'),
  v6('fc00::/7', 'unique-local'),
  v6('fe80::/10', 'link-local'),
  v6('fec0::/10', 'private'), // deprecated site-local
  v6('ff00::/8', 'multicast'),
];

function inRange(value: bigint, width: number, range: Range): boolean {
  const shift = BigInt(width - range.bits);
  return value >> shift === range.base >> shift;
}

function classifyV4(value: bigint): AddressCategory {
  for (const range of ipv4Ranges) if (inRange(value, 32, range)) return range.category;
  return 'public';
}

const low32 = (1n << 32n) - 1n;

// The IPv6 forms that carry an IPv4 address inside, and other ranges checked after ipv6Ranges.
const v4Mapped = v6('::ffff:0:0/96', 'public');
const v4Translated = v6('::ffff:0:0:0/96', 'public');
const nat64 = v6('64:ff9b::/96', 'public');
const localNat64 = v6('64:ff9b:1::/48', 'public');
const v4Compatible = v6('::/96', 'public');
const sixToFour = v6('2002::/16', 'public');
const teredo = v6('2001::/32', 'public');

function within(value: bigint, range: Range): boolean {
  return inRange(value, 128, range);
}

function classifyV6(value: bigint): AddressCategory {
  for (const range of ipv6Ranges) if (inRange(value, 128, range)) return range.category;
  // Forms that carry an IPv4 address inside: the embedded address decides.
  if (within(value, v4Mapped)) return classifyV4(value & low32);
  if (within(value, v4Translated)) return classifyV4(value & low32);        // SIIT
  if (within(value, nat64)) return classifyV4(value & low32);
  if (within(value, localNat64)) return 'private';
  if (within(value, v4Compatible)) return 'reserved';                        // deprecated
  if (within(value, sixToFour)) return classifyV4((value >> 80n) & low32);
  if (within(value, teredo)) {
    const server = classifyV4((value >> 64n) & low32);
    if (server !== 'public') return server;
    return classifyV4((value & low32) ^ low32);
  }
  return 'public';
}

/** Classify an IP address (dotted IPv4 or IPv6, brackets and a zone id allowed). */
export function classifyAddress(ip: string): AddressCategory {
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const asV4 = ipv4ToBigInt(text);
  if (asV4 !== null) return classifyV4(asV4);
  const asV6 = ipv6ToBigInt(text);
  if (asV6 !== null) return classifyV6(asV6);
  return 'invalid';
}

/**
 * True for every address a guest may not reach through a wildcard grant: loopback, private,
 * link-local, carrier-grade NAT, unique-local, unspecified, multicast, broadcast, documentation
 * and reserved ranges, the same inside IPv4-mapped/NAT64/6to4/Teredo IPv6 forms, and anything
 * that is not an IP address at all.
 */
export function isBlockedAddress(ip: string): boolean {
  return classifyAddress(ip) !== 'public';
}

/** Dotted-quad IPv4 only; the odd forms (decimal, hex, short) are the URL parser's job. */
function ipv4ToBigInt(text: string): bigint | null {
  if (!isIPv4(text)) return null;
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

function ipv6ToBigInt(text: string): bigint | null {
  if (!isIPv6(text)) return null;
  let body = text;
  // A trailing dotted IPv4 stands for the last two groups: rewrite it as hex.
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    const embedded = ipv4ToBigInt(tail);
    if (embedded === null) return null;
    body = `${body.slice(0, lastColon + 1)}${(embedded >> 16n).toString(16)}:${(embedded & 0xffffn).toString(16)}`;
  }
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const halves = body.split('::');
  let groups: number[];
  if (halves.length === 2) {
    const head = parse(halves[0]);
    const rest = parse(halves[1]);
    const fill = 8 - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest];
  } else {
    groups = parse(body);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return null;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}
