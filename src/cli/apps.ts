import { parseArgs, str } from './args.ts';
import { formatTime, table } from './client/format.ts';
import { reportErrors } from './client/server-error.ts';
import { noMore, withClient } from './client/session.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft apps [OPTIONS]

Lists your apps on the server you logged in to: name, active version, URL and creation time.

Options:
  --json          print the apps as JSON
  --server URL    another server than the saved one (with the saved token)
`;

export async function apps(argv: string[]): Promise<number> {
  const p = parseArgs('apps', argv, { json: {}, server: { value: true }, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    noMore('apps', p.positionals, 0);
    return withClient(async (client) => {
      const list = await client.apps();
      if (p.options.json) {
        printJson(list);
        return 0;
      }
      if (list.length === 0) {
        process.stdout.write('No apps yet; create one with `waft deploy` in a directory with a waft.toml.\n');
        return 0;
      }
      const rows = list.map((a) => [a.name, a.activeVersion ? String(a.activeVersion.number) : '-', a.activeVersion ? a.urls.host : '(not deployed)', formatTime(a.createdAt)]);
      process.stdout.write(table(['NAME', 'VERSION', 'URL', 'CREATED (UTC)'], rows));
      return 0;
    }, str(p, 'server'));
  });
}
