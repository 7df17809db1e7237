// Route syntax, checked here so that waft.toml errors carry a position. The rules are
// src/util/route-syntax.ts, which the router (src/triggers/http/router.ts) reads routes with
// too, so both accept the same routes; the wording here is the manifest's.
import { readRoute } from '../util/route-syntax.ts';

/** Why `route` is not a valid route, or null. */
export function routeProblem(route: string): string | null {
  const read = readRoute(route);
  if (read.ok) return null;
  const problem = read.problem;
  switch (problem.kind) {
    case 'empty': return 'is empty; write "/" for the root or "/..." for every path';
    case 'no-leading-slash': return `must start with "/"; write "/${route}"`;
    case 'query-or-fragment': return `holds "${problem.char}"; a route matches the path only, never the query or fragment`;
    case 'bad-char': return `holds the character ${JSON.stringify(problem.char)}; write spaces and control characters percent-encoded (%20)`;
    case 'empty-segment': return `has an empty segment ("//"); write "${route.replace(/\/{2,}/g, '/')}"`;
    case 'wildcard-not-last': return `has "..." before the end; "..." matches the rest of the path and must be the last segment, as in "${problem.prefix}/..."`;
    case 'star': return `has "${problem.segment}", which is no wildcard here; to match everything under a path write "${problem.prefix}/..."`;
    case 'param-name': return `has the parameter "${problem.segment}"; a parameter is a whole segment of ":" and a name of letters, digits and "_" (e.g. ":id")`;
    case 'param-twice': return `uses the parameter ":${problem.name}" twice; give each parameter its own name`;
    case 'braces': return `has "${problem.segment}"; write the parameter as ":${problem.segment.slice(1, -1)}"`;
    case 'encoded-slash-or-nul': return `has the segment "${problem.segment}", which encodes "/" or NUL; a segment can hold neither`;
    case 'bad-percent': return `has the segment "${problem.segment}" with broken percent-encoding ("%" must be followed by two hex digits of UTF-8)`;
    case 'dot-segment': return `has a "${problem.segment}" segment; request paths with dot-segments are refused, so the route could never match`;
  }
}
