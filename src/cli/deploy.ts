import { WaftError } from '../errors.ts';
import { parseArgs, str } from './args.ts';
import { collectBundle } from './client/bundle.ts';
import { formatSize } from './client/format.ts';
import { ProgressLine } from './client/progress.ts';
import { reportErrors } from './client/server-error.ts';
import { noMore, withClient } from './client/session.ts';
import { publishBundle } from './client/upload.ts';
import { printJson } from './output.ts';

const usage = `Usage: waft deploy [DIR|FILE] [OPTIONS]

Validates DIR/waft.toml (default: the current directory) on this machine, uploads the bundle
(waft.toml, every function's module, and the files its \`files\` entries share) to the server
you logged in to, creates a new version and deploys it. Nothing is built: run \`waft build\`
first. Files the server already has are not sent again.

Options:
  --app NAME        deploy to this app instead of the [app] name in waft.toml
  --no-deploy       create the version but leave the active one in place
  --progress        always print upload progress (default: only on a terminal)
  --no-progress     never print upload progress
  --json            print the version and deployment as JSON
  --server URL      another server than the saved one (with the saved token)
`;

export async function deploy(argv: string[]): Promise<number> {
  const p = parseArgs('deploy', argv, {
    app: { value: true }, 'no-deploy': {}, progress: {}, 'no-progress': {}, json: {}, server: { value: true }, help: { short: 'h' },
  });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  return reportErrors(async () => {
    noMore('deploy', p.positionals, 1);
    const bundle = await collectBundle(p.positionals[0] ?? '.');
    const appName = str(p, 'app') ?? bundle.manifest.app.name;
    if (!appName) throw new WaftError('WAFT_E_USAGE', 'waft deploy: waft.toml has no [app] name; add one or pass --app NAME');
    const json = Boolean(p.options.json);
    const say = (line: string) => { if (!json) process.stdout.write(`${line}\n`); };
    const fns = bundle.manifest.functions.map((f) => f.name);
    say(`Validated ${bundle.manifest.file}: app ${bundle.manifest.app.name}, ${fns.length} function${fns.length === 1 ? '' : 's'} (${fns.join(', ')}), ${bundle.files.length} file${bundle.files.length === 1 ? '' : 's'}, ${formatSize(bundle.totalBytes)}`);

    const mode = p.options['no-progress'] ? 'never' : p.options.progress ? 'always' : 'auto';
    const progress = new ProgressLine('uploading', { mode });
    return withClient(async (client) => {
      const r = await publishBundle(client, appName, bundle, { deploy: !p.options['no-deploy'], progress });
      if (json) {
        printJson({ app: r.app, created: r.created, version: r.version, deployment: r.deployment ?? null, uploaded: r.uploaded, unchanged: r.unchanged });
        return 0;
      }
      if (r.created) say(`Created app ${appName}`);
      if (r.uploaded === 0) say(`Uploaded nothing: the server has all ${r.unchanged} file${r.unchanged === 1 ? '' : 's'} already`);
      else say(`Uploaded ${r.uploaded} file${r.uploaded === 1 ? '' : 's'} (${formatSize(r.uploadedBytes)})${r.unchanged ? `; ${r.unchanged} unchanged` : ''}`);
      say(`Created version ${r.version.number} of ${appName} (${r.version.id})`);
      if (!r.deployment) {
        say(`Not deployed; deploy it with \`waft rollback ${appName} ${r.version.number}\`, or try it with \`waft invoke ${appName} FUNCTION --version ${r.version.number}\``);
        return 0;
      }
      say(`Deployed ${appName} version ${r.version.number}`);
      say(`  ${r.app.urls.host}`);
      say(`  ${r.app.urls.path}`);
      return 0;
    }, str(p, 'server'));
  });
}
