import { WaftError } from '../../errors.ts';
import { closest } from '../../util/suggest.ts';
import { variableNamePattern } from '../../util/variable-name.ts';

/** One entry of [variables] in waft.toml. */
export interface VariableDecl {
  name: string;
  default: string | null;
  required: boolean;
  secret: boolean;
}

/** Where values come from, highest precedence first: cli, env, dotenv, then the declared default. */
export interface VariableSources {
  /** The process environment; a variable api_key is read from WAFT_VAR_API_KEY. */
  env: Record<string, string | undefined>;
  /** Parsed .env file; a variable api_key is read from the key api_key. */
  dotenv: Record<string, string>;
  /** `waft up --var api_key=value`. */
  cli: Record<string, string>;
}

export interface ResolvedVariables {
  values: Record<string, string>;
  /** Names (not values) of the variables declared secret. */
  secrets: Set<string>;
}

/** The environment variable that sets a variable: api_key → WAFT_VAR_API_KEY. */
export function envVarName(name: string): string {
  return `WAFT_VAR_${name.toUpperCase()}`;
}

/** ` (did you mean "api_key"?)` or an empty string. */
function didYouMean(name: string, candidates: Iterable<string>): string {
  const guess = closest(name, candidates);
  return guess === null ? '' : ` (did you mean "${guess}"?)`;
}

function howToSet(name: string): string {
  return `set ${envVarName(name)}, add ${name}=… to .env, or pass --var ${name}=…`;
}

/**
 * Give every declared variable its value: --var beats WAFT_VAR_<NAME> beats .env beats the
 * default. An empty string is a value. A variable that is neither required nor has a default
 * and gets no value resolves to "". Errors name variables, never their values.
 */
export function resolveVariables(decls: Record<string, VariableDecl>, sources: VariableSources): ResolvedVariables {
  for (const [key, decl] of Object.entries(decls)) {
    if (!variableNamePattern.test(key) || decl.name !== key) {
      const bad = variableNamePattern.test(key) ? decl.name : key;
      throw new WaftError(
        'WAFT_E_VARIABLE_NAME_INVALID',
        `variable ${JSON.stringify(bad)}: a name is lower-case letters, digits and "_", starting with a letter`,
        { variable: bad },
      );
    }
  }
  for (const name of Object.keys(sources.cli)) {
    if (!Object.hasOwn(decls, name)) {
      throw new WaftError(
        'WAFT_E_VARIABLE_UNKNOWN',
        `--var ${name}: no variable "${name}" is declared in waft.toml${didYouMean(name, Object.keys(decls))}`,
        { variable: name, where: '--var' },
      );
    }
  }

  const values: Record<string, string> = {};
  const secrets = new Set<string>();
  const missing: string[] = [];
  for (const [name, decl] of Object.entries(decls)) {
    const value =
      (Object.hasOwn(sources.cli, name) ? sources.cli[name] : undefined) ??
      sources.env[envVarName(name)] ??
      (Object.hasOwn(sources.dotenv, name) ? sources.dotenv[name] : undefined) ??
      decl.default;
    if (value === null || value === undefined) {
      if (decl.required) missing.push(name);
      else values[name] = '';
    } else {
      values[name] = value;
    }
    if (decl.secret) secrets.add(name);
  }
  if (missing.length > 0) {
    const [first, ...others] = missing;
    const also = others.length > 0 ? ` (also required and missing: ${others.map((n) => `"${n}"`).join(', ')})` : '';
    throw new WaftError('WAFT_E_VARIABLE_MISSING', `variable "${first}" is required: ${howToSet(first)}${also}`, {
      variable: first,
      missing,
    });
  }
  return { values, secrets };
}

/**
 * Replace each "{{ name }}" (or "{{name}}") with the variable's value, in one pass: a value that
 * itself contains "{{" is not expanded again. `where` says where the template came from
 * (e.g. "waft.toml: functions.api.allowed_outbound_hosts[0]") for error messages.
 */
export function expandTemplate(template: string, values: Record<string, string>, where: string): string {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = template.indexOf('{{', pos);
    if (open === -1) return out + template.slice(pos);
    const close = template.indexOf('}}', open + 2);
    if (close === -1) {
      throw new WaftError('WAFT_E_TEMPLATE_INVALID', `${where}: "{{" at offset ${open} is never closed with "}}"`, { where, offset: open });
    }
    const inner = template.slice(open + 2, close);
    const name = inner.trim();
    if (!variableNamePattern.test(name)) {
      throw new WaftError(
        'WAFT_E_TEMPLATE_INVALID',
        `${where}: "{{${inner}}}" is not a variable reference; write {{ name }} with a lower-case variable name`,
        { where, offset: open },
      );
    }
    if (!Object.hasOwn(values, name)) {
      throw new WaftError(
        'WAFT_E_VARIABLE_UNKNOWN',
        `${where}: the template refers to "${name}", but no variable "${name}" is declared${didYouMean(name, Object.keys(values))}`,
        { where, variable: name },
      );
    }
    out += template.slice(pos, open) + values[name];
    pos = close + 2;
  }
}
