import { WaftError } from '../errors.ts';
import { printError } from './output.ts';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: { summary: 'serve an app\'s functions over HTTP (the dev server)', load: async () => (await import('./up.ts')).up },
  run: { summary: 'run a WASI command module, like `wasmtime run`', load: async () => (await import('./run.ts')).run },
  new: { summary: 'create an app from a template (c, rust, assemblyscript, wat)', load: async () => (await import('./new.ts')).newCommand },
  build: { summary: 'run the build command of each function of an app', load: async () => (await import('./build.ts')).build },
};

function help(): string {
  const rows = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `waft: a self-hostable serverless WebAssembly platform\n\nUsage: waft COMMAND [OPTIONS]\n\nCommands:\n${rows.join('\n')}\n\nRun \`waft COMMAND --help\` for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write('waft 0.1.0\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    printError(new WaftError('WAFT_E_USAGE', `unknown command "${name}"; run \`waft help\` for the list`));
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (err) {
    const e = WaftError.wrap(err);
    printError(e);
    return e.code === 'WAFT_E_USAGE' ? 2 : 1;
  }
}
