// smol-toml gives values but no positions, so this scanner walks the source text a second time and
// records where each key, table header and array element starts. It runs only on text the parser
// has already accepted, so it can assume valid TOML and stay small.

export interface Location {
  line: number;
  column: number;
}

/** Map key for a key path; NUL cannot appear in a TOML key written on one line. */
export function keyId(path: readonly string[]): string {
  return path.join('\u0000');
}

export interface KeyLocations {
  /** Where the key, header or element is written. */
  explicit: Map<string, Location>;
  /** Tables that exist only as a prefix of a longer header or dotted key: the first such use. */
  implicit: Map<string, Location>;
}

export function locateKeys(text: string): KeyLocations {
  return new Scanner(text).run();
}

const bareKey = /[A-Za-z0-9_-]/;

class Scanner {
  readonly s: string;
  i = 0;
  readonly lineStarts: number[] = [0];
  readonly out: KeyLocations = { explicit: new Map(), implicit: new Map() };
  readonly arrayTables = new Map<string, number>();

  constructor(text: string) {
    this.s = text;
    for (let k = 0; k < text.length; k++) if (text[k] === '\n') this.lineStarts.push(k + 1);
  }

  at(offset: number): Location {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1 };
  }

  record(path: string[], offset: number): void {
    const id = keyId(path);
    if (!this.out.explicit.has(id)) this.out.explicit.set(id, this.at(offset));
  }

  recordPrefixes(path: string[], offset: number): void {
    for (let n = 1; n < path.length; n++) {
      const id = keyId(path.slice(0, n));
      if (!this.out.implicit.has(id)) this.out.implicit.set(id, this.at(offset));
    }
  }

  run(): KeyLocations {
    const s = this.s;
    if (s.charCodeAt(0) === 0xfeff) this.i = 1;
    let base: string[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.i >= s.length) break;
      if (s[this.i] === '[') {
        const start = this.i;
        const arrayTable = s[this.i + 1] === '[';
        this.i += arrayTable ? 2 : 1;
        this.skipBlank(false);
        const keys = this.keyPath();
        this.skipBlank(false);
        this.i += arrayTable ? 2 : 1;
        base = this.resolveHeader(keys, arrayTable);
        this.recordPrefixes(base, start);
        this.record(base, start);
      } else {
        this.keyValue(base);
      }
    }
    return this.out;
  }

  /** Concrete path of a header, with array-of-tables indices filled in. */
  resolveHeader(keys: string[], arrayTable: boolean): string[] {
    const path: string[] = [];
    keys.forEach((key, n) => {
      path.push(key);
      const id = keyId(path);
      const count = this.arrayTables.get(id);
      if (arrayTable && n === keys.length - 1) {
        this.arrayTables.set(id, (count ?? 0) + 1);
        path.push(String(count ?? 0));
      } else if (count !== undefined) {
        path.push(String(count - 1));
      }
    });
    return path;
  }

  keyValue(base: string[]): void {
    const start = this.i;
    const path = [...base, ...this.keyPath()];
    this.skipBlank(false);
    this.i++; // '='
    this.skipBlank(false);
    this.recordPrefixes(path, start);
    this.record(path, start);
    this.value(path);
  }

  value(path: string[]): void {
    const s = this.s;
    const c = s[this.i];
    if (c === '"' || c === "'") {
      this.string();
    } else if (c === '[') {
      this.i++;
      for (let index = 0; ; index++) {
        this.skipBlank(true);
        if (s[this.i] === ']') break;
        const element = [...path, String(index)];
        this.record(element, this.i);
        this.value(element);
        this.skipBlank(true);
        if (s[this.i] === ',') this.i++;
      }
      this.i++;
    } else if (c === '{') {
      this.i++;
      for (;;) {
        this.skipBlank(true);
        if (s[this.i] === '}') break;
        this.keyValue(path);
        this.skipBlank(true);
        if (s[this.i] === ',') this.i++;
      }
      this.i++;
    } else {
      // numbers, booleans, dates (which may hold a space)
      while (this.i < s.length && !',]}#\r\n'.includes(s[this.i])) this.i++;
    }
  }

  /** Skips a string value and returns its decoded text (decoding is needed for quoted keys only). */
  string(): string {
    const s = this.s;
    const quote = s[this.i];
    const multi = s.startsWith(quote.repeat(3), this.i);
    this.i += multi ? 3 : 1;
    let text = '';
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === '\\' && quote === '"') {
        text += this.escape();
        continue;
      }
      if (c === quote && (!multi || s.startsWith(quote.repeat(3), this.i))) {
        if (!multi) {
          this.i++;
          return text;
        }
        // up to two quotes may sit right before the closing delimiter: """a""""
        let end = this.i;
        while (s[end + 3] === quote && end - this.i < 2) end++;
        text += s.slice(this.i, end);
        this.i = end + 3;
        return text;
      }
      text += c;
      this.i++;
    }
    return text;
  }

  escape(): string {
    const s = this.s;
    const e = s[this.i + 1];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', e: '\x1b', '"': '"', '\\': '\\' };
    if (e in simple) {
      this.i += 2;
      return simple[e];
    }
    const width = e === 'u' ? 4 : e === 'U' ? 8 : e === 'x' ? 2 : 0;
    if (width > 0) {
      const code = parseInt(s.slice(this.i + 2, this.i + 2 + width), 16);
      this.i += 2 + width;
      return String.fromCodePoint(code);
    }
    // line-ending backslash in a multi-line string: skip the newline and following whitespace
    this.i++;
    while (this.i < s.length && ' \t\r\n'.includes(s[this.i])) this.i++;
    return '';
  }

  keyPath(): string[] {
    const s = this.s;
    const keys: string[] = [];
    for (;;) {
      this.skipBlank(false);
      if (s[this.i] === '"' || s[this.i] === "'") {
        keys.push(this.string());
      } else {
        const start = this.i;
        while (this.i < s.length && bareKey.test(s[this.i])) this.i++;
        keys.push(s.slice(start, this.i));
      }
      this.skipBlank(false);
      if (s[this.i] !== '.') return keys;
      this.i++;
    }
  }

  /** Skips spaces, tabs and comments, and newlines too when `newlines` is set. */
  skipBlank(newlines: boolean): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i];
      if (c === ' ' || c === '\t') this.i++;
      else if (newlines && (c === '\n' || c === '\r')) this.i++;
      else if (c === '#') {
        while (this.i < s.length && s[this.i] !== '\n') this.i++;
      } else break;
    }
  }
}
