// The API's routing table: METHOD /api/v1/a/:param/b → handler, with the scope it needs.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WaftError } from '../../errors.ts';
import type { Token, User } from '../store/types.ts';
import type { ServerContext } from '../context.ts';

export interface ApiRequest {
  ctx: ServerContext;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
  requestId: string;
  /** Null only on public endpoints. */
  auth: { user: User; token: Token } | null;
}

/** null: public; 'any': any valid token; otherwise the scope the token must hold. */
export type RouteScope = null | 'any' | string;

export interface ApiRoute {
  method: string;
  /** As written, e.g. "/api/v1/apps/:app/versions/:version"; also the metrics label. */
  pattern: string;
  scope: RouteScope;
  handler: (r: ApiRequest) => Promise<void>;
}

interface Compiled extends ApiRoute {
  segments: string[];
}

export interface RouteMatch {
  route: ApiRoute;
  params: Record<string, string>;
}

export class ApiRouter {
  readonly #routes: Compiled[];

  constructor(routes: ApiRoute[]) {
    this.#routes = routes.map((r) => ({ ...r, segments: r.pattern.split('/').slice(1) }));
  }

  /** The route for this method and path; 404 or 405 errors otherwise. */
  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.split('/').slice(1);
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const list = [...allowed].sort();
      throw new WaftError('WAFT_E_METHOD_NOT_ALLOWED', `${method} is not allowed on ${pathname.slice(0, 200)}; it takes ${list.join(', ')}`, { allow: list });
    }
    throw new WaftError('WAFT_E_API_NOT_FOUND', `no API endpoint at ${pathname.slice(0, 200)}; see docs/api.md`, { path: pathname.slice(0, 200) });
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith(':')) {
      if (parts[i] === '') return null;
      let value: string;
      try {
        value = decodeURIComponent(parts[i]);
      } catch {
        return null;
      }
      params[p.slice(1)] = value;
    } else if (p !== parts[i]) {
      return null;
    }
  }
  return params;
}
