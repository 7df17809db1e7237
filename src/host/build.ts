import { spawn } from 'node:child_process';
import { WaftError } from '../errors.ts';
import type { AppManifest, FunctionSpec } from '../manifest/types.ts';

/** Where each toolchain comes from, for the message when one is missing. */
const toolchains: { match: RegExp; install: string }[] = [
  { match: /\bclang\b.*(not found|No such file)|^sh: \d+: clang: not found/m, install: 'apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32' },
  { match: /'(stdio|stdlib|string|unistd)\.h' file not found|unable to find library -lc\b|wasi-sysroot/, install: 'apt-get install wasi-libc' },
  { match: /libclang_rt\.builtins-wasm32\.a/, install: 'apt-get install libclang-rt-14-dev-wasm32' },
  { match: /wasm-ld.*(not found|No such file)|unable to execute command: Executable "wasm-ld"/, install: 'apt-get install lld' },
  { match: /\brustc\b.*not found/, install: 'apt-get install rustc libstd-rust-dev-wasm32' },
  { match: /can't find crate for `std`|target may not be installed/, install: 'apt-get install libstd-rust-dev-wasm32' },
  { match: /\basc\b.*not found|Cannot find module 'assemblyscript/, install: 'npm install --save-dev assemblyscript' },
  { match: /\bwat2wasm\b.*not found/, install: 'npm install --save-dev wabt' },
];

export interface BuildResult {
  function: string;
  command: string;
  ms: number;
  output: string;
}

/** Runs one function's build command with `sh -c` in its workdir. */
export function buildFunction(spec: FunctionSpec, onOutput?: (text: string) => void): Promise<BuildResult> {
  const build = spec.build;
  if (!build) return Promise.resolve({ function: spec.name, command: '', ms: 0, output: '' });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', build.command], {
      cwd: build.workdir, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${build.workdir}/node_modules/.bin:${process.env.PATH ?? ''}` },
    });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      onOutput?.(text);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => reject(new WaftError('WAFT_E_BUILD_FAILED', `function "${spec.name}": cannot run its build: ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0) {
        resolve({ function: spec.name, command: build.command, ms: performance.now() - started, output });
        return;
      }
      const missing = code === 127 || /not found|No such file/.test(output) ? toolchains.find((t) => t.match.test(output)) : toolchains.find((t) => t.match.test(output));
      const tail = output.trim().split('\n').slice(-8).join('\n');
      if (missing) {
        reject(new WaftError('WAFT_E_TOOLCHAIN_MISSING',
          `function "${spec.name}": the build \`${build.command}\` needs a toolchain that is not installed: ${missing.install}\n${tail}`,
          { function: spec.name, install: missing.install }));
        return;
      }
      reject(new WaftError('WAFT_E_BUILD_FAILED', `function "${spec.name}": \`${build.command}\` exited with code ${code}\n${tail}`, { function: spec.name, code }));
    });
  });
}

/** Builds every function that has a build command, one after another. */
export async function buildApp(manifest: AppManifest, onOutput?: (text: string) => void): Promise<BuildResult[]> {
  const results: BuildResult[] = [];
  for (const spec of manifest.functions) if (spec.build) results.push(await buildFunction(spec, onOutput));
  return results;
}
