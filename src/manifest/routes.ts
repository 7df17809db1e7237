// Route syntax, checked here so that waft.toml errors carry a position. The router
// (src/triggers/http/router.ts, a layer above this one) owns matching, conflicts and the
// contract in docs/routing.md; these rules mirror its parseRoutePattern so both accept the same
// routes: "/" or "/" + segments, each literal text, ":param", or (last only) "...".
// One trailing "/" is ignored, as the router ignores it.

const paramName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const badChar = /[\x00-\x20\x7f?#]/;
const encodedSlashOrNul = /%(?:2[fF]|00)/;

/** Why `route` is not a valid route, or null. */
export function routeProblem(route: string): string | null {
  if (route === '') return 'is empty; write "/" for the root or "/..." for every path';
  if (!route.startsWith('/')) return `must start with "/"; write "/${route}"`;
  const bad = badChar.exec(route);
  if (bad) {
    return bad[0] === '?' || bad[0] === '#'
      ? `holds "${bad[0]}"; a route matches the path only, never the query or fragment`
      : `holds the character ${JSON.stringify(bad[0])}; write spaces and control characters percent-encoded (%20)`;
  }
  let body = route.slice(1);
  if (body.endsWith('/')) body = body.slice(0, -1);
  if (body === '') return null;
  const segments = body.split('/');
  const params = new Set<string>();
  for (let n = 0; n < segments.length; n++) {
    const segment = segments[n];
    const prefix = segments.slice(0, n).map((s) => `/${s}`).join('');
    if (segment === '') return `has an empty segment ("//"); write "${route.replace(/\/{2,}/g, '/')}"`;
    if (segment === '...') {
      if (n !== segments.length - 1) return `has "..." before the end; "..." matches the rest of the path and must be the last segment, as in "${prefix}/..."`;
      continue;
    }
    if (segment === '*' || segment === '**') return `has "${segment}", which is no wildcard here; to match everything under a path write "${prefix}/..."`;
    if (segment.startsWith(':')) {
      if (!paramName.test(segment.slice(1))) return `has the parameter "${segment}"; a parameter is a whole segment of ":" and a name of letters, digits and "_" (e.g. ":id")`;
      if (params.has(segment)) return `uses the parameter "${segment}" twice; give each parameter its own name`;
      params.add(segment);
      continue;
    }
    if (segment.length > 2 && segment.startsWith('{') && segment.endsWith('}')) return `has "${segment}"; write the parameter as ":${segment.slice(1, -1)}"`;
    let decoded = segment;
    if (segment.includes('%')) {
      if (encodedSlashOrNul.test(segment)) return `has the segment "${segment}", which encodes "/" or NUL; a segment can hold neither`;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return `has the segment "${segment}" with broken percent-encoding ("%" must be followed by two hex digits of UTF-8)`;
      }
    }
    if (decoded === '.' || decoded === '..') return `has a "${segment}" segment; request paths with dot-segments are refused, so the route could never match`;
  }
  return null;
}
