#!/usr/bin/env node
// The bin stays plain JavaScript so that npm can link it; everything else is TypeScript run directly by Node ≥ 24.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`waft: needs Node 24 or newer (this is ${process.version}). Run it through npx waft, which uses the pinned node package.`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
