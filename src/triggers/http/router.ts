// The HTTP gateway's router: route patterns compiled once into a segment trie, matched per
// request on the main thread. The contract (precedence, trailing slash, path checks, the CGI
// fields of a match) is written down in docs/routing.md.

import { WaftError } from '../../errors.ts';
import { ENCODED_SLASH_OR_NUL, readRoute, type RouteSegment, type RouteSyntaxProblem } from '../../util/route-syntax.ts';

export interface RouteSource {
  file: string;
  line: number;
  column: number;
}

export interface RouteDef<T> {
  pattern: string;
  target: T;
  /** The function's name, for messages. */
  name: string;
  source?: RouteSource;
}

export interface RouteMatch<T> {
  target: T;
  name: string;
  /** The route as written (X_MATCHED_ROUTE). */
  pattern: string;
  /** Decoded parameter values. Read-only: may be shared between matches. */
  params: Record<string, string>;
  /** SCRIPT_NAME: the route's prefix for `/...` routes, the decoded request path otherwise. */
  scriptName: string;
  /** PATH_INFO: what follows scriptName, decoded. */
  pathInfo: string;
  /** X_RAW_PATH_INFO: what follows scriptName, as sent. */
  rawPathInfo: string;
}

export interface ParsedRoute {
  /** As written. */
  readonly pattern: string;
  /** Without the final `...`; literals are percent-decoded. */
  readonly segments: readonly RouteSegment[];
  /** True for `/prefix/...` routes. */
  readonly wildcard: boolean;
  /**
   * For wildcard routes the part before `/...` with literals decoded ("" for `/...`): their
   * SCRIPT_NAME when it has no parameters. "" for other routes.
   */
  readonly prefix: string;
  /** Two routes match the same set of paths exactly when their shapes are equal. */
  readonly shape: string;
}

// Shape markers; NUL never survives into a literal, so they cannot collide with one.
const SHAPE_PARAM = '\0:';
const SHAPE_WILDCARD = '\0...';

function invalid(pattern: string, why: string, where?: string): WaftError {
  return new WaftError('WAFT_E_ROUTE_INVALID', `route ${JSON.stringify(pattern)}${where ? ` ${where}` : ''} is not valid: ${why}`, { pattern });
}

/** The router's wording of a syntax problem (the manifest words its own, with positions). */
function why(pattern: string, problem: RouteSyntaxProblem): string {
  switch (problem.kind) {
    case 'empty': return 'a route cannot be empty; write "/" for the root or "/..." for every path';
    case 'no-leading-slash': return `a route starts with "/" (did you mean ${JSON.stringify('/' + pattern)}?)`;
    case 'query-or-fragment': return `it contains ${JSON.stringify(problem.char)}; a route matches the path only, never the query or fragment`;
    case 'bad-char': return `it contains the character ${JSON.stringify(problem.char)}; write spaces and control characters percent-encoded (%20)`;
    case 'empty-segment': return 'it has an empty segment ("//"); remove the extra "/"';
    case 'wildcard-not-last': return '"..." (a prefix wildcard) can only be the last segment, as in "/static/..."';
    case 'star': return `"${problem.segment}" is not a wildcard here; write "${problem.prefix}/..." to match a prefix`;
    case 'param-name': return `parameter ${JSON.stringify(problem.segment)} needs a name of letters, digits and "_" (not starting with a digit), like ":id"; a parameter is a whole segment`;
    case 'param-twice': return `parameter ":${problem.name}" appears twice; give each parameter its own name`;
    case 'braces': return `write the parameter ${problem.segment} as ":${problem.segment.slice(1, -1)}"`;
    case 'encoded-slash-or-nul': return `segment ${JSON.stringify(problem.segment)} encodes "/" or NUL; a segment can hold neither`;
    case 'bad-percent': return `segment ${JSON.stringify(problem.segment)} has broken percent-encoding ("%" must be followed by two hex digits of UTF-8)`;
    case 'dot-segment': return `"${problem.segment}" segments are not allowed: request paths with dot-segments are refused, so this route could never match`;
  }
}

/**
 * Reads a route pattern: `/exact`, `/users/:id`, `/static/...`. One trailing `/` is ignored
 * (`/hello/` is `/hello`). `where` (e.g. `of function "a" (waft.toml:3:1)`) goes into messages.
 */
export function parseRoutePattern(pattern: string, where?: string): ParsedRoute {
  if (typeof pattern !== 'string') throw invalid(String(pattern), why('', { kind: 'empty' }), where);
  const read = readRoute(pattern);
  if (!read.ok) throw invalid(pattern, why(pattern, read.problem), where);
  const { segments, wildcard } = read;
  let shape = '';
  let prefix = '';
  for (const seg of segments) {
    if (seg.kind === 'literal') {
      shape += '/' + seg.value;
      prefix += '/' + seg.value;
    } else {
      shape += '/' + SHAPE_PARAM;
      prefix += '/:' + seg.name;
    }
  }
  if (wildcard) shape += '/' + SHAPE_WILDCARD;
  if (shape === '') shape = '/';
  return { pattern, segments, wildcard, prefix: wildcard ? prefix : '', shape };
}

// ── the compiled form ────────────────────────────────────────────────────────

interface Entry<T> {
  readonly def: RouteDef<T>;
  readonly parsed: ParsedRoute;
  /** Segment index and name of each parameter. */
  readonly paramAt: readonly number[];
  readonly paramNames: readonly string[];
  /** Number of segments before `...` (wildcard routes). */
  readonly depth: number;
}

interface Node<T> {
  /** The literal segment that leads here ("" for the root and parameter nodes). */
  value: string;
  /** Literal children by segmentHash() of their value; collisions chain through `sibling`. */
  literals: Map<number, Node<T>> | null;
  sibling: Node<T> | null;
  param: Node<T> | null;
  exact: Entry<T> | null;
  wildcard: Entry<T> | null;
}

function newNode<T>(value: string): Node<T> {
  return { value, literals: null, sibling: null, param: null, exact: null, wildcard: null };
}

// FNV-1a over UTF-16 code units. match() computes it over each segment in place while
// splitting the path, so finding a literal child costs no substring and no string hashing.
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function segmentHash(s: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

const EMPTY_PARAMS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function describe(def: RouteDef<unknown>): string {
  const at = def.source ? ` (${def.source.file}:${def.source.line}:${def.source.column})` : '';
  return `of function ${JSON.stringify(def.name)}${at}`;
}

function badPath(rawPath: string, why: string): WaftError {
  const shown = rawPath.length > 200 ? rawPath.slice(0, 200) + '…' : rawPath;
  return new WaftError('WAFT_E_BAD_PATH', `request path ${JSON.stringify(shown)} is refused: ${why}`, { path: shown });
}

export class Router<T> {
  readonly routes: readonly RouteDef<T>[];
  readonly #root: Node<T> = newNode('');
  /** All-literal exact routes by path as sent (with and without one trailing "/"). */
  readonly #static = new Map<string, RouteMatch<T>>();
  // Scratch space for one match() call: for each segment its raw bounds, its hash, and its
  // decoded text when it had percent-escapes (null when raw = decoded). match() is
  // synchronous and not re-entrant, so one set per router is enough.
  #path = '';
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  readonly #hashes: number[] = [];
  readonly #decoded: (string | null)[] = [];

  constructor(defs: RouteDef<T>[]) {
    this.routes = Object.freeze(defs.slice());
    const byShape = new Map<string, RouteDef<T>>();
    for (const def of this.routes) {
      const parsed = parseRoutePattern(def.pattern, describe(def));
      const other = byShape.get(parsed.shape);
      if (other) {
        throw new WaftError(
          'WAFT_E_ROUTE_CONFLICT',
          `route ${JSON.stringify(def.pattern)} ${describe(def)} conflicts with ${JSON.stringify(other.pattern)} ${describe(other)}: both match the same paths; rename one`,
          { pattern: def.pattern, name: def.name, source: def.source, otherPattern: other.pattern, otherName: other.name, otherSource: other.source },
        );
      }
      byShape.set(parsed.shape, def);
      this.#insert(def, parsed);
    }
  }

  #insert(def: RouteDef<T>, parsed: ParsedRoute): void {
    const paramAt: number[] = [];
    const paramNames: string[] = [];
    let node = this.#root;
    let allLiteral = true;
    parsed.segments.forEach((seg, i) => {
      if (seg.kind === 'literal') {
        node.literals ??= new Map();
        const h = segmentHash(seg.value);
        const first = node.literals.get(h) ?? null;
        let next = first;
        while (next !== null && next.value !== seg.value) next = next.sibling;
        if (next === null) {
          next = newNode(seg.value);
          next.sibling = first;
          node.literals.set(h, next);
        }
        node = next;
      } else {
        allLiteral = false;
        paramAt.push(i);
        paramNames.push(seg.name);
        node = node.param ??= newNode('');
      }
    });
    const entry: Entry<T> = { def, parsed, paramAt, paramNames, depth: parsed.segments.length };
    if (parsed.wildcard) {
      node.wildcard = entry;
      return;
    }
    node.exact = entry;
    if (allLiteral) {
      const path = parsed.segments.length === 0 ? '/' : parsed.segments.map((s) => '/' + (s as { value: string }).value).join('');
      const make = (p: string): RouteMatch<T> => Object.freeze({ target: def.target, name: def.name, pattern: def.pattern, params: EMPTY_PARAMS, scriptName: p, pathInfo: '', rawPathInfo: '' });
      this.#static.set(path, make(path));
      if (path !== '/') this.#static.set(path + '/', make(path + '/'));
    }
  }

  /**
   * The most specific route for a path (no query, still percent-encoded), or null.
   * Throws WAFT_E_BAD_PATH (400) for paths that are refused whatever the routes.
   */
  match(rawPath: string): RouteMatch<T> | null {
    const noPercent = rawPath.indexOf('%') === -1;
    if (noPercent) {
      const hit = this.#static.get(rawPath);
      if (hit !== undefined) return hit;
    }
    const n = this.#split(rawPath);
    this.#path = rawPath;
    const entry = this.#walk(this.#root, 0, n);
    this.#path = '';
    if (entry === null) return null;

    let params = EMPTY_PARAMS;
    if (entry.paramAt.length > 0) {
      params = {};
      for (let i = 0; i < entry.paramAt.length; i++) {
        const at = entry.paramAt[i];
        params[entry.paramNames[i]] = this.#decoded[at] ?? rawPath.slice(this.#starts[at], this.#ends[at]);
      }
    }
    const def = entry.def;
    if (entry.parsed.wildcard) {
      const cut = entry.depth === 0 ? 0 : this.#ends[entry.depth - 1];
      const rawPathInfo = cut === 0 ? rawPath : rawPath.slice(cut);
      const pathInfo = noPercent || rawPathInfo.indexOf('%') === -1 ? rawPathInfo : decodeURIComponent(rawPathInfo);
      let scriptName = entry.parsed.prefix;
      if (params !== EMPTY_PARAMS) {
        // A prefix with parameters: SCRIPT_NAME is the part of the path they matched.
        const rawScript = rawPath.slice(0, cut);
        scriptName = noPercent ? rawScript : decodeURIComponent(rawScript);
      }
      return { target: def.target, name: def.name, pattern: def.pattern, params, scriptName, pathInfo, rawPathInfo };
    }
    const scriptName = noPercent ? rawPath : decodeURIComponent(rawPath);
    return { target: def.target, name: def.name, pattern: def.pattern, params, scriptName, pathInfo: '', rawPathInfo: '' };
  }

  /** Splits and checks the path into the scratch arrays; returns the segment count ("/" is one empty segment). */
  #split(rawPath: string): number {
    const len = rawPath.length;
    if (len === 0 || rawPath.charCodeAt(0) !== 47) throw badPath(rawPath, 'a path must start with "/"');
    const starts = this.#starts;
    const ends = this.#ends;
    const hashes = this.#hashes;
    const decoded = this.#decoded;
    let count = 0;
    let start = 1;
    let pct = false;
    let h = FNV_OFFSET;
    for (let i = 1; i <= len; i++) {
      const c = i < len ? rawPath.charCodeAt(i) : 47;
      if (c !== 47) {
        if (c === 37) pct = true;
        h = Math.imul(h ^ c, FNV_PRIME);
        continue;
      }
      let text: string | null = null;
      const segLen = i - start;
      if (pct) {
        const raw = rawPath.slice(start, i);
        if (ENCODED_SLASH_OR_NUL.test(raw)) throw badPath(rawPath, 'it contains an encoded "/" (%2F) or NUL (%00)');
        try {
          text = decodeURIComponent(raw);
        } catch {
          throw badPath(rawPath, 'it has broken percent-encoding ("%" must be followed by two hex digits of UTF-8)');
        }
        if (text === '.' || text === '..') throw badPath(rawPath, 'it has a "." or ".." segment');
        h = segmentHash(text);
        pct = false;
      } else if (segLen > 0 && segLen <= 2 && rawPath.charCodeAt(start) === 46 && (segLen === 1 || rawPath.charCodeAt(start + 1) === 46)) {
        throw badPath(rawPath, 'it has a "." or ".." segment');
      }
      starts[count] = start;
      ends[count] = i;
      hashes[count] = h;
      decoded[count] = text;
      count++;
      start = i + 1;
      h = FNV_OFFSET;
    }
    return count;
  }

  // Depth-first in order of precedence: at each segment a literal, then a parameter, then
  // the wildcard ending here. Each trie node has one depth, so each is visited at most once.
  #walk(node: Node<T>, d: number, n: number): Entry<T> | null {
    if (d === n) return node.exact ?? node.wildcard;
    const start = this.#starts[d];
    const segLen = this.#ends[d] - start;
    if (segLen === 0) {
      // A trailing "/" ends exact routes; any other empty segment ("//") matches only a wildcard.
      if (d === n - 1 && node.exact !== null) return node.exact;
      return node.wildcard;
    }
    if (node.literals !== null) {
      let child = node.literals.get(this.#hashes[d]) ?? null;
      const text = this.#decoded[d];
      while (child !== null) {
        const v = child.value;
        if (text === null ? v.length === segLen && this.#path.startsWith(v, start) : v === text) {
          const found = this.#walk(child, d + 1, n);
          if (found !== null) return found;
          break;
        }
        child = child.sibling;
      }
    }
    if (node.param !== null) {
      const found = this.#walk(node.param, d + 1, n);
      if (found !== null) return found;
    }
    return node.wildcard;
  }
}
