// What one function may reach: built on the main thread from waft.toml and the runtime config
// (src/host/app.ts), posted once to each worker and kept there by its key.
import { createHash } from 'node:crypto';
import type { KvBackendConfig } from '../kv/from-config.ts';

export interface CapabilityGrant {
  /** The app: the key-value namespace, so that two apps never see each other's keys. */
  app: string;
  /** The function, for messages: `function "hello" was denied …`. */
  function: string;
  /** Only the stores the function's key_value_stores names, with their runtime config. */
  stores: Record<string, KvBackendConfig>;
  /** allowed_outbound_hosts as written (templates expanded). */
  allowedOutboundHosts: string[];
  outbound: { maxRequestBody: number; maxResponseBody: number; timeoutMs: number; privateAddresses?: boolean };
  /**
   * Host name → addresses, answered before DNS for outbound requests (a hosts file for tests
   * and development; see docs/abi.md). The SSRF policy checks these addresses like any other.
   */
  resolve?: Record<string, string[]>;
  /** The function's variable bindings, resolved at load: binding name → value. */
  variables: Record<string, string>;
  /** Values that must never appear in a log line or an error message. */
  secrets: string[];
}

/** A grant that grants nothing: for runs that carry none. */
export function emptyGrant(fn = 'guest'): CapabilityGrant {
  return {
    app: 'default', function: fn, stores: {}, allowedOutboundHosts: [],
    outbound: { maxRequestBody: 0, maxResponseBody: 0, timeoutMs: 1 }, variables: {}, secrets: [],
  };
}

/** Equal grants have equal keys (the JSON of sorted keys, hashed). */
export function grantKey(grant: CapabilityGrant): string {
  return createHash('sha256').update(stableJson(grant)).digest('base64url').slice(0, 32);
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
