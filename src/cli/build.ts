import { isAbsolute, relative } from 'node:path';
import { WaftError } from '../errors.ts';
import { buildFunction } from '../host/build.ts';
import { loadManifest } from '../manifest/load.ts';
import { list, parseArgs } from './args.ts';

const usage = `Usage: waft build [DIR|FILE] [OPTIONS]

Runs the build command of each function of an app (DIR/waft.toml, or FILE; default: the current
directory), one after another, with sh in the function's build workdir. Each command and its
time are printed; the tools' output is shown as it comes. PATH is extended with the app's
node_modules/.bin and the tools installed with waft (asc, wat2wasm).

Options:
  --function NAME   build only this function (repeatable)

Exit codes: 0 when every build succeeded; 1 when one failed (the rest are not run), with
WAFT_E_TOOLCHAIN_MISSING naming the package to install when a compiler is missing.
`;

/** Relative to the current directory when inside it, else absolute. */
function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function formatTime(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export async function build(argv: string[]): Promise<number> {
  const p = parseArgs('build', argv, { function: { value: true, multiple: true, short: 'f' }, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (p.positionals.length > 1) throw new WaftError('WAFT_E_USAGE', `waft build: one app at a time; got ${p.positionals.map((x) => JSON.stringify(x)).join(' ')}`);
  const manifest = await loadManifest(p.positionals[0] ?? '.');
  const wanted = list(p, 'function');
  const names = manifest.functions.map((f) => f.name);
  for (const name of wanted) {
    if (!names.includes(name)) {
      throw new WaftError('WAFT_E_USAGE', `waft build: ${shortPath(manifest.file)} has no function "${name}"; its functions are ${names.map((n) => `"${n}"`).join(', ')}`);
    }
  }
  const chosen = manifest.functions.filter((f) => wanted.length === 0 || wanted.includes(f.name));
  const toBuild = chosen.filter((f) => f.build);
  for (const f of chosen) if (!f.build && wanted.includes(f.name)) process.stdout.write(`Function "${f.name}" has no build command; nothing to do for it.\n`);
  if (toBuild.length === 0) {
    if (wanted.length === 0) process.stdout.write(`Nothing to build: no function of "${manifest.app.name}" has a build command.\n`);
    return 0;
  }

  const started = performance.now();
  for (const spec of toBuild) {
    const where = shortPath(spec.build!.workdir);
    process.stdout.write(`Building "${spec.name}" in ${where}: ${spec.build!.command}\n`);
    let open = false; // the tool's last output did not end its line
    try {
      const r = await buildFunction(spec, {
        onOutput: (text, stream) => {
          (stream === 'stdout' ? process.stdout : process.stderr).write(text);
          open = !text.endsWith('\n');
        },
      });
      process.stdout.write(`${open ? '\n' : ''}Built "${spec.name}" in ${formatTime(r.ms)}\n`);
    } catch (err) {
      if (open) process.stderr.write('\n');
      const e = WaftError.wrap(err);
      // The output was shown as it came; the first line says what failed and what to install.
      throw new WaftError(e.code, e.message.split('\n')[0], e.details);
    }
  }
  const n = toBuild.length;
  process.stdout.write(`Finished: built ${n} function${n === 1 ? '' : 's'} in ${formatTime(performance.now() - started)}. Run \`waft up\` to serve the app.\n`);
  return 0;
}
