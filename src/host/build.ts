import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WaftError } from '../errors.ts';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';

const clang = 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32';
const rustc = 'apt-get install rustc libstd-rust-dev-wasm32';
const rustStd = 'apt-get install libstd-rust-dev-wasm32 (with rustup: rustup target add wasm32-wasip1)';

/** How to install a command the shell could not find. */
const commands: Record<string, string> = {
  clang, 'wasm-ld': clang, lld: clang,
  rustc, cargo: 'apt-get install cargo libstd-rust-dev-wasm32',
  asc: 'npm install --save-dev assemblyscript',
  wat2wasm: 'npm install --save-dev wabt',
  node: 'install Node.js 24 or newer (https://nodejs.org)',
  make: 'apt-get install make',
};

/** A tool that runs but lacks a part: recognized from its own error output. */
const parts: { match: RegExp; tool: string; install: string }[] = [
  { match: /'(stdio|stdlib|string|unistd)\.h' file not found|unable to find library -lc\b|wasi-sysroot/, tool: 'wasi-libc', install: 'apt-get install wasi-libc' },
  { match: /libclang_rt\.builtins-wasm32\.a/, tool: 'the wasm32 compiler runtime', install: 'apt-get install libclang-rt-14-dev-wasm32' },
  { match: /Executable "wasm-ld" doesn't exist|unable to execute command: .*wasm-ld/, tool: 'wasm-ld', install: 'apt-get install lld' },
  {
    match: /can't find crate for `std`|target may not be installed|could not find specification for target "wasm32-wasi/,
    tool: 'the Rust standard library for WASI', install: rustStd,
  },
  { match: /Cannot find (module|package) 'assemblyscript/, tool: 'assemblyscript', install: 'npm install --save-dev assemblyscript' },
];

// dash: "sh: 1: clang: not found"; bash: "sh: line 1: clang: command not found";
// env in a #! line: "/usr/bin/env: 'node': No such file or directory".
const shellNotFound = /^[^\n]*?:(?: line)? ?\d*:? ?([\w.+-]+): (?:command )?not found$/m;
const envNotFound = /^\S*env: '?([\w.+-]+)'?: No such file or directory$/m;
// make and others: "make: clang: No such file or directory" (only for the tools named above).
const execNotFound = /^[^\n]*?: ([\w.+-]+): No such file or directory$/m;

/** The missing tool and how to install it, when a build's output says one is missing. */
function missingToolchain(output: string): { tool: string; install: string } | null {
  const shell = shellNotFound.exec(output) ?? envNotFound.exec(output);
  if (shell) {
    const tool = shell[1];
    return { tool, install: commands[tool] ?? commands[tool.replace(/-\d+$/, '')] ?? `install ${tool} or put it on PATH` };
  }
  const exec = execNotFound.exec(output);
  if (exec && exec[1] in commands) return { tool: exec[1], install: commands[exec[1]] };
  const part = parts.find((p) => p.match.test(output));
  return part ? { tool: part.tool, install: part.install } : null;
}

const waftRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Where tools installed with waft live: its own node_modules/.bin (a checkout, or a global
 * install) or, when npm hoisted its dependencies, the .bin of the node_modules that holds it.
 */
function waftToolDirs(): string[] {
  const dirs = [join(waftRoot, 'node_modules', '.bin')];
  if (basename(dirname(waftRoot)) === 'node_modules') dirs.push(join(dirname(waftRoot), '.bin'));
  return dirs.filter((d) => existsSync(d));
}

/**
 * PATH for a build: the app's node_modules/.bin first (its pinned asc or wat2wasm), then the
 * caller's PATH, then the tools that came with waft, then the directory of the node running
 * waft, so `#!/usr/bin/env node` scripts work even when no node is on PATH.
 */
function buildPath(workdir: string, path = process.env.PATH ?? '', withWaftTools = true): string {
  const waft = withWaftTools ? waftToolDirs() : [];
  const dirs = [join(workdir, 'node_modules', '.bin'), ...path.split(delimiter).filter(Boolean), ...waft, dirname(process.execPath)];
  return [...new Set(dirs)].join(delimiter);
}

export interface BuildOptions {
  /** Each chunk of the build's output, as it comes. */
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** The environment of the build command (default: this process's); PATH is extended by buildPath. */
  env?: NodeJS.ProcessEnv;
  /** Put the tools installed with waft on PATH (default true). */
  waftTools?: boolean;
}

export interface BuildResult {
  function: string;
  command: string;
  ms: number;
  output: string;
}

type OutputOption = BuildOptions | ((text: string) => void) | undefined;

function options(o: OutputOption): BuildOptions {
  return typeof o === 'function' ? { onOutput: (text) => o(text) } : o ?? {};
}

/**
 * Runs one function's build command with `sh -c` in its workdir. A command that fails because a
 * compiler or one of its parts is missing rejects with WAFT_E_TOOLCHAIN_MISSING naming what to
 * install; any other failure, or a build that does not make the function's module, with
 * WAFT_E_BUILD_FAILED. Both messages end with the last lines of the output.
 */
export function buildFunction(spec: FunctionSpec, opts?: OutputOption): Promise<BuildResult> {
  const { onOutput, env = process.env, waftTools = true } = options(opts);
  const build = spec.build;
  if (!build) return Promise.resolve({ function: spec.name, command: '', ms: 0, output: '' });
  if (!existsSync(build.workdir)) {
    return Promise.reject(new WaftError('WAFT_E_BUILD_FAILED', `function "${spec.name}": its build workdir ${build.workdir} does not exist; fix build.workdir in waft.toml`, { function: spec.name }));
  }
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', build.command], {
      cwd: build.workdir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, PATH: buildPath(build.workdir, env.PATH, waftTools) },
    });
    let output = '';
    const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      onOutput?.(text, stream);
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    child.on('error', (err) => reject(new WaftError('WAFT_E_BUILD_FAILED', `function "${spec.name}": cannot run its build in ${build.workdir}: ${err.message}`, { function: spec.name })));
    child.on('close', (code, signal) => {
      const tail = output.trimEnd().split('\n').slice(-8).join('\n');
      const withTail = (text: string) => (tail ? `${text}\n${tail}` : text);
      if (code === 0) {
        if (!existsSync(spec.source)) {
          reject(new WaftError('WAFT_E_BUILD_FAILED',
            withTail(`function "${spec.name}": \`${build.command}\` succeeded but did not make ${relative(build.workdir, spec.source) || spec.source}, the function's source; make the build write it, or fix source in waft.toml`),
            { function: spec.name, source: spec.source }));
          return;
        }
        resolvePromise({ function: spec.name, command: build.command, ms: performance.now() - started, output });
        return;
      }
      const missing = missingToolchain(output);
      if (missing) {
        reject(new WaftError('WAFT_E_TOOLCHAIN_MISSING',
          withTail(`function "${spec.name}": the build \`${build.command}\` needs ${missing.tool}, which is not installed: ${missing.install}`),
          { function: spec.name, tool: missing.tool, install: missing.install }));
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new WaftError('WAFT_E_BUILD_FAILED', withTail(`function "${spec.name}": \`${build.command}\` ${how}`), { function: spec.name, code, signal }));
    });
  });
}

/** Builds every function that has a build command, one after another. */
export async function buildApp(manifest: AppManifest, opts?: OutputOption): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const spec of manifest.functions) if (spec.build) results.push(await buildFunction(spec, opts));
  return results;
}
