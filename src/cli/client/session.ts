// The logged-in client the server commands share.
import { WaftError } from '../../errors.ts';
import { ApiClient } from './api.ts';
import { requireLogin } from './config.ts';

/** Runs fn with a client for the saved login (or WAFT_SERVER/WAFT_TOKEN, or --server), closing it after. */
export async function withClient<T>(fn: (client: ApiClient) => Promise<T>, server?: string): Promise<T> {
  const login = await requireLogin(server);
  const client = new ApiClient(login.server, login.token);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** The one positional a command needs, or a usage error naming it. */
export function need(positionals: string[], index: number, what: string, example: string): string {
  const v = positionals[index];
  if (v === undefined || v === '') throw new WaftError('WAFT_E_USAGE', `name the ${what}, e.g. \`${example}\``);
  return v;
}

/** No positionals beyond the first `count`. */
export function noMore(command: string, positionals: string[], count: number): void {
  if (positionals.length > count) {
    throw new WaftError('WAFT_E_USAGE', `waft ${command}: unexpected argument ${JSON.stringify(positionals[count])}; run \`waft ${command} --help\``);
  }
}

/** "3" → 3; "ver_…" stays a string; anything else is a usage error. */
export function versionRef(raw: string): number | string {
  if (/^[1-9][0-9]{0,15}$/.test(raw)) return Number(raw);
  if (/^ver_[0-9a-z]+$/.test(raw)) return raw;
  throw new WaftError('WAFT_E_USAGE', `${JSON.stringify(raw)} is not a version; give its number (3) or id (ver_…), as \`waft versions APP\` lists them`);
}
