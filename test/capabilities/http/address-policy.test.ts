import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyAddress, isBlockedAddress } from '../../../src/capabilities/http/address-policy.ts';

const blocked: [string, string][] = [
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['100.64.0.1', 'shared'],
  ['100.127.255.254', 'shared'],
  ['127.0.0.1', 'loopback'],
  ['127.255.0.9', 'loopback'],
  ['169.254.169.254', 'link-local'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'documentation'],
  ['192.168.1.1', 'private'],
  ['198.18.0.1', 'reserved'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'broadcast'],
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['[::1]', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fe80::1', 'link-local'],
  ['fe80::1%eth0', 'link-local'],
  ['febf::1', 'link-local'],
  ['fc00::1', 'unique-local'],
  ['fd00:ec2::254', 'unique-local'],
  ['fec0::1', 'private'],
  ['ff02::1', 'multicast'],
  ['2001:db8::1', 'documentation'],
  // IPv4 inside IPv6: the inner address decides
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'link-local'],
  ['::ffff:0:127.0.0.1', 'loopback'],     // IPv4-translated
  ['64:ff9b::7f00:1', 'loopback'],        // NAT64 of 127.0.0.1
  ['64:ff9b::a9fe:a9fe', 'link-local'],   // NAT64 of 169.254.169.254
  ['2002:7f00:1::', 'loopback'],          // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'],        // 6to4 of 192.168.1.1
  ['::127.0.0.1', 'reserved'],            // deprecated IPv4-compatible
  ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation'], // Teredo: client 192.0.2.45
  // not an IP address: blocked, never guessed at
  ['localhost', 'invalid'],
  ['2130706433', 'invalid'],
  ['0x7f.1', 'invalid'],
  ['127.1', 'invalid'],
  ['', 'invalid'],
];

const open: string[] = [
  '8.8.8.8',
  '1.1.1.1',
  '93.184.215.14',
  '100.63.255.255',
  '100.128.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '169.253.255.255',
  '192.169.0.1',
  '2606:4700:4700::1111',
  '2a00:1450:4001:80b::200e',
  '::ffff:8.8.8.8',
  '64:ff9b::808:808',
  '2002:808:808::1',
];

for (const [ip, category] of blocked) {
  test(`${JSON.stringify(ip)} is blocked as ${category}`, () => {
    assert.equal(classifyAddress(ip), category);
    assert.equal(isBlockedAddress(ip), true);
  });
}

for (const ip of open) {
  test(`${ip} is public`, () => {
    assert.equal(classifyAddress(ip), 'public');
    assert.equal(isBlockedAddress(ip), false);
  });
}
