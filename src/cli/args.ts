import { WaftError } from '../errors.ts';

export interface OptionSpec {
  /** Takes a value (`--timeout 5s` or `--timeout=5s`); otherwise a flag. */
  value?: boolean;
  /** May repeat; values collect into an array. */
  multiple?: boolean;
  short?: string;
}

export interface Parsed {
  options: Record<string, string | boolean | string[]>;
  positionals: string[];
  /** Everything after the first positional when `stopAtPositional` is set, or after `--`. */
  rest: string[];
}

/**
 * Parses `waft COMMAND` arguments. With stopAtPositional, everything after the first positional
 * belongs to the guest, even when it looks like an option (`waft run app.wasm --verbose`).
 */
export function parseArgs(command: string, argv: string[], specs: Record<string, OptionSpec>, stopAtPositional = false): Parsed {
  const options: Parsed['options'] = {};
  const positionals: string[] = [];
  const byShort = new Map(Object.entries(specs).filter(([, s]) => s.short).map(([k, s]) => [s.short!, k]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { options, positionals, rest: argv.slice(i + 1) };
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const raw = arg.startsWith('--') ? arg.slice(2, eq < 0 ? undefined : eq) : byShort.get(arg.slice(1)) ?? arg.slice(1);
      const spec = specs[raw];
      if (!spec) {
        throw new WaftError('WAFT_E_USAGE', `waft ${command}: unknown option ${arg}; run \`waft ${command} --help\``);
      }
      let value: string | boolean = true;
      if (spec.value) {
        if (eq >= 0) value = arg.slice(eq + 1);
        else if (i + 1 < argv.length) value = argv[++i];
        else throw new WaftError('WAFT_E_USAGE', `waft ${command}: ${arg} needs a value`);
      }
      if (spec.multiple) ((options[raw] ??= []) as string[]).push(String(value));
      else options[raw] = value;
      continue;
    }
    positionals.push(arg);
    if (stopAtPositional) return { options, positionals, rest: argv.slice(i + 1) };
  }
  return { options, positionals, rest: [] };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(p: Parsed, name: string): string[] {
  const v = p.options[name];
  return Array.isArray(v) ? v : [];
}
