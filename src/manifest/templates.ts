// Templates in a function's [variables] bindings: text with "{{ name }}" references to app
// variables. There is no escape: "{{" always opens a reference.

import { WaftError } from '../errors.ts';
import { variableNamePattern } from './names.ts';

export type TemplatePart = { text: string } | { variable: string };

export type TemplateResult = { ok: true; parts: TemplatePart[]; references: string[] } | { ok: false; problem: string };

export function parseTemplate(template: string): TemplateResult {
  const parts: TemplatePart[] = [];
  const references: string[] = [];
  let rest = template;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) return { ok: false, problem: `opens "{{" without a closing "}}"; write "{{ name }}"` };
    const name = rest.slice(open + 2, close).trim();
    if (!variableNamePattern.test(name)) {
      return { ok: false, problem: `refers to "{{${rest.slice(open + 2, close)}}}"; between {{ and }} goes one variable name of lowercase letters, digits and "_"` };
    }
    parts.push({ variable: name });
    if (!references.includes(name)) references.push(name);
    rest = rest.slice(close + 2);
  }
  if (rest !== '') parts.push({ text: rest });
  return { ok: true, parts, references };
}

/** Fills a parsed template; `values` must hold every referenced variable. */
export function renderTemplate(parts: readonly TemplatePart[], values: Readonly<Record<string, string>>): string {
  let out = '';
  for (const part of parts) {
    if ('text' in part) out += part.text;
    else {
      const value = values[part.variable];
      if (value === undefined) throw new WaftError('WAFT_E_INTERNAL', `template variable "${part.variable}" has no value`);
      out += value;
    }
  }
  return out;
}
