const placeholder = '[redacted]';

/**
 * The forms in which a secret value shows up in a log line: as it is, escaped inside a JSON
 * string (quotes, backslashes, control characters), and percent-encoded as in a URL or a form
 * (upper- or lower-case hex, space as %20 or +).
 */
function formsOf(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const percent = encodeURIComponent(secret);
  const lowerPercent = percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return [secret, json, percent, lowerPercent, percent.replace(/%20/g, '+'), lowerPercent.replace(/%20/g, '+')];
}

/**
 * Replaces secret values in text with "[redacted]". The logging layer runs every line through
 * it. Where occurrences of secrets overlap (one secret's end is another's start, or one contains
 * another), the whole covered stretch becomes a single "[redacted]", so no fragment of either
 * survives. Each empty secret is ignored; every other one, however short, is redacted wherever it appears.
 */
export class Redactor {
  readonly #needles: string[];

  constructor(secretValues: Iterable<string>) {
    const needles = new Set<string>();
    for (const value of secretValues) {
      if (typeof value !== 'string' || value.length === 0) continue;
      for (const form of formsOf(value)) needles.add(form);
    }
    this.#needles = [...needles];
  }

  /** A Redactor for the secret variables of a resolveVariables() result. */
  static forVariables(resolved: { values: Record<string, string>; secrets: Iterable<string> }): Redactor {
    const values: string[] = [];
    for (const name of resolved.secrets) {
      const value = resolved.values[name];
      if (value !== undefined) values.push(value);
    }
    return new Redactor(values);
  }

  get empty(): boolean {
    return this.#needles.length === 0;
  }

  redact(text: string): string {
    if (this.#needles.length === 0 || text.length === 0) return text;
    const spans: [number, number][] = [];
    for (const needle of this.#needles) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
        spans.push([at, at + needle.length]);
      }
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let copied = 0;
    let [start, end] = spans[0];
    for (let k = 1; k <= spans.length; k++) {
      const next = spans[k];
      if (next !== undefined && next[0] < end) {
        end = Math.max(end, next[1]);
        continue;
      }
      out += text.slice(copied, start) + placeholder;
      copied = end;
      if (next !== undefined) [start, end] = next;
    }
    return out + text.slice(copied);
  }
}
