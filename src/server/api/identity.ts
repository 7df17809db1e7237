// Server info, the caller, users (admins) and tokens (each user's own).
import { WaftError } from '../../errors.ts';
import { waftVersion } from '../../util/version.ts';
import { hasScope, issueToken, SCOPES } from '../auth/tokens.ts';
import type { Token, User } from '../store/types.ts';
import { USER_NAME } from '../store/validate.ts';
import { appUrls } from '../context.ts';
import { caller } from './access.ts';
import { readJson, sendJson } from './http.ts';
import type { ApiRequest, ApiRoute } from './router.ts';
import { array, boolean, duration, integer, invalid, literal, nullable, object, optional, string, type Infer } from './schema.ts';
import { tokenView, userView } from './views.ts';

const newToken = object({
  name: string({ min: 1, max: 100 }),
  scopes: array(literal(SCOPES), { min: 1, max: SCOPES.length }),
  expiresAt: optional(nullable(integer({ min: 0 }))),
  expiresIn: optional(duration()),
});

const newUser = object({
  name: string({ min: 1, max: 64, pattern: USER_NAME, patternText: 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit' }),
  admin: optional(boolean()),
  token: optional(object({
    name: optional(string({ min: 1, max: 100 })),
    scopes: optional(array(literal(SCOPES), { min: 1, max: SCOPES.length })),
    expiresAt: optional(nullable(integer({ min: 0 }))),
    expiresIn: optional(duration()),
  })),
});

const DEFAULT_USER_SCOPES = ['apps:write', 'deploy', 'logs:read', 'usage:read', 'tokens:write'];

function expiry(input: { expiresAt?: number | null; expiresIn?: number }, field: string, now: number): number | null {
  if (input.expiresAt != null && input.expiresIn !== undefined) throw invalid(`${field}.expiresIn`, 'give expiresAt or expiresIn, not both');
  if (input.expiresIn !== undefined) return now + input.expiresIn;
  if (input.expiresAt != null) {
    if (input.expiresAt <= now) throw invalid(`${field}.expiresAt`, `${input.expiresAt} is not in the future (now is ${now})`);
    return input.expiresAt;
  }
  return null;
}

/** A token may only hand out scopes it holds itself. */
function checkGrant(granting: Token, scopes: string[]): void {
  const lacking = scopes.filter((s) => !hasScope(granting, s));
  if (lacking.length > 0) {
    throw new WaftError('WAFT_E_SCOPE_MISSING',
      `this token cannot grant ${lacking.map((s) => JSON.stringify(s)).join(', ')}: a token can only grant scopes it holds itself`, { scopes: lacking });
  }
}

async function userByRef(r: ApiRequest, ref: string): Promise<User> {
  const user = ref.startsWith('usr_') ? await r.ctx.store.users.get(ref) : await r.ctx.store.users.byName(ref);
  if (!user) throw new WaftError('WAFT_E_USER_NOT_FOUND', `no user ${JSON.stringify(ref.slice(0, 80))}`, { user: ref.slice(0, 80) });
  return user;
}

async function mint(r: ApiRequest, user: User, input: Infer<typeof newToken>, field: string) {
  checkGrant(r.auth!.token, input.scopes);
  const expiresAt = expiry(input, field, Date.now());
  const { token, secret } = await issueToken(r.ctx.store, user.id, { name: input.name, scopes: input.scopes, expiresAt });
  return { token: tokenView(token), secret };
}

export const identityRoutes: ApiRoute[] = [
  {
    method: 'GET', pattern: '/api/v1/info', scope: null,
    async handler(r) {
      const { ctx } = r;
      const urls = appUrls(ctx, '{app}');
      sendJson(r.res, 200, {
        name: 'waft', version: waftVersion, apiVersion: 1, domain: ctx.domain, appUrl: urls.host, pathUrl: urls.path, store: ctx.storeKind, scopes: SCOPES,
        limits: {
          maxBundleBytes: ctx.limits.maxBundleBytes, maxBundleFiles: ctx.limits.maxBundleFiles, maxPathBytes: ctx.limits.maxPathBytes,
          maxSegmentBytes: ctx.limits.maxSegmentBytes, maxManifestBytes: ctx.limits.maxManifestBytes, maxJsonBytes: ctx.limits.maxJsonBytes,
          maxVersionJsonBytes: ctx.limits.maxVersionJsonBytes, maxInvokeJsonBytes: ctx.limits.maxInvokeJsonBytes,
        },
      });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/me', scope: 'any',
    async handler(r) {
      sendJson(r.res, 200, { user: userView(caller(r)), token: tokenView(r.auth!.token) });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/users', scope: 'admin',
    async handler(r) {
      sendJson(r.res, 200, { users: (await r.ctx.store.users.list()).map(userView) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/users', scope: 'admin',
    async handler(r) {
      const body = newUser.parse(await readJson(r.req, r.ctx.limits.maxJsonBytes), 'body');
      const admin = body.admin ?? false;
      const t = body.token ?? {};
      const scopes = t.scopes ?? (admin ? [...DEFAULT_USER_SCOPES, 'admin'] : DEFAULT_USER_SCOPES);
      if (scopes.includes('admin') && !admin) {
        throw new WaftError('WAFT_E_SCOPE_INVALID', `user ${body.name} is not an admin, so a token of theirs cannot have the admin scope`);
      }
      checkGrant(r.auth!.token, scopes);
      const expiresAt = expiry(t, 'body.token', Date.now());
      const user = await r.ctx.store.users.create(body.name, admin);
      const { token, secret } = await issueToken(r.ctx.store, user.id, { name: t.name ?? 'initial', scopes, expiresAt });
      r.ctx.logger.info(`User "${user.name}" created by "${caller(r).name}"${admin ? ' (admin)' : ''}`, { user: user.name });
      sendJson(r.res, 201, { user: userView(user), token: tokenView(token), secret });
    },
  },
  {
    method: 'GET', pattern: '/api/v1/users/:user', scope: 'admin',
    async handler(r) {
      sendJson(r.res, 200, { user: userView(await userByRef(r, r.params.user)) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/users/:user/tokens', scope: 'admin',
    async handler(r) {
      const user = await userByRef(r, r.params.user);
      const body = newToken.parse(await readJson(r.req, r.ctx.limits.maxJsonBytes), 'body');
      sendJson(r.res, 201, await mint(r, user, body, 'body'));
    },
  },
  {
    method: 'GET', pattern: '/api/v1/tokens', scope: 'tokens:write',
    async handler(r) {
      sendJson(r.res, 200, { tokens: (await r.ctx.store.tokens.list(caller(r).id)).map(tokenView) });
    },
  },
  {
    method: 'POST', pattern: '/api/v1/tokens', scope: 'tokens:write',
    async handler(r) {
      const body = newToken.parse(await readJson(r.req, r.ctx.limits.maxJsonBytes), 'body');
      sendJson(r.res, 201, await mint(r, caller(r), body, 'body'));
    },
  },
  {
    method: 'DELETE', pattern: '/api/v1/tokens/:id', scope: 'tokens:write',
    async handler(r) {
      const user = caller(r);
      const id = r.params.id;
      const revoked = /^tok_[A-Za-z0-9]{1,64}$/.test(id) && await r.ctx.store.tokens.revoke(user.id, id);
      if (!revoked) {
        throw new WaftError('WAFT_E_TOKEN_NOT_FOUND', `you have no live token ${JSON.stringify(id.slice(0, 80))}`, { token: id.slice(0, 80) });
      }
      const token = (await r.ctx.store.tokens.list(user.id)).find((t) => t.id === id)!;
      sendJson(r.res, 200, { token: tokenView(token) });
    },
  },
];
