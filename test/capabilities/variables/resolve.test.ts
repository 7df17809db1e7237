import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WaftError } from '../../../src/errors.ts';
import type { ErrorCode } from '../../../src/errors.ts';
import { expandTemplate, resolveVariables } from '../../../src/capabilities/variables/resolve.ts';
import type { VariableDecl, VariableSources } from '../../../src/capabilities/variables/resolve.ts';

function decl(name: string, extra: Partial<VariableDecl> = {}): VariableDecl {
  return { name, default: null, required: false, secret: false, ...extra };
}

function decls(...list: VariableDecl[]): Record<string, VariableDecl> {
  return Object.fromEntries(list.map((d) => [d.name, d]));
}

function sources(extra: Partial<VariableSources> = {}): VariableSources {
  return { env: {}, dotenv: {}, cli: {}, ...extra };
}

function throwsWith(fn: () => unknown, code: ErrorCode): WaftError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof WaftError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}

describe('resolveVariables: precedence cli > env > dotenv > default', () => {
  const d = decls(decl('region', { default: 'from-default' }));

  test('the default when nothing else is set', () => {
    assert.deepEqual(resolveVariables(d, sources()).values, { region: 'from-default' });
  });

  test('.env beats the default', () => {
    assert.deepEqual(resolveVariables(d, sources({ dotenv: { region: 'from-dotenv' } })).values, { region: 'from-dotenv' });
  });

  test('WAFT_VAR_<NAME> beats .env', () => {
    const s = sources({ env: { WAFT_VAR_REGION: 'from-env' }, dotenv: { region: 'from-dotenv' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: 'from-env' });
  });

  test('--var beats everything', () => {
    const s = sources({ cli: { region: 'from-cli' }, env: { WAFT_VAR_REGION: 'from-env' }, dotenv: { region: 'from-dotenv' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: 'from-cli' });
  });

  test('an empty string is a value, not an absence', () => {
    const s = sources({ env: { WAFT_VAR_REGION: '' }, dotenv: { region: 'from-dotenv' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: '' });
  });

  test('an env entry that is undefined is not set', () => {
    const s = sources({ env: { WAFT_VAR_REGION: undefined }, dotenv: { region: 'from-dotenv' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: 'from-dotenv' });
  });

  test('env names are upper-cased; other spellings and unprefixed names are ignored', () => {
    const s = sources({ env: { waft_var_region: 'lower', REGION: 'bare', WAFT_VAR_region: 'mixed' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: 'from-default' });
  });

  test('.env keys are variable names; undeclared .env and WAFT_VAR_ entries are ignored', () => {
    const s = sources({ env: { WAFT_VAR_OTHER: 'x' }, dotenv: { REGION: 'upper', other: 'y' } });
    assert.deepEqual(resolveVariables(d, s).values, { region: 'from-default' });
  });

  test('an optional variable without default or value is ""', () => {
    assert.deepEqual(resolveVariables(decls(decl('maybe')), sources()).values, { maybe: '' });
  });

  test('secrets are reported by name', () => {
    const result = resolveVariables(
      decls(decl('api_key', { secret: true, required: true }), decl('region', { default: 'eu' })),
      sources({ cli: { api_key: 'sk-live-123' } }),
    );
    assert.deepEqual(result.values, { api_key: 'sk-live-123', region: 'eu' });
    assert.deepEqual([...result.secrets], ['api_key']);
  });
});

describe('resolveVariables: errors', () => {
  test('a required variable with no value names every way to set it', () => {
    const err = throwsWith(() => resolveVariables(decls(decl('api_key', { required: true })), sources()), 'WAFT_E_VARIABLE_MISSING');
    assert.equal(err.message, 'variable "api_key" is required: set WAFT_VAR_API_KEY, add api_key=… to .env, or pass --var api_key=…');
    assert.deepEqual(err.details, { variable: 'api_key', missing: ['api_key'] });
  });

  test('several missing variables are all named', () => {
    const err = throwsWith(
      () => resolveVariables(decls(decl('a', { required: true }), decl('b', { required: true }), decl('c', { required: true })), sources({ cli: { b: 'x' } })),
      'WAFT_E_VARIABLE_MISSING',
    );
    assert.match(err.message, /^variable "a" is required: .* \(also required and missing: "c"\)$/);
    assert.deepEqual(err.details?.missing, ['a', 'c']);
  });

  test('a required variable is satisfied by any source', () => {
    const d = decls(decl('token', { required: true, secret: true }));
    assert.equal(resolveVariables(d, sources({ dotenv: { token: 't' } })).values.token, 't');
  });

  test('--var for an undeclared variable is an error with a suggestion', () => {
    const err = throwsWith(() => resolveVariables(decls(decl('api_key')), sources({ cli: { api_kye: 'x' } })), 'WAFT_E_VARIABLE_UNKNOWN');
    assert.equal(err.message, '--var api_kye: no variable "api_kye" is declared in waft.toml (did you mean "api_key"?)');
  });

  test('names must be lower-case so that WAFT_VAR_<NAME> maps back to one variable', () => {
    throwsWith(() => resolveVariables(decls(decl('API_KEY')), sources()), 'WAFT_E_VARIABLE_NAME_INVALID');
    throwsWith(() => resolveVariables(decls(decl('1st')), sources()), 'WAFT_E_VARIABLE_NAME_INVALID');
    throwsWith(() => resolveVariables(decls(decl('has-dash')), sources()), 'WAFT_E_VARIABLE_NAME_INVALID');
    throwsWith(() => resolveVariables({ a: decl('b') }, sources()), 'WAFT_E_VARIABLE_NAME_INVALID');
  });

  test('no error message or detail carries a secret value', () => {
    const secret = 'sk-live-very-secret';
    const attempts: (() => unknown)[] = [
      () => resolveVariables(decls(decl('api_key', { secret: true }), decl('other', { required: true })), sources({ cli: { api_key: secret } })),
      () => resolveVariables(decls(decl('api_key', { secret: true })), sources({ cli: { api_key: secret, apikey: secret } })),
      () => expandTemplate('Bearer {{ api_kee }}', { api_key: secret }, 'waft.toml: x'),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        assert.fail('should have thrown');
      } catch (err) {
        assert.ok(err instanceof WaftError);
        assert.doesNotMatch(`${err.message} ${JSON.stringify(err.details)}`, /very-secret/);
      }
    }
  });
});

describe('expandTemplate', () => {
  const values = { host: 'api.example.com', port: '8443', token: 'abc' };

  test('"{{ name }}" and "{{name}}" are both references', () => {
    assert.equal(expandTemplate('https://{{ host }}:{{port}}/v1', values, 'here'), 'https://api.example.com:8443/v1');
  });

  test('a template without references is returned as it is', () => {
    assert.equal(expandTemplate('plain } { text }}', values, 'here'), 'plain } { text }}');
  });

  test('the same reference twice, and references next to each other', () => {
    assert.equal(expandTemplate('{{token}}{{token}}-{{ token }}', values, 'here'), 'abcabc-abc');
  });

  test('values are not expanded again', () => {
    assert.equal(expandTemplate('{{ a }}', { a: '{{ b }}', b: 'no' }, 'here'), '{{ b }}');
  });

  test('an unknown variable: WAFT_E_VARIABLE_UNKNOWN naming where and what', () => {
    const err = throwsWith(() => expandTemplate('https://{{ hots }}', values, 'waft.toml: functions.api.allowed_outbound_hosts[0]'), 'WAFT_E_VARIABLE_UNKNOWN');
    assert.equal(err.message, 'waft.toml: functions.api.allowed_outbound_hosts[0]: the template refers to "hots", but no variable "hots" is declared (did you mean "host"?)');
  });

  test('a "{{" that is not a reference: WAFT_E_TEMPLATE_INVALID', () => {
    const unclosed = throwsWith(() => expandTemplate('x {{ host', values, 'here'), 'WAFT_E_TEMPLATE_INVALID');
    assert.equal(unclosed.message, 'here: "{{" at offset 2 is never closed with "}}"');
    const notAName = throwsWith(() => expandTemplate('{{ host.name }}', values, 'here'), 'WAFT_E_TEMPLATE_INVALID');
    assert.match(notAName.message, /"\{\{ host\.name \}\}" is not a variable reference/);
    throwsWith(() => expandTemplate('{{}}', values, 'here'), 'WAFT_E_TEMPLATE_INVALID');
    throwsWith(() => expandTemplate('{{ Host }}', values, 'here'), 'WAFT_E_TEMPLATE_INVALID');
  });
});
