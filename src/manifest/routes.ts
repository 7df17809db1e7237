// Route syntax. A route is "/" or "/" followed by segments, each one literal text, ":param", or
// (last only) "..." which matches the rest of the path. Matching and conflicts live in the router.

const literalSegment = /^(?:[A-Za-z0-9\-._~!$&'()+,;=@]|%[0-9A-Fa-f]{2})+$/;
const paramSegment = /^:[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `route` is not a valid route, or null. */
export function routeProblem(route: string): string | null {
  if (route === '') return 'is empty; write a path such as "/hello"';
  if (!route.startsWith('/')) return `must start with "/"; write "/${route}"`;
  if (/[?#]/.test(route)) return 'holds "?" or "#"; a route matches the path only, never the query or fragment';
  if (/\s/.test(route)) return 'holds whitespace; write a space as %20';
  if (route === '/') return null;
  const segments = route.slice(1).split('/');
  const params = new Set<string>();
  for (let n = 0; n < segments.length; n++) {
    const segment = segments[n];
    const last = n === segments.length - 1;
    if (segment === '') {
      if (last) return `ends with "/"; write "${route.replace(/\/+$/, '')}"`;
      return `has an empty segment ("//"); write "${route.replace(/\/{2,}/g, '/')}"`;
    }
    if (segment === '...') {
      if (!last) return 'has "..." before the end; "..." matches the rest of the path and must be the last segment';
      continue;
    }
    if (segment === '.' || segment === '..') return `has a "${segment}" segment; routes are plain paths without relative parts`;
    if (segment.startsWith(':')) {
      if (!paramSegment.test(segment)) return `has a bad parameter "${segment}"; a parameter is ":" and a name of letters, digits and "_" (e.g. ":id")`;
      if (params.has(segment)) return `uses the parameter "${segment}" twice; give each parameter its own name`;
      params.add(segment);
      continue;
    }
    if (segment.includes('*')) {
      const prefix = segments.slice(0, n).map((s) => `/${s}`).join('');
      return `has "*"; to match everything under a path write "${prefix}/..."`;
    }
    if (!literalSegment.test(segment)) {
      return `has the segment "${segment}" with characters a path cannot hold unescaped; use letters, digits, "-", ".", "_", "~" or %XX escapes (":" starts a parameter only at the start of a segment)`;
    }
  }
  return null;
}
