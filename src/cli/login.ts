import { WaftError } from '../errors.ts';
import { parseArgs, str } from './args.ts';
import { ApiClient } from './client/api.ts';
import { configPath, normalizeServerUrl, readLogin, removeLogin, saveLogin } from './client/config.ts';
import { formatTime } from './client/format.ts';
import { reportErrors } from './client/server-error.ts';

const usage = `Usage: waft login --server URL [--token TOKEN]

Checks an API token against a waft server and saves both, readable only by you, in
$WAFT_CONFIG or ~/.config/waft/config.json. Every other server command uses them.

Without --token, waft asks for the token when run on a terminal, and otherwise reads it from
standard input (echo "$TOKEN" | waft login --server URL).

Options:
  --server URL     the server, e.g. http://127.0.0.1:8080 (default: the saved one)
  --token TOKEN    the API token (waft_…); avoid it on shared machines, it lands in shell history
`;

export async function login(argv: string[]): Promise<number> {
  const p = parseArgs('login', argv, { server: { value: true }, token: { value: true }, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    if (p.positionals.length > 0) throw new WaftError('WAFT_E_USAGE', `waft login: unexpected argument ${JSON.stringify(p.positionals[0])}; pass the server as --server URL`);
    const path = configPath();
    const rawServer = str(p, 'server') ?? (await readLogin(path).catch(() => null))?.server;
    if (!rawServer) throw new WaftError('WAFT_E_USAGE', 'waft login: name the server with --server URL (e.g. --server http://127.0.0.1:8080)');
    const server = normalizeServerUrl(rawServer);
    let token = str(p, 'token') ?? (process.stdin.isTTY ? await promptHidden(`API token for ${server}: `) : await readStdin());
    token = token.trim();
    if (!token) throw new WaftError('WAFT_E_USAGE', 'waft login: no token given; pass --token TOKEN, type it at the prompt, or pipe it on standard input');

    const client = new ApiClient(server, token);
    try {
      const info = await client.info();
      if (info?.name !== 'waft') {
        throw new WaftError('WAFT_E_HTTP_UNREACHABLE', `${server} answered /api/v1/info, but not as a waft server`);
      }
      const me = await client.me();
      await saveLogin({ server, token }, path);
      const expires = me.token.expiresAt === null ? '' : `, expires ${formatTime(me.token.expiresAt)} UTC`;
      process.stdout.write(`Logged in to ${server} as ${me.user.name} (token "${me.token.name}", scopes ${me.token.scopes.join(' ')}${expires}).\n`);
      process.stdout.write(`Saved in ${path}.\n`);
      return 0;
    } finally {
      await client.close();
    }
  });
}

const logoutUsage = `Usage: waft logout

Forgets the saved server and token ($WAFT_CONFIG or ~/.config/waft/config.json). The token stays
valid on the server: revoke it with \`waft tokens revoke ID\` first if it should stop working.
`;

export async function logout(argv: string[]): Promise<number> {
  const p = parseArgs('logout', argv, { help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(logoutUsage);
    return 0;
  }
  const path = configPath();
  process.stdout.write((await removeLogin(path)) ? `Removed ${path}.\n` : `Not logged in (no ${path}).\n`);
  return 0;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new WaftError('WAFT_E_USAGE', 'waft login: cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.length > 4096) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}
