// The saved login: which server the CLI talks to and with which token. One JSON file, mode 0600,
// at $WAFT_CONFIG or ~/.config/waft/config.json ($XDG_CONFIG_HOME is honoured).
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { WaftError } from '../../errors.ts';

export interface Login {
  /** The server's base URL, without a trailing slash (e.g. http://127.0.0.1:8080). */
  server: string;
  token: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WAFT_CONFIG) return env.WAFT_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'waft', 'config.json');
}

/** "localhost:8080" → "http://localhost:8080"; strips a trailing "/" and a pasted "/api/v1". */
export function normalizeServerUrl(raw: string): string {
  let text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `http://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new WaftError('WAFT_E_USAGE', `--server ${JSON.stringify(raw)} is not a URL; write it as http://HOST:PORT`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WaftError('WAFT_E_USAGE', `--server ${JSON.stringify(raw)}: the scheme must be http or https`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new WaftError('WAFT_E_USAGE', `--server ${JSON.stringify(raw)}: give only scheme, host, port and path; pass the token with --token`);
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/api/v1')) path = path.slice(0, -'/api/v1'.length);
  return `${url.protocol}//${url.host}${path}`;
}

export async function readLogin(path: string = configPath()): Promise<Login | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new WaftError('WAFT_E_USAGE', `${path} is not valid JSON; delete it and run \`waft login --server URL\` again`);
  }
  const { server, token } = (data ?? {}) as Record<string, unknown>;
  if (typeof server !== 'string' || typeof token !== 'string') {
    throw new WaftError('WAFT_E_USAGE', `${path} has no "server" and "token"; run \`waft login --server URL\` again`);
  }
  return { server, token };
}

/**
 * The login to use: WAFT_SERVER and WAFT_TOKEN from the environment (for CI) win over the saved
 * file; --server on the command line wins over both for the server.
 */
export async function requireLogin(serverOption?: string, env: NodeJS.ProcessEnv = process.env): Promise<Login> {
  const saved = await readLogin(configPath(env));
  const server = serverOption ?? env.WAFT_SERVER ?? saved?.server;
  const token = env.WAFT_TOKEN ?? saved?.token;
  if (!server || !token) {
    throw new WaftError('WAFT_E_USAGE', 'not logged in to a waft server; run `waft login --server URL` first (or set WAFT_SERVER and WAFT_TOKEN)');
  }
  return { server: normalizeServerUrl(server), token };
}

/** Writes the file readable by its owner only (0600), atomically, in a 0700 directory. */
export async function saveLogin(login: Login, path: string = configPath()): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600, flag: 'w' });
    await chmod(tmp, 0o600); // the umask may have taken bits away, never added: this is for an existing tmp
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function removeLogin(path: string = configPath()): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
