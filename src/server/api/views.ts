// How records look on the wire (docs/api.md): the store's records, trimmed and joined.
import { parseManifest } from '../../manifest/index.ts';
import { appUrls, type ServerContext } from '../context.ts';
import type { App, Deployment, LogEntry, Token, User, Version } from '../store/types.ts';

export function userView(u: User) {
  return { id: u.id, name: u.name, admin: u.isAdmin, createdAt: u.createdAt };
}

export function tokenView(t: Token) {
  return {
    id: t.id, userId: t.userId, name: t.name, scopes: t.scopes,
    createdAt: t.createdAt, expiresAt: t.expiresAt, revokedAt: t.revokedAt, lastUsedAt: t.lastUsedAt,
  };
}

/** Version numbers by id; versions are immutable, so this never goes stale (ids are never reused). */
const numbers = new Map<string, number>();

export async function versionNumber(ctx: ServerContext, versionId: string | null): Promise<number | null> {
  if (versionId === null) return null;
  const known = numbers.get(versionId);
  if (known !== undefined) return known;
  const v = await ctx.store.versions.get(versionId);
  if (!v) return null;
  remember(v);
  return v.number;
}

function remember(v: Version): void {
  if (numbers.size > 100_000) numbers.clear();
  numbers.set(v.id, v.number);
}

export async function appView(ctx: ServerContext, app: App) {
  return {
    id: app.id, name: app.name, ownerId: app.ownerId, createdAt: app.createdAt,
    activeVersion: app.activeVersionId === null ? null : { id: app.activeVersionId, number: await versionNumber(ctx, app.activeVersionId) },
    urls: appUrls(ctx, app.name),
  };
}

const functionsCache = new Map<string, { name: string; routes: string[] }[]>();

function functionsOf(v: Version): { name: string; routes: string[] }[] {
  let fns = functionsCache.get(v.id);
  if (!fns) {
    try {
      fns = parseManifest(v.manifest, '/version/waft.toml').functions.map((f) => ({ name: f.name, routes: [...f.routes] }));
    } catch {
      fns = [];
    }
    if (functionsCache.size > 10_000) functionsCache.clear();
    functionsCache.set(v.id, fns);
  }
  return fns;
}

export function versionView(app: App, v: Version, full: boolean) {
  remember(v);
  const files = Object.values(v.files);
  const base = {
    id: v.id, app: app.name, number: v.number, createdAt: v.createdAt, createdBy: v.createdBy,
    active: app.activeVersionId === v.id, fileCount: files.length, size: files.reduce((n, f) => n + f.size, 0),
    functions: functionsOf(v),
  };
  return full ? { ...base, manifest: v.manifest, files: v.files } : base;
}

export async function deploymentView(ctx: ServerContext, d: Deployment) {
  return { id: d.id, version: await versionNumber(ctx, d.versionId), versionId: d.versionId, kind: d.kind, createdAt: d.createdAt, createdBy: d.createdBy };
}

export async function logView(ctx: ServerContext, e: LogEntry) {
  return {
    id: e.id, time: e.time, level: e.level, source: e.source, function: e.function,
    version: await versionNumber(ctx, e.versionId), versionId: e.versionId, requestId: e.requestId, message: e.message,
  };
}
