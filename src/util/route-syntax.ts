// Route syntax, in one place for the two layers that read routes: the manifest (which reports a
// problem at its position in waft.toml) and the HTTP router (which compiles routes; it owns
// matching, conflicts and the contract in docs/routing.md). Each words the problems for its
// own readers; the rules are these: "/" or "/" + segments, each literal text, ":param", or
// (last only) "...". One trailing "/" is ignored.

export type RouteSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string };

/** What is wrong with a route; `prefix` is the route's segments before the bad one, as written. */
export type RouteSyntaxProblem =
  | { kind: 'empty' }
  | { kind: 'no-leading-slash' }
  /** "?" or "#": a route matches the path only. */
  | { kind: 'query-or-fragment'; char: string }
  /** A control character or a space. */
  | { kind: 'bad-char'; char: string }
  | { kind: 'empty-segment' }
  | { kind: 'wildcard-not-last'; prefix: string }
  | { kind: 'star'; segment: string; prefix: string }
  | { kind: 'param-name'; segment: string }
  | { kind: 'param-twice'; name: string }
  | { kind: 'braces'; segment: string }
  | { kind: 'encoded-slash-or-nul'; segment: string }
  | { kind: 'bad-percent'; segment: string }
  | { kind: 'dot-segment'; segment: string };

export type RouteSyntax =
  | { ok: true; segments: RouteSegment[]; wildcard: boolean }
  | { ok: false; problem: RouteSyntaxProblem };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Characters that cannot appear in a route as written: controls, space, and the URL
// delimiters that would end the path.
const BAD_CHAR = /[\x00-\x20\x7f?#]/;
/** A percent-encoded "/" or NUL: no segment, of a route or of a request path, may hold either. */
export const ENCODED_SLASH_OR_NUL = /%(?:2[fF]|00)/;

/** Reads a route as written: its segments (literals percent-decoded), or its first problem. */
export function readRoute(pattern: string): RouteSyntax {
  const fail = (problem: RouteSyntaxProblem): RouteSyntax => ({ ok: false, problem });
  if (pattern.length === 0) return fail({ kind: 'empty' });
  if (pattern.charCodeAt(0) !== 47) return fail({ kind: 'no-leading-slash' });
  const bad = BAD_CHAR.exec(pattern);
  if (bad) return fail({ kind: bad[0] === '?' || bad[0] === '#' ? 'query-or-fragment' : 'bad-char', char: bad[0] });
  let body = pattern.slice(1);
  if (body.endsWith('/')) body = body.slice(0, -1);
  const raw = body === '' ? [] : body.split('/');
  const segments: RouteSegment[] = [];
  const names = new Set<string>();
  const prefix = (i: number) => raw.slice(0, i).map((s) => '/' + s).join('');
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    if (s === '') return fail({ kind: 'empty-segment' });
    if (s === '...') {
      if (i !== raw.length - 1) return fail({ kind: 'wildcard-not-last', prefix: prefix(i) });
      return { ok: true, segments, wildcard: true };
    }
    if (s === '*' || s === '**') return fail({ kind: 'star', segment: s, prefix: prefix(i) });
    if (s.charCodeAt(0) === 58) {
      const name = s.slice(1);
      if (!PARAM_NAME.test(name)) return fail({ kind: 'param-name', segment: s });
      if (names.has(name)) return fail({ kind: 'param-twice', name });
      names.add(name);
      segments.push({ kind: 'param', name });
      continue;
    }
    if (s.length > 2 && s.charCodeAt(0) === 123 && s.charCodeAt(s.length - 1) === 125) return fail({ kind: 'braces', segment: s });
    let value = s;
    if (s.includes('%')) {
      if (ENCODED_SLASH_OR_NUL.test(s)) return fail({ kind: 'encoded-slash-or-nul', segment: s });
      try {
        value = decodeURIComponent(s);
      } catch {
        return fail({ kind: 'bad-percent', segment: s });
      }
    }
    if (value === '.' || value === '..') return fail({ kind: 'dot-segment', segment: s });
    segments.push({ kind: 'literal', value });
  }
  return { ok: true, segments, wildcard: false };
}
