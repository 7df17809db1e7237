// API tokens: minting, hashing, checking a request's Authorization header, scopes, and the
// first admin of a fresh server.
import { createHash, randomBytes } from 'node:crypto';
import { WaftError } from '../../errors.ts';
import type { Store, Token, User } from '../store/types.ts';

const TOKEN_PREFIX = 'waft_';

/**
 * What a token may do. 'admin' implies every other scope; 'apps:write' implies 'apps:read'.
 */
export const SCOPES: readonly string[] = ['apps:read', 'apps:write', 'deploy', 'logs:read', 'usage:read', 'tokens:write', 'admin'];

const IMPLIED: Record<string, readonly string[]> = { 'apps:write': ['apps:read'] };

/** A new secret: "waft_" and 32 random bytes in base64url (48 characters in all). */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a secret: its sha256 in hex. Secrets carry 256 random bits (or, for
 * WAFT_ADMIN_TOKEN, at least 32 characters chosen by the operator), so nobody can search the
 * secret space from a leaked hash, and a slow password hash (scrypt, argon2) would only cost
 * time on every request without making anything safer.
 */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function hasScope(token: Pick<Token, 'scopes'>, scope: string): boolean {
  for (const held of token.scopes) {
    if (held === scope || held === 'admin' || IMPLIED[held]?.includes(scope)) return true;
  }
  return false;
}

// RFC 6750 b64token characters. A bearer value outside this shape is rejected before any lookup.
const BEARER_VALUE = /^[A-Za-z0-9\-._~+/]+=*$/;
const MIN_SECRET = 32;
const MAX_SECRET = 512;
/** lastUsedAt is written at most once per this interval per token, not on every request. */
export const TOUCH_INTERVAL_MS = 60_000;

/**
 * The user and token behind an `Authorization: Bearer <secret>` header. Errors never contain
 * the header's value. Secrets are never compared as such: the database looks up the sha256 of
 * what was sent, so the timing of that lookup can only reveal how the *hash* of the attacker's
 * own guess relates to stored hashes, which does not help find a secret (that would need sha256
 * preimages). That is why no timingSafeEqual appears here: there is no secret-dependent
 * comparison left to make constant-time.
 */
export async function authenticate(
  store: Store,
  authorizationHeader: string | undefined,
  now: number = Date.now(),
): Promise<{ user: User; token: Token }> {
  const header = authorizationHeader?.trim();
  if (!header) {
    throw new WaftError('WAFT_E_AUTH_MISSING', 'the request has no Authorization header');
  }
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') {
    const shown = /^[A-Za-z][A-Za-z0-9-]{0,20}$/.test(scheme) ? `the ${scheme} scheme` : 'an unknown scheme';
    throw new WaftError('WAFT_E_AUTH_INVALID', `the Authorization header uses ${shown}; waft expects "Bearer <token>"`);
  }
  const secret = header.slice(space + 1).trim();
  if (secret.length < MIN_SECRET || secret.length > MAX_SECRET || !BEARER_VALUE.test(secret)) {
    throw new WaftError('WAFT_E_AUTH_INVALID', 'the bearer token is not a well-formed waft token');
  }
  const hash = hashToken(secret);
  const found = await store.tokens.byHash(hash);
  if (!found) {
    throw new WaftError('WAFT_E_AUTH_INVALID', 'the bearer token is not known to this server');
  }
  const { user, ...token } = found;
  if (token.revokedAt !== null) {
    throw new WaftError('WAFT_E_AUTH_REVOKED', `token ${token.id} (${token.name}) was revoked`, { tokenId: token.id });
  }
  if (token.expiresAt !== null && token.expiresAt <= now) {
    throw new WaftError('WAFT_E_AUTH_EXPIRED', `token ${token.id} (${token.name}) expired`, { tokenId: token.id, expiresAt: token.expiresAt });
  }
  if (token.lastUsedAt === null || now - token.lastUsedAt >= TOUCH_INTERVAL_MS) {
    await store.tokens.touch(token.id, now);
    token.lastUsedAt = now;
  }
  return { user, token };
}

/**
 * Mints a token for a user: checks the scopes, stores only the hash, and returns the secret,
 * which is shown once and never again. Whether the caller may grant these scopes is the API's
 * business; this only refuses 'admin' for a user who is not an admin.
 */
export async function issueToken(
  store: Store,
  userId: string,
  options: { name: string; scopes: string[]; expiresAt?: number | null },
  secret: string = newTokenSecret(),
): Promise<{ token: Token; secret: string }> {
  const user = await store.users.get(userId);
  if (!user) throw new WaftError('WAFT_E_USER_NOT_FOUND', `cannot create a token for user ${userId}: no such user`, { userId });
  const unknown = options.scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length > 0) {
    throw new WaftError('WAFT_E_SCOPE_INVALID', `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => JSON.stringify(s)).join(', ')}`, { scopes: unknown });
  }
  if (options.scopes.length === 0) throw new WaftError('WAFT_E_SCOPE_INVALID', 'a token needs at least one scope');
  if (options.scopes.includes('admin') && !user.isAdmin) {
    throw new WaftError('WAFT_E_SCOPE_INVALID', `user ${user.name} is not an admin, so a token of theirs cannot have the admin scope`);
  }
  const name = options.name.trim();
  if (name.length === 0 || name.length > 100) throw new WaftError('WAFT_E_USAGE', 'a token name must be 1–100 characters');
  const scopes = [...new Set(options.scopes)];
  const token = await store.tokens.create(userId, { name, scopes, expiresAt: options.expiresAt ?? null }, hashToken(secret));
  return { token, secret };
}

const ADMIN_USER = 'admin';
const BOOTSTRAP_TOKEN_NAME = 'bootstrap';
const ENV_TOKEN_NAME = 'WAFT_ADMIN_TOKEN';

function checkEnvToken(envToken: string): void {
  if (envToken.length < MIN_SECRET || envToken.length > MAX_SECRET || !BEARER_VALUE.test(envToken)) {
    throw new WaftError('WAFT_E_ADMIN_TOKEN_INVALID', `WAFT_ADMIN_TOKEN is not usable as a bearer token (it has ${envToken.length} characters)`);
  }
}

/**
 * Makes sure a server can be administered.
 *
 * - Empty store: creates the admin user "admin" and an admin-scoped token whose secret is
 *   envToken (WAFT_ADMIN_TOKEN) or a fresh one; returns that secret.
 * - Users exist and no envToken: does nothing; secret is null.
 * - Users exist and envToken matches a stored token: does nothing, even when that token was
 *   revoked or has expired, so an operator's revocation is never undone by a restart.
 * - Users exist and envToken matches no token: the operator set it to get in, so it is stored
 *   as an admin-scoped token of the oldest admin user (user "admin" is created if there is no
 *   admin at all), and returned as the secret.
 *
 * `secret` is non-null exactly when this call stored a new token. Callers should print it only
 * when it was generated (envToken unset), since the operator already knows their own.
 */
export async function bootstrapAdmin(store: Store, envToken?: string): Promise<{ user: User; secret: string | null }> {
  const wanted = envToken?.trim() || undefined;
  if (wanted !== undefined) checkEnvToken(wanted);

  if ((await store.users.count()) === 0) {
    let user: User | null = null;
    try {
      user = await store.users.create(ADMIN_USER, true);
    } catch (err) {
      // Another server on the same database bootstrapped first; fall through to the checks below.
      if (!(err instanceof WaftError && err.code === 'WAFT_E_USER_EXISTS')) throw err;
    }
    if (user) {
      const { secret } = await issueToken(store, user.id, { name: BOOTSTRAP_TOKEN_NAME, scopes: ['admin'] }, wanted ?? newTokenSecret());
      return { user, secret };
    }
  }

  const admin = await oldestAdmin(store);
  if (wanted === undefined) {
    return { user: admin ?? (await store.users.list())[0], secret: null };
  }
  const existing = await store.tokens.byHash(hashToken(wanted));
  if (existing) return { user: existing.user, secret: null };
  const owner = admin ?? (await store.users.create(ADMIN_USER, true));
  const { secret } = await issueToken(store, owner.id, { name: ENV_TOKEN_NAME, scopes: ['admin'] }, wanted);
  return { user: owner, secret };
}

async function oldestAdmin(store: Store): Promise<User | null> {
  return (await store.users.list()).find((u) => u.isAdmin) ?? null;
}
