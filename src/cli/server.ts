import { WaftError } from '../errors.ts';
import { parseDurationText } from '../server/api/schema.ts';
import { startServer } from '../server/server.ts';
import { parseDuration, parseSize } from '../util/units.ts';
import { parseArgs, str } from './args.ts';
import { serveLogger, serveUntilSignal } from './serve.ts';
import { parseListen } from './listen.ts';

const usage = `Usage: waft server [OPTIONS]

Runs the waft control plane and serves every deployed app: the HTTP gateway
(http://<app>.<domain>/ and /apps/<app>/), the API under /api/v1, the dashboard,
/healthz and /metrics. See docs/server.md and docs/api.md.

Options:
  --listen ADDR            address to listen on (default 127.0.0.1:8080)
  --data DIR               data directory: SQLite database, blobs, versions (default ./waft-data)
  --database URL           postgres://user:password@host:port/db (default: SQLite in the data
                           directory; also WAFT_DATABASE_URL)
  --domain DOMAIN          apps answer at <app>.DOMAIN (default localhost)
  --max-bundle-size SIZE   largest version bundle, and blob (default 256MiB)
  --max-bundle-files N     most files per version (default 1000)
  --log-retention DUR      delete app log entries older than this (default 7d)
  --log-max-per-app N      keep at most this many log entries per app (default 100000)
  --usage-retention DUR    delete usage records older than this (default 90d)
  --metrics-public         serve /metrics without a token (default: admin scope needed)
  --allow-private-outbound let apps reach private, loopback and link-local addresses that their
                           allowed_outbound_hosts name exactly (default: never, so that one
                           user's app cannot reach this server's network)
  --log-format FORMAT      pretty (color, the default on a terminal), plain, or json
  --grace DURATION         on Ctrl-C, how long in-flight requests may take to finish (default 10s)
  --quiet                  no per-request log lines
  --new-instances          make a new V8 instance for every request instead of resetting a used
                           one (slower; the state each request sees is the same either way)
  --workers-only           run every guest on a worker thread, never a short one on the thread
                           that serves HTTP (slower; see docs/sandbox.md#inline-runs)

Environment:
  WAFT_ADMIN_TOKEN         the admin token to create on first start (32–512 characters),
                           instead of a generated one that is printed once
  WAFT_DATABASE_URL        like --database
`;

function days(value: string, flag: string): number {
  const ms = parseDurationText(value);
  if (ms === null || ms < 1) throw new WaftError('WAFT_E_USAGE', `${flag} ${JSON.stringify(value)}: write a duration such as 12h, 7d or 4w`);
  return ms;
}

function count(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new WaftError('WAFT_E_USAGE', `${flag} ${JSON.stringify(value)}: write a whole number from ${min} to ${max}`);
  return n;
}

export async function server(argv: string[]): Promise<number> {
  const p = parseArgs('server', argv, {
    listen: { value: true }, data: { value: true }, database: { value: true }, domain: { value: true },
    'max-bundle-size': { value: true }, 'max-bundle-files': { value: true },
    'log-retention': { value: true }, 'log-max-per-app': { value: true }, 'usage-retention': { value: true },
    'metrics-public': {}, 'allow-private-outbound': {}, 'log-format': { value: true }, grace: { value: true }, quiet: {},
    'new-instances': {}, 'workers-only': {}, help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (p.positionals.length > 0) throw new WaftError('WAFT_E_USAGE', `waft server takes no arguments, got ${JSON.stringify(p.positionals[0])}; run \`waft server --help\``);
  const logger = serveLogger(str(p, 'log-format'), Boolean(p.options.quiet));
  const { host, port } = parseListen(str(p, 'listen') ?? '127.0.0.1:8080');
  const domain = (str(p, 'domain') ?? 'localhost').toLowerCase();
  if (!/^(?=.{1,200}$)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(domain)) {
    throw new WaftError('WAFT_E_USAGE', `--domain ${JSON.stringify(domain)}: write a DNS name such as localhost or apps.example.com`);
  }
  const graceMs = parseDuration(str(p, 'grace') ?? '10s', '--grace');
  const limits: Record<string, number> = {};
  const size = str(p, 'max-bundle-size');
  if (size !== undefined) limits.maxBundleBytes = parseSize(size, '--max-bundle-size');
  const files = str(p, 'max-bundle-files');
  if (files !== undefined) limits.maxBundleFiles = count(files, '--max-bundle-files', 1, 1_000_000);
  const retention: Record<string, number> = {};
  const logAge = str(p, 'log-retention');
  if (logAge !== undefined) retention.logMaxAgeMs = days(logAge, '--log-retention');
  const perApp = str(p, 'log-max-per-app');
  if (perApp !== undefined) retention.logMaxPerApp = count(perApp, '--log-max-per-app', 1, 1_000_000_000);
  const usageAge = str(p, 'usage-retention');
  if (usageAge !== undefined) retention.usageMaxAgeMs = days(usageAge, '--usage-retention');

  const running = await startServer({
    dataDir: str(p, 'data') ?? 'waft-data',
    databaseUrl: str(p, 'database') ?? process.env.WAFT_DATABASE_URL,
    host, port, domain, logger, limits, retention,
    adminToken: process.env.WAFT_ADMIN_TOKEN,
    metricsPublic: Boolean(p.options['metrics-public']),
    allowPrivateOutbound: Boolean(p.options['allow-private-outbound']),
    sandbox: { recycle: !p.options['new-instances'], inline: !p.options['workers-only'] },
  });
  if (running.adminSecret !== null && !running.adminSecretFromEnv) {
    process.stdout.write(`\nAdmin token (shown once; keep it safe, it is not stored in readable form):\n\n    ${running.adminSecret}\n\n`);
  } else if (running.adminSecret !== null) {
    logger.info('Created the admin token given in WAFT_ADMIN_TOKEN');
  }
  return serveUntilSignal(logger, graceMs, () => running.ctx.gateway.inFlight, (ms) => running.stop(ms));
}
