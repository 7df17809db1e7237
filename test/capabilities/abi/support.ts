// Helpers for the ABI tests: the script guest (test/guests/c/cap_script.c), grants, and a run
// of a script through a real Sandbox whose workers load the capabilities.
import { compileModule, type CompiledModule } from '../../../src/wasm/cache.ts';
import { readModuleFile } from '../../../src/wasm/load.ts';
import { Sandbox, type RunResult } from '../../../src/sandbox/pool.ts';
import { abiExtension, grantKey, type CapabilityGrant } from '../../../src/capabilities/abi/index.ts';
import { cGuest } from '../../support/guests.ts';

export async function cModule(name: string): Promise<CompiledModule | null> {
  const path = cGuest(name);
  return path ? compileModule(await readModuleFile(path)) : null;
}

export function capabilitySandbox(options: { minWorkers?: number; maxWorkers?: number } = {}): Sandbox {
  return new Sandbox({ minWorkers: 1, maxWorkers: 2, ...options, extension: abiExtension });
}

export function makeGrant(partial: Partial<CapabilityGrant> = {}): CapabilityGrant {
  return {
    app: 'abi-test', function: 'script', stores: {}, allowedOutboundHosts: [],
    outbound: { maxRequestBody: 1 << 20, maxResponseBody: 1 << 20, timeoutMs: 10_000 },
    variables: {}, secrets: [], ...partial,
  };
}

/** The grant as a run carries it: with the key a worker keeps it by. */
export function runGrant(grant: CapabilityGrant): { key: string; value: CapabilityGrant } {
  return { key: grantKey(grant), value: grant };
}

export interface ScriptRun {
  result: RunResult;
  /** stdout, as text. */
  out: string;
  /** The result line of each command, in order (continuation lines joined with "\n"). */
  lines: string[];
}

export async function runScript(
  sandbox: Sandbox, module: CompiledModule, grant: CapabilityGrant | null, script: string[],
  limits: { timeoutMs?: number; memoryBytes?: number; maxOutputBytes?: number } = {},
): Promise<ScriptRun> {
  const result = await sandbox.run({
    module, stdin: new TextEncoder().encode(`${script.join('\n')}\n`), limits,
    grant: grant ? runGrant(grant) : undefined,
  });
  const out = new TextDecoder().decode(result.stdout);
  const lines: string[] = [];
  for (const line of out.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('  ') && lines.length > 0) lines[lines.length - 1] += `\n${line}`;
    else lines.push(line);
  }
  return { result, out, lines };
}
