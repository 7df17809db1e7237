import { checkKeys, formatKey, formatTable, isTable, typeProblem, type Issues } from './issues.ts';
import { variableNamePattern } from './names.ts';
import { closest } from '../util/suggest.ts';
import { parseTemplate } from './templates.ts';
import type { VariableSpec } from './types.ts';

const variableKeys = ['default', 'required', 'secret'];

/** Reads the app's [variables] table. */
export function readAppVariables(issues: Issues, value: unknown): Record<string, VariableSpec> {
  const path = ['variables'];
  const out: [string, VariableSpec][] = [];
  if (value === undefined) return {};
  if (!isTable(value)) {
    issues.add('WAFT_E_MANIFEST_TYPE', path, typeProblem(path, 'a table ([variables])', value, 'greeting = { default = "hello" } under [variables]'));
    return {};
  }
  for (const [name, spec] of Object.entries(value)) {
    const at = [...path, name];
    if (!variableNamePattern.test(name)) {
      const fixed = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
      const hint = variableNamePattern.test(fixed) ? `, e.g. "${fixed}"` : '';
      issues.add('WAFT_E_MANIFEST_VARIABLE', at, `variable name ${JSON.stringify(name)} must use lowercase letters, digits and "_" and start with a letter${hint}`);
      continue;
    }
    if (!isTable(spec)) {
      const example = typeof spec === 'string' ? `${name} = { default = ${JSON.stringify(spec)} }` : `${name} = { default = "..." } or ${name} = { required = true }`;
      issues.add('WAFT_E_MANIFEST_TYPE', at, typeProblem(at, 'a table', spec, example));
      continue;
    }
    const misspelt = checkKeys(issues, 'WAFT_E_MANIFEST_UNKNOWN_KEY', spec, at, variableKeys);
    let ok = true;
    const flag = (key: 'required' | 'secret'): boolean => {
      const raw = spec[key];
      if (raw === undefined) return false;
      if (typeof raw === 'boolean') return raw;
      issues.add('WAFT_E_MANIFEST_TYPE', [...at, key], typeProblem([...at, key], 'true or false', raw, `${key} = true`));
      ok = false;
      return false;
    };
    const required = flag('required');
    const secret = flag('secret');
    let def: string | null = null;
    if (spec.default !== undefined) {
      if (typeof spec.default === 'string') def = spec.default;
      else {
        const shown = typeof spec.default === 'number' || typeof spec.default === 'boolean' ? `"${spec.default}"` : '"..."';
        issues.add('WAFT_E_MANIFEST_TYPE', [...at, 'default'], typeProblem([...at, 'default'], 'a string', spec.default, `default = ${shown}`));
        ok = false;
      }
    }
    if (required && spec.default !== undefined) {
      issues.add('WAFT_E_MANIFEST_VARIABLE', [...at, 'required'], `variable "${name}" is required and has a default; a required variable must be given a value, so drop required = true or drop the default`);
      ok = false;
    } else if (!required && spec.default === undefined && ok && !misspelt.has('default') && !misspelt.has('required')) {
      issues.add('WAFT_E_MANIFEST_VARIABLE', at, `variable "${name}" has neither a default nor required = true; add default = "..." or required = true`);
      ok = false;
    }
    if (ok) out.push([name, { name, default: def, required, secret, position: issues.locator.locate(at) }]);
  }
  return Object.fromEntries(out);
}

/** Reads a function's `variables` bindings (path points at them): binding name → template. */
export function readBindings(
  issues: Issues,
  value: unknown,
  path: readonly string[],
  declared: readonly string[],
): Record<string, string> {
  if (value === undefined) return {};
  if (!isTable(value)) {
    issues.add('WAFT_E_MANIFEST_TYPE', path, typeProblem(path, 'a table', value, 'variables = { key = "{{ api_key }}" }'));
    return {};
  }
  const out: [string, string][] = [];
  for (const [name, template] of Object.entries(value)) {
    const at = [...path, name];
    if (!variableNamePattern.test(name)) {
      issues.add('WAFT_E_MANIFEST_VARIABLE', at, `binding name ${JSON.stringify(name)} in ${formatTable(path)} must use lowercase letters, digits and "_" and start with a letter`);
      continue;
    }
    if (typeof template !== 'string') {
      issues.add('WAFT_E_MANIFEST_TYPE', at, typeProblem(at, 'a string', template, `${name} = "{{ ${declared[0] ?? 'my_variable'} }}"`));
      continue;
    }
    const parsed = parseTemplate(template);
    if (!parsed.ok) {
      issues.add('WAFT_E_MANIFEST_VARIABLE', at, `${formatKey(at)} ${parsed.problem}`);
      continue;
    }
    const unknown = parsed.references.filter((ref) => !declared.includes(ref));
    if (unknown.length > 0) {
      const ref = unknown[0];
      const match = closest(ref, declared);
      const fix = match !== null ? `did you mean "{{ ${match} }}"?` : `declare it under [variables], e.g. ${ref} = { required = true }`;
      const whole = parsed.parts.length === 1;
      const what = whole
        ? `${formatKey(at)} binds app variable "${ref}", which [variables] does not declare`
        : `${formatKey(at)} refers to "{{ ${ref} }}", but [variables] declares no "${ref}"`;
      issues.add('WAFT_E_MANIFEST_VARIABLE', at, `${what}; ${fix}`);
      continue;
    }
    out.push([name, template]);
  }
  return Object.fromEntries(out);
}
