import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { WaftError } from '../errors.ts';
import { nameProblem } from '../manifest/names.ts';
import { parseArgs, str } from './args.ts';

/** templates/NAME/template.toml describes a template; templates/NAME/content/ is copied. */
const templatesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates');
/** The guest SDKs that ship with waft; a template's `[sdk]` copies one into the app. */
export const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../sdk');
const defaultTemplate = 'c';
const placeholder = /\{\{app-name\}\}/g;
/** Files stored under another name, so that git and npm leave them alone inside templates/. */
const renames: Record<string, string> = { gitignore: '.gitignore' };

const usage = `Usage: waft new NAME [OPTIONS]

Creates an app from a template: the directory DIR (default ./NAME) with waft.toml, the source
of one function that answers every path, a .gitignore and a README. Then:
  cd NAME && waft build && waft up

NAME is the app's name: lowercase letters, digits, "-" and "_", starting with a letter.

Options:
  --template NAME   c (the default), rust, assemblyscript or wat; --list shows what each needs
  --dir DIR         where to create the app (default ./NAME); it must not exist or be empty
  --list            list the templates and exit
`;

export interface TemplateInfo {
  name: string;
  description: string;
  needs: string;
}

export async function listTemplates(): Promise<TemplateInfo[]> {
  const out: TemplateInfo[] = [];
  for (const entry of await readdir(templatesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const meta = parse(await readFile(join(templatesDir, entry.name, 'template.toml'), 'utf8'));
    out.push({ name: entry.name, description: String(meta.description ?? ''), needs: String(meta.needs ?? '') });
  }
  return out.sort((a, b) => (a.name === defaultTemplate ? -1 : b.name === defaultTemplate ? 1 : a.name.localeCompare(b.name)));
}

export interface NewAppOptions {
  name: string;
  template?: string;
  /** Default: NAME in the current directory. */
  dir?: string;
}

export interface NewAppResult {
  dir: string;
  template: string;
  /** Relative to dir, in the order written. */
  files: string[];
}

/** Creates an app from a template. Refuses a bad name, an unknown template and a non-empty directory. */
export async function newApp(opts: NewAppOptions): Promise<NewAppResult> {
  const problem = nameProblem(opts.name);
  if (problem !== null) throw new WaftError('WAFT_E_MANIFEST_NAME', `waft new: app name ${JSON.stringify(opts.name)} ${problem}`);
  const template = opts.template ?? defaultTemplate;
  const known = (await listTemplates()).map((t) => t.name);
  if (!known.includes(template)) {
    throw new WaftError('WAFT_E_USAGE', `waft new: there is no template ${JSON.stringify(template)}; choose ${known.join(', ')} (waft new --list)`);
  }
  const dir = resolve(opts.dir ?? opts.name);
  await claimDir(dir);

  const content = join(templatesDir, template, 'content');
  const files: string[] = [];
  // The SDK goes in as it is (no placeholders), so the app builds without waft's checkout.
  const sdk = await templateSdk(template);
  if (sdk) {
    const from = join(sdkDir, sdk.from);
    for (const source of await walk(from)) {
      if (basename(source) === 'README.md') continue;
      const rel = join(sdk.into, relative(from, source));
      const target = join(dir, rel);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await readFile(source), { flag: 'wx' });
      files.push(rel);
    }
  }
  for (const source of await walk(content)) {
    const rel = relative(content, source).split('/').map((part) => renames[part] ?? part).join('/');
    const target = join(dir, rel);
    await mkdir(dirname(target), { recursive: true });
    const text = (await readFile(source, 'utf8')).replace(placeholder, opts.name);
    // 'wx': never replace a file, even one that appeared since the directory was checked
    await writeFile(target, text, { flag: 'wx' });
    await chmod(target, (await stat(source)).mode & 0o777);
    files.push(rel);
  }
  return { dir, template, files: files.sort() };
}

/**
 * `[sdk]` in template.toml: `from`, a directory under sdk/, is copied into the app's `into`
 * (README.md files left out).
 */
async function templateSdk(template: string): Promise<{ from: string; into: string } | null> {
  const meta = parse(await readFile(join(templatesDir, template, 'template.toml'), 'utf8'));
  const sdk = meta.sdk as { from?: unknown; into?: unknown } | undefined;
  if (sdk === undefined) return null;
  const ok = (v: unknown): v is string => typeof v === 'string' && v !== '' && !isAbsolute(v) && !v.split('/').includes('..');
  if (!ok(sdk.from) || !ok(sdk.into)) {
    throw new WaftError('WAFT_E_INTERNAL', `templates/${template}/template.toml: [sdk] needs from (a directory under sdk/) and into (a directory in the app), both relative`);
  }
  return { from: sdk.from, into: sdk.into };
}

/** Makes sure dir exists and is empty. */
async function claimDir(dir: string): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (info === null) {
    await mkdir(dir, { recursive: true });
    return;
  }
  if (!info.isDirectory()) throw new WaftError('WAFT_E_NEW_DIR_NOT_EMPTY', `waft new: ${dir} exists and is not a directory`, { dir });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new WaftError('WAFT_E_NEW_DIR_NOT_EMPTY', `waft new: ${dir} is not empty (it holds ${shown}); waft new does not overwrite files`, { dir });
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export async function newCommand(argv: string[]): Promise<number> {
  const p = parseArgs('new', argv, { template: { value: true, short: 't' }, dir: { value: true }, list: {}, help: { short: 'h' } });
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (p.options.list) {
    const templates = await listTemplates();
    const width = Math.max(...templates.map((t) => t.name.length));
    for (const t of templates) {
      process.stdout.write(`${t.name.padEnd(width)}  ${t.description}${t.name === defaultTemplate ? ' (the default)' : ''}\n${' '.repeat(width)}  needs ${t.needs}\n`);
    }
    return 0;
  }
  const [name, ...extra] = p.positionals;
  if (!name) throw new WaftError('WAFT_E_USAGE', 'waft new: name the app, e.g. `waft new hello --template c`');
  if (extra.length) throw new WaftError('WAFT_E_USAGE', `waft new: one NAME only; unexpected ${extra.map((e) => JSON.stringify(e)).join(' ')} (use --dir DIR to choose where the app goes)`);
  const result = await newApp({ name, template: str(p, 'template'), dir: str(p, 'dir') });
  const shown = relative(process.cwd(), result.dir) || '.';
  const cd = shown === '.' ? '' : `  cd ${/^[\w./-]+$/.test(shown) ? shown : JSON.stringify(shown)}\n`;
  process.stdout.write(
    `Created app "${name}" from the ${result.template} template in ${shown}:\n` +
    result.files.map((f) => `  ${f}\n`).join('') +
    `\nNext:\n${cd}  waft build\n  waft up\n`,
  );
  return 0;
}
