import { resolve } from 'node:path';
import { readFiles } from './files.ts';
import { checkOutboundHost } from './hosts.ts';
import { checkKeys, formatKey, formatTable, isTable, typeProblem, type Issues } from './issues.ts';
import { limitKeys, readLimits } from './limits.ts';
import { envNamePattern, nameProblem } from './names.ts';
import { routeProblem } from './routes.ts';
import { readBindings } from './variables.ts';
import type { BuildSpec, FunctionSpec } from './types.ts';

const functionKeys = [
  'source',
  'route',
  'routes',
  'build',
  'environment',
  'files',
  'key_value_stores',
  'allowed_outbound_hosts',
  'variables',
  'limits',
] as const;

/** Names other tools use for keys waft spells differently. */
const aliases: Record<string, string> = {
  env: 'environment',
  wasm: 'source',
  module: 'source',
  path: 'route',
  allowed_http_hosts: 'allowed_outbound_hosts',
  outbound_hosts: 'allowed_outbound_hosts',
  kv: 'key_value_stores',
  kv_stores: 'key_value_stores',
  config: 'variables',
};

/** Reads [functions.NAME]; problems go to `issues` (which the caller throws), null when it is not a table. */
export function readFunction(issues: Issues, dir: string, name: string, value: unknown, declaredVariables: readonly string[]): FunctionSpec | null {
  const path = ['functions', name];
  const add = issues.add.bind(issues);
  const problem = nameProblem(name);
  if (problem !== null) add('WAFT_E_MANIFEST_NAME', path, `function name ${JSON.stringify(name)} ${problem}`);
  if (!isTable(value)) {
    const text = (functionKeys as readonly string[]).includes(name)
      ? `"${name}" sits directly under [functions]; it belongs to one function: [functions.NAME] then ${name} = ...`
      : typeProblem(path, `a table ([functions.${name}])`, value, `[functions.${name}] with source = "${name}.wasm" and route = "/${name}"`);
    add('WAFT_E_MANIFEST_TYPE', path, text);
    return null;
  }
  const misspelt = checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', value, path, functionKeys, (key) => {
    if ((limitKeys as readonly string[]).includes(key)) return `"${key}" is a limit; move it under [functions.${name}.limits]`;
    if (key in aliases) return `did you mean "${aliases[key]}"?`;
    return null;
  });
  for (const key of Object.keys(value)) if (key in aliases) misspelt.add(aliases[key]);

  const at = (key: string) => [...path, key];
  const string = (key: string, example: string): string | null => {
    const raw = value[key];
    if (raw === undefined) return null;
    if (typeof raw === 'string') return raw;
    add('WAFT_E_MANIFEST_TYPE', at(key), typeProblem(at(key), 'a string', raw, example));
    return null;
  };
  /** The string elements of an array key, each with its index as written. */
  const strings = (key: string, example: string): [number, string][] => {
    const raw = value[key];
    if (raw === undefined) return [];
    if (!Array.isArray(raw)) {
      add('WAFT_E_MANIFEST_TYPE', at(key), typeProblem(at(key), 'an array of strings', raw, example));
      return [];
    }
    const out: [number, string][] = [];
    raw.forEach((item: unknown, index) => {
      const itemAt = [...at(key), String(index)];
      if (typeof item === 'string') out.push([index, item]);
      else add('WAFT_E_MANIFEST_TYPE', itemAt, typeProblem(itemAt, 'a string', item, example));
    });
    return out;
  };

  // source
  let source = '';
  const rawSource = string('source', `source = "${name}.wasm"`);
  if (value.source === undefined) {
    if (!misspelt.has('source')) add('WAFT_E_MANIFEST_MISSING', path, `${formatTable(path)} has no "source"; add source = "${name}.wasm" (the module's path, relative to waft.toml)`);
  } else if (rawSource === '') {
    add('WAFT_E_MANIFEST_MISSING', at('source'), `${formatKey(at('source'))} is empty; name the module's path, relative to waft.toml, e.g. "${name}.wasm"`);
  } else if (rawSource !== null) {
    source = resolve(dir, rawSource);
  }

  // route / routes
  const routes: string[] = [];
  if (value.route !== undefined && value.routes !== undefined) {
    add('WAFT_E_MANIFEST_ROUTE', at('routes'), `${formatTable(path)} sets both "route" and "routes"; keep one: route = "/a" for one path, routes = ["/a", "/b"] for several`);
  } else if (value.route === undefined && value.routes === undefined) {
    if (!misspelt.has('route') && !misspelt.has('routes')) add('WAFT_E_MANIFEST_MISSING', path, `${formatTable(path)} has no "route"; add route = "/${name}" (or routes = ["/a", "/b"])`);
  } else {
    const written: [string[], string][] = [];
    const single = string('route', `route = "/${name}"`);
    if (single !== null) written.push([at('route'), single]);
    if (value.routes !== undefined) {
      if (Array.isArray(value.routes) && value.routes.length === 0) {
        add('WAFT_E_MANIFEST_MISSING', at('routes'), `${formatKey(at('routes'))} is empty; list at least one route, e.g. routes = ["/${name}"]`);
      }
      for (const [index, route] of strings('routes', 'routes = ["/a", "/b/:id"]')) written.push([[...at('routes'), String(index)], route]);
    }
    for (const [routeAt, route] of written) {
      const problem = routeProblem(route);
      if (problem !== null) add('WAFT_E_MANIFEST_ROUTE', routeAt, `route ${JSON.stringify(route)} ${problem}`);
      else if (routes.includes(route)) add('WAFT_E_MANIFEST_DUPLICATE', routeAt, `route ${JSON.stringify(route)} is listed twice in ${formatKey(at('routes'))}; remove one`);
      else routes.push(route);
    }
  }

  // build
  let build: BuildSpec | null = null;
  const rawBuild = value.build;
  if (typeof rawBuild === 'string') {
    if (rawBuild.trim() === '') add('WAFT_E_MANIFEST_MISSING', at('build'), `${formatKey(at('build'))} is empty; write the command that builds ${value.source ?? 'the module'}, or remove the key`);
    else build = { command: rawBuild, workdir: dir, watch: [] };
  } else if (isTable(rawBuild)) {
    const buildAt = at('build');
    checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', rawBuild, buildAt, ['command', 'workdir', 'watch']);
    const command = rawBuild.command;
    let workdir = dir;
    let watch: string[] = [];
    if (rawBuild.workdir !== undefined) {
      if (typeof rawBuild.workdir === 'string') workdir = resolve(dir, rawBuild.workdir);
      else add('WAFT_E_MANIFEST_TYPE', [...buildAt, 'workdir'], typeProblem([...buildAt, 'workdir'], 'a string', rawBuild.workdir, 'workdir = "src"'));
    }
    if (rawBuild.watch !== undefined) {
      const watchAt = [...buildAt, 'watch'];
      if (Array.isArray(rawBuild.watch) && rawBuild.watch.every((w: unknown) => typeof w === 'string')) watch = rawBuild.watch as string[];
      else add('WAFT_E_MANIFEST_TYPE', watchAt, typeProblem(watchAt, 'an array of strings', rawBuild.watch, 'watch = ["src/**/*.c"]'));
    }
    if (command === undefined) {
      add('WAFT_E_MANIFEST_MISSING', buildAt, `${formatKey(buildAt)} has no "command"; add command = "make" (run in workdir, default the app directory)`);
    } else if (typeof command !== 'string') {
      add('WAFT_E_MANIFEST_TYPE', [...buildAt, 'command'], typeProblem([...buildAt, 'command'], 'a string', command, 'command = "make"'));
    } else if (command.trim() === '') {
      add('WAFT_E_MANIFEST_MISSING', [...buildAt, 'command'], `${formatKey([...buildAt, 'command'])} is empty; write the command that builds the module`);
    } else {
      build = { command, workdir, watch };
    }
  } else if (rawBuild !== undefined) {
    add('WAFT_E_MANIFEST_TYPE', at('build'), typeProblem(at('build'), 'a string or a table', rawBuild, 'build = "make" or build = { command = "make", workdir = "src", watch = ["*.c"] }'));
  }

  // environment
  const environment: [string, string][] = [];
  const rawEnv = value.environment;
  if (isTable(rawEnv)) {
    for (const [key, val] of Object.entries(rawEnv)) {
      const envAt = [...at('environment'), key];
      if (!envNamePattern.test(key)) {
        add('WAFT_E_MANIFEST_NAME', envAt, `environment variable name ${JSON.stringify(key)} must use letters, digits and "_" and not start with a digit`);
      } else if (typeof val !== 'string') {
        const shown = typeof val === 'number' || typeof val === 'boolean' ? `"${val}"` : '"..."';
        add('WAFT_E_MANIFEST_TYPE', envAt, `${typeProblem(envAt, 'a string', val, `${key} = ${shown}`)} (environment values are always strings)`);
      } else {
        environment.push([key, val]);
      }
    }
  } else if (rawEnv !== undefined) {
    add('WAFT_E_MANIFEST_TYPE', at('environment'), typeProblem(at('environment'), 'a table', rawEnv, 'environment = { GREETING = "hi" }'));
  }

  const files = readFiles(issues, dir, value.files, at('files'));

  // key_value_stores
  const keyValueStores: string[] = [];
  for (const [index, store] of strings('key_value_stores', 'key_value_stores = ["default"]')) {
    const problem = nameProblem(store);
    const storeAt = [...at('key_value_stores'), String(index)];
    if (problem !== null) add('WAFT_E_MANIFEST_NAME', storeAt, `key-value store name ${JSON.stringify(store)} ${problem}`);
    else if (keyValueStores.includes(store)) add('WAFT_E_MANIFEST_DUPLICATE', storeAt, `key-value store "${store}" is listed twice in ${formatKey(at('key_value_stores'))}; remove one`);
    else keyValueStores.push(store);
  }

  // allowed_outbound_hosts
  const allowedOutboundHosts: string[] = [];
  for (const [index, entry] of strings('allowed_outbound_hosts', 'allowed_outbound_hosts = ["https://api.example.com"]')) {
    const checked = checkOutboundHost(entry);
    const hostAt = [...at('allowed_outbound_hosts'), String(index)];
    if (!checked.ok) add('WAFT_E_MANIFEST_OUTBOUND_HOST', hostAt, `allowed outbound host ${JSON.stringify(entry)} ${checked.problem}`);
    else if (allowedOutboundHosts.includes(checked.entry)) add('WAFT_E_MANIFEST_DUPLICATE', hostAt, `allowed outbound host ${JSON.stringify(entry)} is listed twice; remove one`);
    else allowedOutboundHosts.push(checked.entry);
  }

  const variables = readBindings(issues, value.variables, at('variables'), declaredVariables);
  const limits = readLimits(issues, value.limits, at('limits'));

  return {
    name,
    source,
    routes,
    build,
    environment: Object.fromEntries(environment),
    files,
    limits,
    keyValueStores,
    allowedOutboundHosts,
    variables,
    position: issues.locator.locate(path),
  };
}
