export { parseAllowedHosts, findGrant, isLiteralGrant, suggestedGrant } from './allowed-hosts.ts';
export type { AllowedHost } from './allowed-hosts.ts';
export { isBlockedAddress, classifyAddress } from './address-policy.ts';
export type { AddressCategory } from './address-policy.ts';
export { OutboundHttp } from './client.ts';
export type { Lookup, OutboundOptions, OutboundRequest, OutboundResponse } from './client.ts';
