import { WaftError } from '../errors.ts';
import { waftVersion } from '../util/version.ts';
import { printError } from './output.ts';

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
  up: { summary: 'serve an app\'s functions over HTTP (the dev server)', load: async () => (await import('./up.ts')).up },
  run: { summary: 'run a WASI command module, like `wasmtime run`', load: async () => (await import('./run.ts')).run },
  server: { summary: 'run the control plane: API, dashboard and every deployed app', load: async () => (await import('./server.ts')).server },
  new: { summary: 'create an app from a template (c, rust, assemblyscript, wat)', load: async () => (await import('./new.ts')).newCommand },
  build: { summary: 'run the build command of each function of an app', load: async () => (await import('./build.ts')).build },
  login: { summary: 'save a waft server and API token for the commands below', load: async () => (await import('./login.ts')).login },
  logout: { summary: 'forget the saved server and token', load: async () => (await import('./login.ts')).logout },
  deploy: { summary: 'upload an app to the server as a new version and deploy it', load: async () => (await import('./deploy.ts')).deploy },
  apps: { summary: 'list your apps on the server', load: async () => (await import('./apps.ts')).apps },
  versions: { summary: 'list the versions of an app', load: async () => (await import('./versions.ts')).versions },
  rollback: { summary: 'make an earlier (or any) version of an app the active one', load: async () => (await import('./rollback.ts')).rollback },
  logs: { summary: 'print or follow (-f) an app\'s log', load: async () => (await import('./logs.ts')).logs },
  invoke: { summary: 'run one request through a function of a deployed app', load: async () => (await import('./invoke.ts')).invoke },
  tokens: { summary: 'create, list and revoke API tokens', load: async () => (await import('./tokens.ts')).tokens },
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
    process.stdout.write(`waft ${waftVersion}\n`);
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
