import { WaftError } from '../errors.ts';

/** One line on stderr: what failed and where, then the code; the hint on a second line. */
export function printError(err: unknown, options: { hint?: boolean } = {}): void {
  const e = WaftError.wrap(err);
  let text = `waft: error: ${e.message} [${e.code}]\n`;
  if (options.hint) text += `  hint: ${e.hint}\n`;
  process.stderr.write(text);
}

/** What --json prints: the value, indented, and a newline. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
