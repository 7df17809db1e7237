import { parseArgs, str } from './args.ts';
import { formatSize, formatTime, table } from './client/format.ts';
import { reportErrors } from './client/server-error.ts';
import { need, noMore, withClient } from './client/session.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft versions APP [OPTIONS]

Lists the versions of an app, newest first. The active one is marked with "*".

Options:
  --json          print the versions as JSON
  --server URL    another server than the saved one (with the saved token)
`;

export async function versions(argv: string[]): Promise<number> {
  const p = parseArgs('versions', argv, { json: {}, server: { value: true }, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    const app = need(p.positionals, 0, 'app', 'waft versions hello');
    noMore('versions', p.positionals, 1);
    return withClient(async (client) => {
      const list = await client.versions(app);
      if (p.options.json) {
        printJson(list);
        return 0;
      }
      if (list.length === 0) {
        process.stdout.write(`${app} has no versions yet; create one with \`waft deploy\`.\n`);
        return 0;
      }
      const rows = list.map((v) => [
        `${v.active ? '*' : ' '} ${v.number}`, v.id, formatTime(v.createdAt), String(v.fileCount), formatSize(v.size),
        v.functions.map((f) => f.name).join(', '),
      ]);
      process.stdout.write(table(['  VERSION', 'ID', 'CREATED (UTC)', 'FILES', 'SIZE', 'FUNCTIONS'], rows));
      return 0;
    }, str(p, 'server'));
  });
}
