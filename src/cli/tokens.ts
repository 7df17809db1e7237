import { WaftError } from '../errors.ts';
import { list, parseArgs, str } from './args.ts';
import { formatTime, table } from './client/format.ts';
import { reportErrors } from './client/server-error.ts';
import { need, noMore, withClient } from './client/session.ts';
import type { NewToken, Token } from './client/types.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft tokens create NAME --scope SCOPE… [--expires WHEN]
       waft tokens list
       waft tokens revoke ID

Manages your API tokens on the server you logged in to (this needs the tokens:write scope).

create   Mints a token and prints its secret on standard output; it is shown this once only.
         --scope SCOPE   a scope to grant (repeatable, or comma-separated): apps:read,
                         apps:write, deploy, logs:read, usage:read, tokens:write, admin.
                         A token can only grant scopes it holds itself.
         --expires WHEN  a duration from now (30d, 12h) or a date (2027-01-31T00:00:00Z);
                         default: never
list     Lists your tokens, revoked and expired ones included; "*" marks the one in use.
revoke   Revokes a token at once (by its tok_… id, as list shows it).

Options:
  --json          print JSON
  --server URL    another server than the saved one (with the saved token)
`;

export async function tokens(argv: string[]): Promise<number> {
  const p = parseArgs('tokens', argv, {
    scope: { value: true, multiple: true }, expires: { value: true }, json: {}, server: { value: true }, help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const json = Boolean(p.options.json);
  return reportErrors(async () => {
    const action = need(p.positionals, 0, 'action (create, list or revoke)', 'waft tokens list');
    if (action === 'create') {
      const name = need(p.positionals, 1, 'new token', 'waft tokens create ci --scope deploy');
      noMore('tokens create', p.positionals, 2);
      const scopes = list(p, 'scope').flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
      if (scopes.length === 0) {
        throw new WaftError('WAFT_E_USAGE', 'waft tokens create: give the token at least one --scope (apps:read, apps:write, deploy, logs:read, usage:read, tokens:write, admin)');
      }
      const body: NewToken = { name, scopes };
      const expires = str(p, 'expires');
      if (expires !== undefined && expires !== 'never') Object.assign(body, expiry(expires));
      return withClient(async (client) => {
        const { token, secret } = await client.createToken(body);
        if (json) {
          printJson({ token, secret });
          return 0;
        }
        process.stderr.write(`Created token ${token.id} "${token.name}" with scopes ${token.scopes.join(' ')}, ${token.expiresAt === null ? 'never expires' : `expires ${formatTime(token.expiresAt)} UTC`}.\nThis is the only time its secret is shown:\n`);
        process.stdout.write(`${secret}\n`);
        return 0;
      }, str(p, 'server'));
    }
    if (action === 'list') {
      noMore('tokens list', p.positionals, 1);
      return withClient(async (client) => {
        const [all, me] = await Promise.all([client.tokens(), client.me()]);
        if (json) {
          printJson(all);
          return 0;
        }
        const now = Date.now();
        const rows = all.map((t) => [
          `${t.id === me.token.id ? '*' : ' '} ${t.id}`, t.name, t.scopes.join(','), status(t, now), formatTime(t.createdAt),
          formatTime(t.expiresAt), formatTime(t.lastUsedAt),
        ]);
        process.stdout.write(table(['  ID', 'NAME', 'SCOPES', 'STATUS', 'CREATED (UTC)', 'EXPIRES', 'LAST USED'], rows));
        return 0;
      }, str(p, 'server'));
    }
    if (action === 'revoke') {
      const id = need(p.positionals, 1, 'token to revoke', 'waft tokens revoke tok_0123…');
      noMore('tokens revoke', p.positionals, 2);
      return withClient(async (client) => {
        const token = await client.revokeToken(id);
        if (json) {
          printJson(token);
          return 0;
        }
        process.stdout.write(`Revoked token ${token.id} "${token.name}".\n`);
        return 0;
      }, str(p, 'server'));
    }
    throw new WaftError('WAFT_E_USAGE', `waft tokens: unknown action ${JSON.stringify(action)}; use create, list or revoke`);
  });
}

function status(t: Token, now: number): string {
  if (t.revokedAt !== null) return 'revoked';
  if (t.expiresAt !== null && t.expiresAt <= now) return 'expired';
  return 'active';
}

/** "30d" → { expiresIn: "30d" }; a date → { expiresAt: ms }. */
function expiry(raw: string): Pick<NewToken, 'expiresAt' | 'expiresIn'> {
  if (/^\d+(ms|s|m|h|d)$/.test(raw)) return { expiresIn: raw };
  const at = /^\d{4}-\d{2}-\d{2}/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(at)) {
    throw new WaftError('WAFT_E_USAGE', `waft tokens create: --expires ${JSON.stringify(raw)} is neither a duration (30d, 12h) nor a date (2027-01-31T00:00:00Z)`);
  }
  return { expiresAt: at };
}
