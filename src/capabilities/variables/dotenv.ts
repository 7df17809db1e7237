import { WaftError } from '../../errors.ts';

const keyPattern = /^[A-Za-z_][A-Za-z0-9_]*/;

function syntax(file: string, line: number, why: string, key?: string): WaftError {
  return new WaftError('WAFT_E_DOTENV_SYNTAX', `${file}:${line}: ${why}`, key === undefined ? { file, line } : { file, line, key });
}

const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

/**
 * Parse a .env file: `KEY=value` lines, optionally prefixed with `export`. Values are bare
 * (trimmed; a # after whitespace starts a comment), 'single-quoted' (taken literally) or "double-quoted"
 * (\n \r \t \" \\ escapes; other backslashes stay as they are). Quoted values may span lines.
 * No ${VAR} interpolation. A key may appear only once. Errors give file:line and never a value.
 */
export function parseDotenv(text: string, file: string): Record<string, string> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const result: Record<string, string> = {};
  const seenOn = new Map<string, number>();

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let rest = lines[i].trim();
    if (rest === '' || rest.startsWith('#')) continue;
    const exported = /^export[ \t]+/.exec(rest);
    if (exported) rest = rest.slice(exported[0].length);

    const keyMatch = keyPattern.exec(rest);
    if (!keyMatch) {
      if (rest.startsWith('=')) throw syntax(file, lineNo, 'a line starts with "=": write KEY=value');
      throw syntax(file, lineNo, 'expected KEY=value, where KEY is letters, digits and "_" and does not start with a digit');
    }
    const key = keyMatch[0];
    rest = rest.slice(key.length).trimStart();
    if (!rest.startsWith('=')) {
      throw syntax(file, lineNo, rest === '' ? `"${key}" has no "=": write ${key}=value` : `expected "=" after "${key}"`, key);
    }
    const afterEquals = rest.slice(1);
    rest = afterEquals.trimStart();

    let value: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const startLine = lineNo;
      let buffer = '';
      let s = rest.slice(1);
      let closedAt = -1;
      for (;;) {
        for (let j = 0; j < s.length; j++) {
          const c = s[j];
          if (quote === '"' && c === '\\' && j + 1 < s.length) {
            const next = s[j + 1];
            buffer += escapes[next] ?? `\\${next}`;
            j++;
          } else if (c === quote) {
            closedAt = j;
            break;
          } else {
            buffer += c;
          }
        }
        if (closedAt !== -1) break;
        i++;
        if (i >= lines.length) {
          throw syntax(file, startLine, `the value of ${key} opens a ${quote === '"' ? 'double' : 'single'} quote that is never closed`, key);
        }
        buffer += '\n';
        s = lines[i];
      }
      const after = s.slice(closedAt + 1).trim();
      if (after !== '' && !after.startsWith('#')) {
        throw syntax(file, i + 1, `unexpected text after the closing quote of ${key}; put a comment after " #"`, key);
      }
      value = buffer;
    } else {
      // Only "#" after whitespace starts a comment: KEY=#fff keeps its value.
      const comment = /[ \t]#/.exec(afterEquals);
      value = (comment ? afterEquals.slice(0, comment.index) : afterEquals).trim();
    }

    const earlier = seenOn.get(key);
    if (earlier !== undefined) {
      throw syntax(file, lineNo, `${key} is already set on line ${earlier}; each key may appear once`, key);
    }
    seenOn.set(key, lineNo);
    result[key] = value;
  }
  return result;
}
