import { WaftError } from '../errors.ts';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';
import type { ModuleCache } from '../wasm/cache.ts';
import { readModuleFile } from '../wasm/load.ts';
import { Admission } from '../triggers/http/admission.ts';
import type { GatewayApp, GatewayFunction } from '../triggers/http/gateway.ts';
import { Router, type RouteDef } from '../triggers/http/router.ts';

export interface LoadedApp extends GatewayApp {
  manifest: AppManifest;
  functions: Map<string, GatewayFunction>;
}

/**
 * Compiles every function of a manifest and builds its router. Route conflicts and unreadable
 * modules fail here, at load time, never at request time. Admission state carries over from
 * `previous` for functions whose limits did not change, so a reload does not double concurrency.
 */
export async function loadApp(manifest: AppManifest, cache: ModuleCache, previous?: LoadedApp): Promise<LoadedApp> {
  const functions = new Map<string, GatewayFunction>();
  const defs: RouteDef<GatewayFunction>[] = [];
  await Promise.all(manifest.functions.map(async (spec) => {
    const fn: GatewayFunction = {
      target: {
        name: spec.name,
        module: await compileFunction(manifest, spec, cache),
        environment: spec.environment,
        preopens: spec.files.map((f) => ({ hostPath: f.source, guestPath: f.destination, readonly: true })),
        limits: spec.limits,
      },
      admission: reuseAdmission(previous?.functions.get(spec.name), spec),
    };
    functions.set(spec.name, fn);
  }));
  for (const spec of manifest.functions) {
    spec.routes.forEach((pattern, i) => defs.push({
      pattern, name: spec.name, target: functions.get(spec.name)!,
      source: manifest.locate(['functions', spec.name, 'routes', String(i)]),
    }));
  }
  return { name: manifest.app.name, manifest, functions, router: new Router(defs) };
}

async function compileFunction(manifest: AppManifest, spec: FunctionSpec, cache: ModuleCache) {
  try {
    return await cache.compile(await readModuleFile(spec.source));
  } catch (err) {
    const e = WaftError.wrap(err);
    const at = manifest.locate(['functions', spec.name, 'source']);
    const where = `${at.file}:${at.line}:${at.column}: function "${spec.name}"`;
    if (e.code === 'WAFT_E_FILE_NOT_FOUND' && spec.build) {
      throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${where}: ${spec.source} does not exist yet; run \`waft build\` (or \`waft up --build\`) to build it`, { ...e.details, ...at });
    }
    throw new WaftError(e.code, `${where}: ${e.message}`, { ...e.details, ...at });
  }
}

function reuseAdmission(old: GatewayFunction | undefined, spec: FunctionSpec): Admission {
  const a = old?.admission;
  if (a && a.concurrency === spec.limits.concurrency && a.queueLimit === spec.limits.queue) return a;
  return new Admission(spec.limits.concurrency, spec.limits.queue);
}
