// Who may touch what. An app is reachable only by its owner; for anyone else it does not
// exist, with the very same error as an app that really does not exist.
import { WaftError } from '../../errors.ts';
import type { App, User, Version } from '../store/types.ts';
import { APP_NAME } from '../store/validate.ts';
import type { ApiRequest } from './router.ts';
import { integer, oneOf, string } from './schema.ts';

function noSuchApp(name: string): WaftError {
  const shown = name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return new WaftError('WAFT_E_APP_NOT_FOUND', `you have no app named ${JSON.stringify(shown)}`, { app: shown });
}

export function caller(r: ApiRequest): User {
  if (!r.auth) throw new WaftError('WAFT_E_INTERNAL', 'an authenticated endpoint ran without a caller');
  return r.auth.user;
}

/** The caller's app named in the path (`:app`). */
export async function ownedApp(r: ApiRequest): Promise<App> {
  const name = r.params.app;
  if (!APP_NAME.test(name)) throw noSuchApp(name);
  const app = await r.ctx.store.apps.byName(name);
  if (!app || app.ownerId !== caller(r).id) throw noSuchApp(name);
  return app;
}

/** A version named in a request body: its number (3, "3") or its id ("ver_…"), for findVersion(). */
export const versionRef = oneOf(integer({ min: 1 }), string({ min: 1, max: 100 }), (v) => typeof v === 'number');

/** A version of the app, by number ("3", 3) or id ("ver_…"). */
export async function findVersion(r: ApiRequest, app: App, ref: string | number): Promise<Version> {
  const text = String(ref);
  let version: Version | null = null;
  if (/^\d{1,15}$/.test(text)) {
    version = await r.ctx.store.versions.byNumber(app.id, Number(text));
  } else if (/^ver_[A-Za-z0-9]{1,64}$/.test(text)) {
    version = await r.ctx.store.versions.get(text);
    if (version && version.appId !== app.id) version = null;
  }
  if (!version) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new WaftError('WAFT_E_VERSION_NOT_FOUND', `app ${app.name} has no version ${JSON.stringify(shown)}`, { app: app.name, version: shown });
  }
  return version;
}
