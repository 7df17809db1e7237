import { statSync } from 'node:fs';
import { isatty } from 'node:tty';
import { resolve } from 'node:path';
import { WaftError } from '../errors.ts';
import { compileModule } from '../wasm/cache.ts';
import { readModuleFile } from '../wasm/load.ts';
import { Sandbox } from '../sandbox/pool.ts';
import type { Preopen } from '../wasi/types.ts';
import { parseDuration, parseSize } from '../util/units.ts';
import { list, parseArgs, str } from './args.ts';
import { printError } from './output.ts';

const usage = `Usage: waft run [OPTIONS] MODULE [ARGS...]

Runs a WASI preview1 command module (.wasm, or .wat) with stdin, stdout and stderr attached.
The guest's exit code becomes waft's exit code.

Options:
  --env K=V               set an environment variable for the guest (repeatable)
  --dir HOST[::GUEST]     preopen the host directory HOST as GUEST (default: HOST) (repeatable)
  --dir-ro HOST[::GUEST]  the same, read-only
  --timeout DURATION      stop the guest after this long (e.g. 500ms, 10s); default: none
  --max-memory SIZE       cap on linear memory (e.g. 64MiB); default: 128MiB
  --max-output SIZE       cap on stdout and stderr together; default: none
  --backtrace             print the wasm backtrace of a trap

Exit codes: the guest's own; 124 when stopped at the deadline; 134 on a trap; 1 for other errors.
`;

const exitCodes: Partial<Record<string, number>> = { WAFT_E_GUEST_TIMEOUT: 124, WAFT_E_GUEST_TRAP: 134 };

export async function run(argv: string[]): Promise<number> {
  const p = parseArgs('run', argv, {
    env: { value: true, multiple: true }, dir: { value: true, multiple: true }, 'dir-ro': { value: true, multiple: true },
    timeout: { value: true }, 'max-memory': { value: true }, 'max-output': { value: true },
    backtrace: {}, help: { short: 'h' },
  }, true);
  if (p.options.help) {
    process.stdout.write(usage);
    return 0;
  }
  const file = p.positionals[0];
  if (!file) throw new WaftError('WAFT_E_USAGE', 'waft run: name the module to run, e.g. `waft run hello.wasm`');

  const env: Record<string, string> = {};
  for (const kv of list(p, 'env')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new WaftError('WAFT_E_USAGE', `waft run: --env ${JSON.stringify(kv)} must be NAME=VALUE`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const preopens = [...list(p, 'dir').map((d) => preopen(d, false)), ...list(p, 'dir-ro').map((d) => preopen(d, true))];
  const timeout = str(p, 'timeout');
  const maxMemory = str(p, 'max-memory');
  const maxOutput = str(p, 'max-output');
  const limits = {
    timeoutMs: timeout === undefined ? Infinity : parseDuration(timeout, '--timeout'),
    memoryBytes: maxMemory === undefined ? 128 * 1024 * 1024 : parseSize(maxMemory, '--max-memory'),
    maxOutputBytes: maxOutput === undefined ? Infinity : parseSize(maxOutput, '--max-output'),
  };

  const module = await compileModule(await readModuleFile(file));
  const sandbox = new Sandbox({ minWorkers: 1, maxWorkers: 1 });
  try {
    const result = await sandbox.run({
      module, args: [file, ...p.rest], env, preopens, limits,
      stdin: { fd: 0 }, stdout: { fd: 1, isTty: isatty(1) }, stderr: { fd: 2, isTty: isatty(2) },
    });
    if (result.error) {
      printError(new WaftError(result.error.code, `${file}: ${result.error.message}`, result.error.details));
      const backtrace = result.error.details?.backtrace;
      if (p.options.backtrace && Array.isArray(backtrace)) process.stderr.write(backtrace.map((f) => `    at ${f}\n`).join(''));
      return exitCodes[result.error.code] ?? 1;
    }
    return result.exitCode ?? 1;
  } finally {
    await sandbox.close();
  }
}

function preopen(spec: string, readonly: boolean): Preopen {
  const sep = spec.indexOf('::');
  const host = sep < 0 ? spec : spec.slice(0, sep);
  const guest = sep < 0 ? spec : spec.slice(sep + 2);
  const hostPath = resolve(host);
  let isDir = false;
  try {
    isDir = statSync(hostPath).isDirectory();
  } catch {
    throw new WaftError('WAFT_E_FILE_NOT_FOUND', `--dir ${spec}: ${hostPath} does not exist`, { path: hostPath });
  }
  if (!isDir) throw new WaftError('WAFT_E_USAGE', `--dir ${spec}: ${hostPath} is not a directory`);
  if (!guest) throw new WaftError('WAFT_E_USAGE', `--dir ${spec}: the guest path after :: is empty`);
  return { hostPath, guestPath: guest, readonly };
}
