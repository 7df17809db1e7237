import { availableParallelism } from 'node:os';
import { WaftError } from '../errors.ts';
import { startDevServer } from '../host/dev-server.ts';
import { parseDuration } from '../util/units.ts';
import { list, parseArgs, str } from './args.ts';
import { parseListen } from './listen.ts';
import { serveLogger, serveUntilSignal } from './serve.ts';

const usage = `Usage: waft up [DIR|FILE] [OPTIONS]

Serves the functions of an app (DIR/waft.toml, or FILE) over HTTP.

Options:
  --listen ADDR          address to listen on (default 127.0.0.1:3000)
  --build                run the functions' build commands first
  --watch                rebuild and reload when sources, modules or waft.toml change
  --log-format FORMAT    pretty (color, the default on a terminal), plain, or json
  --grace DURATION       on Ctrl-C, how long in-flight requests may take to finish (default 10s)
  --quiet                no per-request log lines
  --threads N            threads that serve HTTP, sharing the port (default: one per core, here ${availableParallelism()})
  --new-instances        make a new V8 instance for every request instead of resetting a used
                         one (slower; the state each request sees is the same either way)
  --workers-only         run every guest on a worker thread, never a short one on the thread
                         that serves HTTP (slower; see docs/sandbox.md#inline-runs)
  --runtime-config FILE  how this host provides key-value stores and outbound HTTP (docs/runtime-config.md)
  --var NAME=VALUE       the value of an app variable (repeatable); wins over WAFT_VAR_NAME and .env
  --env-file FILE        read variables from FILE instead of .env in the app directory
`;

export async function up(argv: string[]): Promise<number> {
  const p = parseArgs('up', argv, {
    listen: { value: true }, build: {}, watch: {}, 'log-format': { value: true }, grace: { value: true }, quiet: {},
    threads: { value: true }, 'new-instances': {}, 'workers-only': {}, 'runtime-config': { value: true }, var: { value: true, multiple: true }, 'env-file': { value: true },
    help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const logger = serveLogger(str(p, 'log-format'), Boolean(p.options.quiet));
  const { host, port } = parseListen(str(p, 'listen') ?? '127.0.0.1:3000');
  const graceMs = parseDuration(str(p, 'grace') ?? '10s', '--grace');
  const vars: Record<string, string> = {};
  for (const pair of list(p, 'var')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new WaftError('WAFT_E_USAGE', `--var ${pair.split('=')[0]}: write --var NAME=VALUE`);
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const threads = parseThreads(str(p, 'threads'));
  const dev = await startDevServer({
    manifest: p.positionals[0] ?? '.', host, port, logger, build: Boolean(p.options.build), watch: Boolean(p.options.watch),
    runtimeConfig: str(p, 'runtime-config'), variables: { vars, envFile: str(p, 'env-file') },
    sandbox: { recycle: !p.options['new-instances'], inline: !p.options['workers-only'] }, threads,
  });
  return serveUntilSignal(logger, graceMs, () => dev.inFlight, (ms) => dev.stop(ms));
}

function parseThreads(value: string | undefined): number {
  if (value === undefined) return availableParallelism();
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new WaftError('WAFT_E_USAGE', `--threads ${value}: give a whole number from 1 to 256`);
  return n;
}
