import { WaftError } from '../errors.ts';

/** "127.0.0.1:3000", ":3000", "3000", "[::1]:3000", "localhost:8080" → host and port. */
export function parseListen(value: string, defaultHost = '127.0.0.1'): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port < 65536)) {
    throw new WaftError('WAFT_E_USAGE', `--listen ${JSON.stringify(value)}: write an address as HOST:PORT, e.g. 127.0.0.1:3000 or :3000`);
  }
  return { host: m[1] ?? (m[2] || defaultHost), port };
}
