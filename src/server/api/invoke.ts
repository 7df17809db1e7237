// POST /api/v1/apps/:app/invoke: one request through a function, its output returned as JSON.
import { isUtf8 } from 'node:buffer';
import { WaftError } from '../../errors.ts';
import { HEALTH_PATH, type Completed } from '../../triggers/http/gateway.ts';
import { asServerResponse, CollectedResponse, invocationRequest, type InvokeTarget } from '../invoke.ts';
import type { ServedApp } from '../runtime.ts';
import { findVersion, ownedApp, versionRef } from './access.ts';
import { readJson, sendJson } from './http.ts';
import type { ApiRoute } from './router.ts';
import { invalid, literal, object, optional, record, string } from './schema.ts';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** The most stderr lines an invocation returns. */
const MAX_LOG_LINES = 1000;

const invokeBody = object({
  function: optional(string({ min: 1, max: 63 })),
  path: optional(string({ min: 1, max: 8192, pattern: /^\/[^\s]*$/, patternText: 'a path starting with "/", without spaces' })),
  method: optional(string({ min: 1, max: 20, pattern: TOKEN, patternText: 'an HTTP method such as GET or POST' })),
  headers: optional(record(string({ max: 8192 }), {
    maxKeys: 100,
    key: (name, field) => { if (!TOKEN.test(name) || name.length > 256) throw invalid(field, 'is not a valid header name'); },
  })),
  body: optional(string()),
  bodyEncoding: optional(literal(['utf8', 'base64'] as const)),
  version: optional(versionRef),
});

/** The path that reaches a function's first route: ":param" segments as written, a final "/..." as "/". */
function pathOfRoute(route: string): string {
  if (route === '/...') return '/';
  return route.endsWith('/...') ? route.slice(0, -3) : route;
}

export const invokeRoutes: ApiRoute[] = [
  {
    method: 'POST', pattern: '/api/v1/apps/:app/invoke', scope: 'deploy',
    async handler(r) {
      const { ctx } = r;
      const app = await ownedApp(r);
      const body = invokeBody.parse(await readJson(r.req, ctx.limits.maxInvokeJsonBytes), 'body');
      for (const value of Object.values(body.headers ?? {})) {
        if (/[\r\n\0]/.test(value)) throw invalid('body.headers', 'a header value holds CR, LF or NUL');
      }

      let served: ServedApp;
      const slot = ctx.runtime.lookup(app.name);
      if (body.version !== undefined) {
        served = await ctx.runtime.load(await findVersion(r, app, body.version), app.name, slot?.active ?? null);
      } else if (slot?.active && slot.active.appId === app.id) {
        served = slot.active;
      } else if (slot?.loadError) {
        throw slot.loadError;
      } else {
        throw new WaftError('WAFT_E_APP_NOT_DEPLOYED', `app ${app.name} has no deployed version; deploy one, or name a version to invoke`, { app: app.name });
      }

      if (body.function !== undefined && !served.functions.has(body.function)) {
        throw new WaftError('WAFT_E_FUNCTION_NOT_FOUND', `version ${served.versionNumber} of app ${app.name} has no function ${JSON.stringify(body.function)}; it has ${[...served.functions.keys()].join(', ')}`, {
          function: body.function, functions: [...served.functions.keys()],
        });
      }
      let path = body.path;
      if (path === undefined) {
        const first = body.function !== undefined ? served.manifest.functions.find((f) => f.name === body.function)?.routes[0] : undefined;
        path = first !== undefined ? pathOfRoute(first) : '/';
      }
      if (path.startsWith('/.well-known/waft/')) throw invalid('body.path', 'paths under /.well-known/waft/ belong to waft, not to the app');
      if (body.function !== undefined) {
        const q = path.indexOf('?');
        const match = served.router.match(q < 0 ? path : path.slice(0, q));
        if (match && match.name !== body.function) {
          throw invalid('body.path', `${JSON.stringify(path.slice(0, 200))} routes to function ${JSON.stringify(match.name)}, not ${JSON.stringify(body.function)}`);
        }
      }

      let bytes: Uint8Array;
      const text = body.body ?? '';
      if ((body.bodyEncoding ?? 'utf8') === 'base64') {
        const compact = text.replace(/\s+/g, '');
        if (!BASE64.test(compact) || compact.length % 4 === 1) throw invalid('body.body', 'is not valid base64');
        bytes = Buffer.from(compact, 'base64');
      } else {
        bytes = Buffer.from(text, 'utf8');
      }
      const method = (body.method ?? (bytes.byteLength > 0 ? 'POST' : 'GET')).toUpperCase();

      const res = new CollectedResponse(ctx.limits.maxInvokeReplyBytes);
      const logs: string[] = [];
      const completed = await new Promise<Completed>((resolve) => {
        const target: InvokeTarget = { app: served, path, logs, done: resolve };
        const req = invocationRequest({
          method, path, headers: body.headers ?? {}, body: bytes, host: `${app.name}.${ctx.domain}`, port: ctx.address.port,
        }, target);
        ctx.gateway.handle(req, asServerResponse(res));
      });
      const out = res.body();
      const utf8 = isUtf8(out);
      const o = completed.outcome;
      sendJson(r.res, 200, {
        requestId: completed.requestId, function: completed.function, version: served.versionNumber,
        status: res.statusCode, headers: res.headers,
        body: Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString(utf8 ? 'utf8' : 'base64'), bodyEncoding: utf8 ? 'utf8' : 'base64',
        ...(res.truncated ? { truncated: true } : {}),
        error: completed.error ? { code: completed.error.code, message: completed.error.message } : null,
        usage: o?.usage ? {
          wallMs: o.usage.wallMs, cpuMs: o.usage.cpuMs, peakMemoryBytes: o.usage.peakMemoryBytes, bytesIn: o.bytesIn, bytesOut: o.bytesOut,
        } : null,
        logs,
      });
    },
  },
];

/** Adds a stderr line to an invocation's reply (bounded). */
export function invocationLog(target: InvokeTarget, line: string): void {
  if (target.logs.length < MAX_LOG_LINES) target.logs.push(line);
}
