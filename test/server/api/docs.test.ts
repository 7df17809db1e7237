// docs/api.md and docs/openapi.json describe every endpoint the server routes, with its scope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoutes } from '../../../src/server/api/apps.ts';
import { identityRoutes } from '../../../src/server/api/identity.ts';
import { invokeRoutes } from '../../../src/server/api/invoke.ts';
import { logRoutes } from '../../../src/server/api/logs.ts';
import { usageRoutes } from '../../../src/server/api/usage.ts';
import { repoRoot } from '../../support/guests.ts';

const routes = [...identityRoutes, ...appRoutes, ...invokeRoutes, ...logRoutes, ...usageRoutes];
const openapi = JSON.parse(readFileSync(join(repoRoot, 'docs/openapi.json'), 'utf8'));
const prose = readFileSync(join(repoRoot, 'docs/api.md'), 'utf8');
const templated = (pattern: string) => pattern.replace(/:(\w+)/g, '{$1}');

test('docs/openapi.json has every API route, with the scope the server enforces', () => {
  for (const route of routes) {
    const path = templated(route.pattern);
    const op = openapi.paths[path]?.[route.method.toLowerCase()];
    assert.ok(op, `openapi.json lacks ${route.method} ${path}`);
    assert.equal(op['x-waft-scope'] ?? null, route.scope, `${route.method} ${path}: scope`);
    assert.deepEqual(op.security, route.scope === null ? [] : [{ bearer: [] }], `${route.method} ${path}: security`);
  }
  const served = new Set(routes.map((r) => `${r.method} ${templated(r.pattern)}`));
  for (const [path, item] of Object.entries(openapi.paths) as [string, Record<string, unknown>][]) {
    if (!path.startsWith('/api/')) continue;
    for (const method of Object.keys(item).filter((k) => k !== 'parameters')) {
      assert.ok(served.has(`${method.toUpperCase()} ${path}`), `openapi.json documents ${method.toUpperCase()} ${path}, which the server does not serve`);
    }
  }
});

test('docs/api.md has a section for every API route', () => {
  for (const route of routes) {
    const heading = `\`${route.method} ${templated(route.pattern)}\``;
    assert.ok(prose.includes(heading), `docs/api.md lacks ${heading}`);
  }
});
