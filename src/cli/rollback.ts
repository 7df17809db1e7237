import { parseArgs, str } from './args.ts';
import { reportErrors } from './client/server-error.ts';
import { need, noMore, versionRef, withClient } from './client/session.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft rollback APP [VERSION]

Makes VERSION (a number or a ver_… id, as \`waft versions APP\` lists them) the one that serves
the app. Without VERSION, goes back to the version that was active before the current one.
Requests already running finish on the version they started on.

Options:
  --json          print the deployment as JSON
  --server URL    another server than the saved one (with the saved token)
`;

export async function rollback(argv: string[]): Promise<number> {
  const p = parseArgs('rollback', argv, { json: {}, server: { value: true }, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    const app = need(p.positionals, 0, 'app', 'waft rollback hello 2');
    noMore('rollback', p.positionals, 2);
    const version = p.positionals[1] === undefined ? undefined : versionRef(p.positionals[1]);
    return withClient(async (client) => {
      const before = (await client.app(app)).activeVersion;
      const r = await client.rollback(app, version);
      if (p.options.json) {
        printJson(r);
        return 0;
      }
      if (before?.number === r.deployment.version) {
        process.stdout.write(`${app} already runs version ${r.deployment.version}; nothing changed.\n`);
        return 0;
      }
      const was = before ? ` (was version ${before.number})` : '';
      const verb = r.deployment.kind === 'rollback' ? 'Rolled back' : 'Deployed';
      process.stdout.write(`${verb} ${app} to version ${r.deployment.version}${was}\n  ${r.app.urls.host}\n`);
      return 0;
    }, str(p, 'server'));
  });
}
