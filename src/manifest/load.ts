import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { WaftError, type ErrorCode } from '../errors.ts';
import { readFunction } from './function.ts';
import { checkKeys, displayPath, formatKey, isTable, Issues, Locator, typeProblem, type Table } from './issues.ts';
import { appNameProblem } from './names.ts';
import { readAppVariables } from './variables.ts';
import type { AppManifest, FunctionSpec } from './types.ts';

export const manifestFileName = 'waft.toml';
export const manifestVersion = 1;

const topKeys = ['manifest_version', 'app', 'variables', 'functions'];
const topAliases: Record<string, string> = {
  application: 'app',
  component: 'functions',
  components: 'functions',
  function: 'functions',
  spin_manifest_version: 'manifest_version',
};

/** Parses TOML text; syntax errors become `code` errors at the parser's line and column. */
export function parseToml(text: string, file: string, code: ErrorCode): Table {
  try {
    return parse(text) as Table;
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const reason = err.message.replace(/^Invalid TOML document: /, '').split('\n')[0];
    const where = { file, line: err.line, column: err.column, key: '' };
    const message = `${displayPath(file)}:${err.line}:${err.column}: invalid TOML: ${reason}`;
    throw new WaftError(code, message, { ...where, errors: [{ code, message, ...where }] });
  }
}

/** Parses and validates waft.toml text. `file` is its absolute path: relative paths resolve from its directory. */
export function parseManifest(text: string, file: string): AppManifest {
  file = resolve(file);
  const dir = dirname(file);
  const doc = parseToml(text, file, 'WAFT_E_MANIFEST_SYNTAX');
  const locator = new Locator(text, file);
  const issues = new Issues(locator);

  const misspelt = checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', doc, [], topKeys, (key) => {
    if (key in topAliases) return `did you mean "${topAliases[key]}"?`;
    if (key === 'name' || key === 'version' || key === 'description') return `${key} belongs under [app]: put it after the [app] line`;
    return null;
  });
  for (const key of Object.keys(doc)) if (key in topAliases) misspelt.add(topAliases[key]);

  const version = doc.manifest_version;
  if (version !== undefined && version !== manifestVersion) {
    const code = typeof version === 'number' ? 'WAFT_E_MANIFEST_VERSION' : 'WAFT_E_MANIFEST_TYPE';
    issues.add(code, ['manifest_version'], `manifest_version is ${JSON.stringify(version)}, but this waft reads manifest_version = ${manifestVersion}; write manifest_version = ${manifestVersion} or leave the key out`);
  }

  const app = readApp(issues, doc.app, misspelt.has('app'));
  const declared = isTable(doc.variables) ? Object.keys(doc.variables) : [];
  const variables = readAppVariables(issues, doc.variables);
  const functions: FunctionSpec[] = [];
  const rawFunctions = doc.functions;
  if (rawFunctions === undefined || (isTable(rawFunctions) && Object.keys(rawFunctions).length === 0)) {
    if (!misspelt.has('functions')) issues.add('WAFT_E_MANIFEST_MISSING', ['functions'], 'the app has no functions; add one: [functions.hello] with source = "hello.wasm" and route = "/hello"');
  } else if (!isTable(rawFunctions)) {
    const text = Array.isArray(rawFunctions)
      ? 'functions must be a table of named functions: write [functions.hello], not [[functions]]'
      : typeProblem(['functions'], 'a table', rawFunctions, '[functions.hello]');
    issues.add('WAFT_E_MANIFEST_TYPE', ['functions'], text);
  } else {
    for (const [name, spec] of Object.entries(rawFunctions)) {
      const fn = readFunction(issues, dir, name, spec, declared);
      if (fn) functions.push(fn);
      // callers ask for routes[N] whichever key the file used
      if (isTable(spec) && spec.route !== undefined) locator.alias(['functions', name, 'routes', '0'], ['functions', name, 'route']);
    }
  }

  issues.throwIfAny();
  const manifest = { file, dir, app, functions, variables } as AppManifest;
  // not enumerable, so the manifest still serializes (JSON, structuredClone) as plain data
  Object.defineProperty(manifest, 'locate', { value: (keyPath: string[]) => locator.locate(keyPath), enumerable: false });
  return manifest;
}

function readApp(issues: Issues, value: unknown, appMisspelt: boolean): AppManifest['app'] {
  const app = { name: '', version: null as string | null, description: null as string | null };
  if (value === undefined) {
    if (!appMisspelt) issues.add('WAFT_E_MANIFEST_MISSING', [], 'there is no [app] table; add [app] with name = "my-app"');
    return app;
  }
  if (!isTable(value)) {
    issues.add('WAFT_E_MANIFEST_TYPE', ['app'], typeProblem(['app'], 'a table ([app])', value, '[app] with name = "my-app"'));
    return app;
  }
  const misspelt = checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', value, ['app'], ['name', 'version', 'description'], (key) =>
    key === 'functions' || key === 'variables' ? `[${key}] is a top-level table; move it out of [app]` : null,
  );
  if (value.name === undefined) {
    if (!misspelt.has('name')) issues.add('WAFT_E_MANIFEST_MISSING', ['app'], '[app] has no "name"; add name = "my-app"');
  } else if (typeof value.name !== 'string') {
    issues.add('WAFT_E_MANIFEST_TYPE', ['app', 'name'], typeProblem(['app', 'name'], 'a string', value.name, 'name = "my-app"'));
  } else {
    const problem = appNameProblem(value.name);
    if (problem !== null) issues.add('WAFT_E_MANIFEST_NAME', ['app', 'name'], `app name ${JSON.stringify(value.name)} ${problem}`);
    app.name = value.name;
  }
  for (const key of ['version', 'description'] as const) {
    const raw = value[key];
    if (raw === undefined) continue;
    if (typeof raw === 'string') app[key] = raw;
    else {
      const example = key === 'version' ? `version = "${typeof raw === 'number' ? raw : '1.0.0'}"` : 'description = "What the app does"';
      issues.add('WAFT_E_MANIFEST_TYPE', ['app', key], typeProblem(['app', key], 'a string', raw, example));
    }
  }
  return app;
}

/**
 * Follows symbolic links in `files` sources: a link inside the app directory must not lead out of
 * it. Sources that do not exist yet (a build may make them) are left to the runtime.
 */
async function checkFileLinks(manifest: AppManifest): Promise<void> {
  const issues = new Issues(manifest);
  const realDir = await realpath(manifest.dir).catch(() => manifest.dir);
  for (const fn of manifest.functions) {
    for (const [index, mount] of fn.files.entries()) {
      const real = await realpath(mount.source).catch(() => null);
      if (real === null) continue;
      const inside = relative(realDir, real);
      if (inside.startsWith('..') || isAbsolute(inside)) {
        const at = ['functions', fn.name, 'files', String(index), 'source'];
        issues.add('WAFT_E_MANIFEST_FILES', at, `${formatKey(at.slice(0, -1))} shares ${mount.source}, which goes through a symbolic link to ${real}, outside the app directory; copy the files into the app directory instead of linking to them`);
      }
    }
  }
  issues.throwIfAny();
}

/** Reads and validates a manifest; a directory means DIR/waft.toml. */
export async function loadManifest(pathOrDir: string): Promise<AppManifest> {
  let file = resolve(pathOrDir);
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) file = join(file, manifestFileName);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const hint = info?.isDirectory() ? `; create ${manifestFileName} there (waft new) or pass the path of one` : '';
      throw new WaftError('WAFT_E_FILE_NOT_FOUND', `${displayPath(file)}: no such manifest${hint}`, { file });
    }
    throw err;
  }
  const manifest = parseManifest(text, file);
  await checkFileLinks(manifest);
  return manifest;
}
