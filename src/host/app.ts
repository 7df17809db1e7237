import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { WaftError } from '../errors.ts';
import { grantKey, type CapabilityGrant } from '../capabilities/abi/index.ts';
import type { KvBackendConfig } from '../capabilities/kv/index.ts';
import { expandTemplate, parseDotenv, Redactor, resolveVariables } from '../capabilities/variables/index.ts';
import { defaultRuntimeConfig, type KvStoreConfig, type RuntimeConfig } from '../manifest/runtime-config.ts';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';
import type { CompiledModule, ModuleCache } from '../wasm/cache.ts';
import { readModuleFile } from '../wasm/load.ts';
import { Admission } from '../triggers/http/admission.ts';
import type { GatewayApp, GatewayFunction } from '../triggers/http/gateway.ts';
import { Router, type RouteDef } from '../triggers/http/router.ts';

export interface LoadedApp extends GatewayApp {
  manifest: AppManifest;
  functions: Map<string, GatewayFunction>;
  /** Hides the values of secret variables: every log line and error message passes through it. */
  redactor: Redactor;
}

/** How this host provides what the app's functions are granted. */
export interface AppCapabilities {
  runtime: RuntimeConfig;
  /** Every app variable, resolved: name → value. */
  variables: Record<string, string>;
  /** Host name → addresses answered before DNS for outbound requests (tests, development). */
  resolve?: Record<string, string[]>;
}

/**
 * Compiles every function of a manifest and builds its router. Route conflicts and unreadable
 * modules fail here, at load time, never at request time. Admission state carries over from
 * `previous` for functions whose limits did not change, so a reload does not double concurrency.
 * `admissions` (another thread's appShare()) makes each function share that thread's admission
 * instead, so that the threads serving one app share its limits. Each function gets the
 * capability grant its manifest entry asks for: the runtime config defaults and the variables'
 * defaults when `capabilities` is not given.
 */
export async function loadApp(
  manifest: AppManifest, cache: ModuleCache, previous?: LoadedApp, capabilities?: AppCapabilities, admissions?: Record<string, SharedArrayBuffer>,
): Promise<LoadedApp> {
  const caps = capabilities ?? { runtime: defaultRuntimeConfig(manifest.dir), variables: defaultVariables(manifest) };
  const secrets = secretValues(manifest, caps.variables);
  const redactor = new Redactor(secrets);
  const functions = new Map<string, GatewayFunction>();
  const defs: RouteDef<GatewayFunction>[] = [];
  await Promise.all(manifest.functions.map(async (spec) => {
    const grant = grantFor(manifest, spec, caps, secrets);
    const fn: GatewayFunction = {
      target: {
        name: spec.name,
        module: await compileFunction(manifest, spec, cache),
        environment: spec.environment,
        preopens: spec.files.map((f) => ({ hostPath: f.source, guestPath: f.destination, readonly: true })),
        limits: spec.limits,
        grant: { key: grantKey(grant), value: grant },
        redact: redactor.empty ? undefined : (text) => redactor.redact(text),
      },
      admission: admissionFor(spec, previous?.functions.get(spec.name), admissions?.[spec.name]),
    };
    functions.set(spec.name, fn);
  }));
  for (const spec of manifest.functions) {
    spec.routes.forEach((pattern, i) => defs.push({
      pattern, name: spec.name, target: functions.get(spec.name)!,
      source: manifest.locate(['functions', spec.name, 'routes', String(i)]),
    }));
  }
  return { name: manifest.app.name, manifest, functions, router: new Router(defs), redactor };
}

/** What one function may reach: only the stores, hosts and variables its [functions.NAME] names. */
export function grantFor(manifest: AppManifest, spec: FunctionSpec, caps: AppCapabilities, secrets = secretValues(manifest, caps.variables)): CapabilityGrant {
  const stores: Record<string, KvBackendConfig> = {};
  for (const name of spec.keyValueStores) {
    const config = caps.runtime.keyValueStores[name];
    if (!config) {
      const at = manifest.locate(['functions', spec.name, 'key_value_stores']);
      throw new WaftError('WAFT_E_MANIFEST_STORE', `${at.file}:${at.line}:${at.column}: function "${spec.name}" uses key-value store "${name}", which the runtime config does not define; add [key_value_store.${name}] to it`, { ...at, store: name });
    }
    stores[name] = backendConfig(config);
  }
  const variables: Record<string, string> = {};
  for (const [binding, template] of Object.entries(spec.variables)) {
    const at = manifest.locate(['functions', spec.name, 'variables', binding]);
    variables[binding] = expandTemplate(template, caps.variables, `${at.file}:${at.line}:${at.column}: functions.${spec.name}.variables.${binding}`);
  }
  return {
    app: manifest.app.name, function: spec.name, stores, allowedOutboundHosts: spec.allowedOutboundHosts,
    outbound: { ...caps.runtime.outbound }, resolve: caps.resolve, variables, secrets,
  };
}

function backendConfig(store: KvStoreConfig): KvBackendConfig {
  const config: KvBackendConfig = { type: store.type, options: store.options };
  if (store.path !== undefined) config.path = store.path;
  if (store.url !== undefined) config.url = store.url;
  return config;
}

function defaultVariables(manifest: AppManifest): Record<string, string> {
  return resolveVariables(manifest.variables, { cli: {}, env: {}, dotenv: {} }).values;
}

/** The values of secret variables, longest first (so that one inside another is still hidden). */
function secretValues(manifest: AppManifest, values: Record<string, string>): string[] {
  const out = Object.values(manifest.variables)
    .filter((v) => v.secret && values[v.name] !== undefined && values[v.name] !== '')
    .map((v) => values[v.name]);
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

export interface VariableSources {
  /** `--var name=value`: wins over every other source. */
  vars?: Record<string, string>;
  /** Where WAFT_VAR_<NAME> is read (default process.env). */
  env?: Record<string, string | undefined>;
  /** A .env file; by default APPDIR/.env when it exists; null for none. */
  envFile?: string | null;
}

/**
 * Every app variable's value, from (first wins) --var, WAFT_VAR_<NAME> in the environment, the
 * .env file and the default in [variables]. A required variable without a value is
 * WAFT_E_VARIABLE_MISSING at its line in waft.toml, at load time.
 */
export async function resolveAppVariables(manifest: AppManifest, sources: VariableSources): Promise<Record<string, string>> {
  let dotenv: Record<string, string> = {};
  if (sources.envFile !== null) {
    const file = resolvePath(sources.envFile ?? join(manifest.dir, '.env'));
    let text: string | null = null;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (sources.envFile !== undefined) throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${file}: no such .env file; check --env-file`, { file });
    }
    if (text !== null) dotenv = parseDotenv(text, file);
  }
  try {
    return resolveVariables(manifest.variables, { cli: sources.vars ?? {}, env: sources.env ?? process.env, dotenv }).values;
  } catch (err) {
    const name = err instanceof WaftError && err.code === 'WAFT_E_VARIABLE_MISSING' ? err.details?.variable : undefined;
    const at = typeof name === 'string' ? manifest.variables[name]?.position : undefined;
    if (!at) throw err;
    const e = err as WaftError;
    throw new WaftError(e.code, `${at.file}:${at.line}:${at.column}: ${e.message}`, { ...e.details, ...at });
  }
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

/** What another thread that serves the same app takes from this one's load (it can be posted). */
export interface AppShare {
  /** Each function's admission state (see loadApp). */
  admissions: Record<string, SharedArrayBuffer>;
  /** The compiled modules, for the other thread's ModuleCache: it need not compile them again. */
  modules: CompiledModule[];
}

export function appShare(app: LoadedApp): AppShare {
  const share: AppShare = { admissions: {}, modules: [] };
  for (const [name, fn] of app.functions) {
    share.admissions[name] = fn.admission.shared;
    share.modules.push(fn.target.module);
  }
  return share;
}

function admissionFor(spec: FunctionSpec, old: GatewayFunction | undefined, shared: SharedArrayBuffer | undefined): Admission {
  if (shared) return new Admission(spec.limits.concurrency, spec.limits.queue, shared);
  const a = old?.admission;
  if (a && a.concurrency === spec.limits.concurrency && a.queueLimit === spec.limits.queue) return a;
  return new Admission(spec.limits.concurrency, spec.limits.queue);
}
