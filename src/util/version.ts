import { readFileSync } from 'node:fs';

/** waft's version, as package.json gives it. */
export const waftVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
