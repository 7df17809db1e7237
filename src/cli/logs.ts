import { WaftError } from '../errors.ts';
import { parseArgs, str } from './args.ts';
import { formatLogTime } from './client/format.ts';
import { reportErrors } from './client/server-error.ts';
import { need, noMore, withClient } from './client/session.ts';
import type { LogEntry, LogQuery } from './client/types.ts';

const usage = `Usage: waft logs APP [OPTIONS]

Prints an app's log: one line per request, the lines its functions wrote to stderr, and its
deploys and rollbacks. With -f it keeps following the log live until Ctrl-C.

Options:
  -f, --follow         keep printing new entries as they are written
  --function NAME      only this function
  --since TIME         only entries since TIME: a duration ago (15m, 2h, 7d), an ISO 8601
                       date (2026-11-22T10:00:00Z) or milliseconds since the epoch
  --level LEVEL        at least this level: debug, info, warn or error
  --source SOURCE      only request, guest or system entries
  --request ID         only the entries of one request
  --version VERSION    only entries of this version (number or id)
  -n, --limit N        the newest N entries (default 1000 without -f, 100 with it)
  --json               one JSON object per line
  --server URL         another server than the saved one (with the saved token)
`;

export async function logs(argv: string[]): Promise<number> {
  const p = parseArgs('logs', argv, {
    follow: { short: 'f' }, function: { value: true }, since: { value: true }, level: { value: true }, source: { value: true },
    request: { value: true }, version: { value: true }, limit: { value: true, short: 'n' }, json: {}, server: { value: true },
    help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    const app = need(p.positionals, 0, 'app', 'waft logs hello -f');
    noMore('logs', p.positionals, 1);
    const rawLimit = str(p, 'limit');
    const limit = rawLimit === undefined ? undefined : Number(rawLimit);
    if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1 && limit <= 10_000)) {
      throw new WaftError('WAFT_E_USAGE', `waft logs: --limit ${rawLimit} must be a whole number from 1 to 10000`);
    }
    return withClient(async (client) => {
      const query: LogQuery = {
        function: str(p, 'function'), since: str(p, 'since'), level: str(p, 'level'), source: str(p, 'source'),
        requestId: str(p, 'request'), version: str(p, 'version'),
      };
      const json = Boolean(p.options.json);
      const print = (e: LogEntry) => process.stdout.write(json ? `${JSON.stringify(e)}\n` : formatEntry(e));

      let after: number | undefined;
      if (!p.options.follow || limit !== undefined) {
        const page = await client.logs(app, { ...query, limit });
        for (const e of page.entries) print(e);
        if (!p.options.follow) return 0;
        after = page.lastId;
      }

      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // A reader that went away (waft logs -f | head) ends the follow quietly.
      process.stdout.once('error', onSignal);
      try {
        for await (const e of client.followLogs(app, { ...query, after }, stop.signal)) print(e);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      return 0;
    }, str(p, 'server'));
  });
}

/** `2026-11-22T10:00:00.123Z info  hello@3 7f3a9c000k GET /hello 200 in 0.84ms` */
function formatEntry(e: LogEntry): string {
  const where = e.function ? `${e.function}@${e.version ?? '?'}` : e.source;
  const request = e.requestId ? ` ${e.requestId}` : '';
  return `${formatLogTime(e.time)} ${e.level.padEnd(5)} ${where}${request} ${e.message}\n`;
}
