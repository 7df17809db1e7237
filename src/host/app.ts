import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { WaftError } from '../errors.ts';
import { grantKey, type CapabilityGrant } from '../capabilities/abi/index.ts';
import type { KvBackendConfig } from '../capabilities/kv/index.ts';
import { defaultRuntimeConfig, type KvStoreConfig, type RuntimeConfig } from '../manifest/runtime-config.ts';
import { parseTemplate, renderTemplate } from '../manifest/templates.ts';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';
import type { ModuleCache } from '../wasm/cache.ts';
import { readModuleFile } from '../wasm/load.ts';
import { Admission } from '../triggers/http/admission.ts';
import type { GatewayApp, GatewayFunction } from '../triggers/http/gateway.ts';
import { Router, type RouteDef } from '../triggers/http/router.ts';

export interface LoadedApp extends GatewayApp {
  manifest: AppManifest;
  functions: Map<string, GatewayFunction>;
  /** Values of secret variables: kept out of every log line and error message. */
  secrets: string[];
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
 * Each function gets the capability grant its manifest entry asks for: the runtime config
 * defaults and the variables' defaults when `capabilities` is not given.
 */
export async function loadApp(manifest: AppManifest, cache: ModuleCache, previous?: LoadedApp, capabilities?: AppCapabilities): Promise<LoadedApp> {
  const caps = capabilities ?? { runtime: defaultRuntimeConfig(manifest.dir), variables: defaultVariables(manifest) };
  const secrets = secretValues(manifest, caps.variables);
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
        redact: secrets.length > 0 ? (text) => redact(text, secrets) : undefined,
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
  return { name: manifest.app.name, manifest, functions, router: new Router(defs), secrets };
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
    const parsed = parseTemplate(template);
    const at = manifest.locate(['functions', spec.name, 'variables', binding]);
    const where = `${at.file}:${at.line}:${at.column}: function "${spec.name}"`;
    if (!parsed.ok) throw new WaftError('WAFT_E_TEMPLATE_INVALID', `${where}: variables.${binding} ${parsed.problem}`, { ...at });
    const missing = parsed.references.find((name) => caps.variables[name] === undefined);
    if (missing !== undefined) {
      throw new WaftError('WAFT_E_VARIABLE_MISSING', `${where}: variables.${binding} needs variable "${missing}", which has no value; set WAFT_VAR_${missing.toUpperCase()} in the environment, add ${missing}=... to .env, or pass --var ${missing}=...`, { ...at, variable: missing });
    }
    variables[binding] = renderTemplate(parsed.parts, caps.variables);
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
  const out: Record<string, string> = {};
  for (const v of Object.values(manifest.variables)) if (v.default !== null) out[v.name] = v.default;
  return out;
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
 * .env file (`name=value` or `WAFT_VAR_NAME=value` lines) and the default in [variables]. A
 * required variable without a value is WAFT_E_VARIABLE_MISSING at its line in waft.toml.
 */
export async function resolveAppVariables(manifest: AppManifest, sources: VariableSources): Promise<Record<string, string>> {
  const declared = manifest.variables;
  for (const name of Object.keys(sources.vars ?? {})) {
    if (!Object.hasOwn(declared, name)) {
      const known = Object.keys(declared);
      throw new WaftError('WAFT_E_VARIABLE_UNKNOWN', `--var ${name}: ${manifest.file} declares no variable "${name}" under [variables]${known.length ? ` (it declares ${known.map((k) => `"${k}"`).join(', ')})` : ''}`, { variable: name });
    }
  }
  const dotenvFile = sources.envFile === undefined ? join(manifest.dir, '.env') : sources.envFile;
  let dotenv: Map<string, string> = new Map();
  if (dotenvFile !== null && (sources.envFile !== undefined || existsSync(dotenvFile))) dotenv = await readDotenv(resolvePath(dotenvFile));
  const env = sources.env ?? process.env;
  const out: Record<string, string> = {};
  for (const v of Object.values(declared)) {
    const envName = `WAFT_VAR_${v.name.toUpperCase()}`;
    const value = sources.vars?.[v.name] ?? env[envName] ?? dotenv.get(v.name) ?? dotenv.get(envName) ?? v.default ?? undefined;
    if (value === undefined) {
      const at = v.position;
      throw new WaftError('WAFT_E_VARIABLE_MISSING', `${at.file}:${at.line}:${at.column}: variable "${v.name}" is required and has no value; set ${envName} in the environment, add ${v.name}=... to ${dotenvFile ?? '.env'}, or pass --var ${v.name}=...`, { ...at, variable: v.name });
    }
    out[v.name] = value;
  }
  return out;
}

/** KEY=value lines; `export ` prefixes, '…' and "…" quotes and # comments are understood. */
async function readDotenv(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${file}: no such .env file; check --env-file`, { file });
    throw err;
  }
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new WaftError('WAFT_E_DOTENV_SYNTAX', `${file}:${i + 1}: the line is not KEY=value (its text is not repeated here: it may hold a secret)`, { file, line: i + 1 });
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    } else if (q === '"' || q === "'") {
      throw new WaftError('WAFT_E_DOTENV_SYNTAX', `${file}:${i + 1}: the value of ${m[1]} opens a ${q} quote it does not close`, { file, line: i + 1 });
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out.set(m[1], value);
  });
  return out;
}

export function redact(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join('***');
  return text;
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
