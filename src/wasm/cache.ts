import { WaftError } from '../errors.ts';
import { inspect, type ModuleInfo } from './inspect.ts';
import { hashBytes, type ModuleBytes } from './load.ts';
import { prepare, type ResetPlan } from './prepare.ts';

/** A module ready to instantiate: validated, rewritten for the sandbox, compiled once. */
export interface CompiledModule {
  hash: string;
  source: string;
  info: ModuleInfo;
  module: WebAssembly.Module;
  /** Limits of memory 0 in pages, now imported from the sandbox; null when the module has none. */
  memory: { initial: number; maximum: number | null } | null;
  /** True when loop headers check the interrupt slot, so a deadline can stop the guest alone. */
  interruptible: boolean;
  /** How a used instance is brought back to the state of a new one; null when it cannot be. */
  reset: ResetPlan | null;
  /** Why `reset` is null. */
  resetRefused: string | null;
}

/** Compiles each module once per content hash. Concurrent requests for one hash share one compile. */
export class ModuleCache {
  readonly #entries = new Map<string, Promise<CompiledModule>>();

  get size(): number {
    return this.#entries.size;
  }

  compile(input: ModuleBytes | Uint8Array, source = 'module'): Promise<CompiledModule> {
    const m = input instanceof Uint8Array ? { bytes: input, source, hash: hashBytes(input) } : input;
    let entry = this.#entries.get(m.hash);
    if (!entry) {
      entry = compileModule(m);
      this.#entries.set(m.hash, entry);
      entry.catch(() => this.#entries.delete(m.hash));
    }
    return entry;
  }

  /** Takes a module another thread compiled (a CompiledModule can be posted): no compile here. */
  add(compiled: CompiledModule): void {
    if (!this.#entries.has(compiled.hash)) this.#entries.set(compiled.hash, Promise.resolve(compiled));
  }

  delete(hash: string): void {
    this.#entries.delete(hash);
  }
}

export async function compileModule(m: ModuleBytes): Promise<CompiledModule> {
  let info: ModuleInfo;
  try {
    info = inspect(m.bytes);
  } catch (err) {
    if (err instanceof WaftError) throw new WaftError(err.code, `${m.source}: ${err.message}`, { ...err.details, source: m.source });
    throw err;
  }
  if (info.kind === 'component') {
    throw new WaftError('WAFT_E_MODULE_UNSUPPORTED',
      `${m.source}: is a WebAssembly component; this executor runs core WASI preview1 modules`, { source: m.source });
  }
  if (!WebAssembly.validate(m.bytes as Uint8Array<ArrayBuffer>)) {
    throw new WaftError('WAFT_E_MODULE_INVALID', `${m.source}: ${validationMessage(m.bytes)}`, { source: m.source });
  }
  let prepared;
  try {
    prepared = prepare(m.bytes, { interrupt: true });
  } catch (err) {
    if (!(err instanceof WaftError) || err.code !== 'WAFT_E_MODULE_UNSUPPORTED') throw err;
    prepared = prepare(m.bytes, { interrupt: false });
  }
  // A memory prepare() could not make the sandbox's import would be neither capped nor pooled.
  if (prepared.unsupportedMemory) {
    throw new WaftError('WAFT_E_MODULE_UNSUPPORTED', `${m.source}: ${prepared.unsupportedMemory.message}`, { source: m.source });
  }
  const module = await WebAssembly.compile(prepared.bytes as Uint8Array<ArrayBuffer>);
  return {
    hash: m.hash, source: m.source, info, module, memory: prepared.memory, interruptible: prepared.interruptible,
    reset: prepared.reset, resetRefused: prepared.resetRefused,
  };
}

function validationMessage(bytes: Uint8Array): string {
  try {
    new WebAssembly.Module(bytes as BufferSource);
    return 'invalid module';
  } catch (err) {
    return (err as Error).message.replace(/^WebAssembly\.Module\(\): /, '');
  }
}
