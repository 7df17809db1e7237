import { WaftError } from '../errors.ts';
import { INTERRUPT_MEMORY, INTERRUPT_SLOT, SANDBOX_MEMORY, SANDBOX_MODULE, type ResetPlan } from '../wasm/prepare.ts';
import { suspendingImports } from '../wasm/suspending.ts';
import { PAGE } from './limits.ts';
import { MemoryPool } from './memory-pool.ts';

/** The host functions of one run, by import module: what the guest's imports call. */
export type HostFunctions = Record<string, { functions: Record<string, Function>; waits: Iterable<string> }>;

export interface InstanceRequest {
  module: WebAssembly.Module;
  /** Limits of memory 0 (pages), or null when the module has none. */
  memory: { initial: number; maximum: number | null } | null;
  /** The memory's maximum under the run's cap, in pages. */
  maximum: number;
  /** The module's reset plan; null or undefined: make a new instance for every run. */
  reset?: ResetPlan | null;
  /** Link the functions of `waits` as WebAssembly.Suspending (the run goes through WebAssembly.promising). */
  suspending: boolean;
  slot: number;
  interrupt: WebAssembly.Memory;
  host: HostFunctions;
}

/** An instance lent to one run. */
export interface Lease {
  instance: WebAssembly.Instance;
  memory: WebAssembly.Memory | null;
  /** True when some import may suspend: call `_start` through WebAssembly.promising. */
  suspends: boolean;
  /** True when this instance ran before and was reset. */
  recycled: boolean;
  /** Set for an instance that may be reset and lent again. */
  reusable: Reusable | null;
}

interface Reusable {
  key: string;
  entry: ModuleEntry;
  slot: WebAssembly.Global;
  /** Where the instance's imports find the current run's host functions. */
  links: Record<string, Record<string, Function>>;
  globals: WebAssembly.Global[];
  /** Memory 0 as bytes, for the reset: an instance is reset only while its memory has not grown, so this view stays valid. */
  view: Uint8Array | null;
  bytes: number;
}

/** What every instance of one module shares: its state right after instantiation. */
interface ModuleEntry {
  /** Memory 0 right after instantiation, up to its last non-zero byte. */
  image: Uint8Array | null;
  /** The mutable globals' values right after instantiation, in the plan's order. */
  initial: unknown[];
  /** Idle instances, by link shape (see linkShape()). */
  idle: Map<string, Lease[]>;
  /** When the module last had an instance, as a count of acquisitions: eviction takes the least recent. */
  used: number;
}

const CLOSED: Record<string, Function> = {};
/** What an idle instance holds besides its memory, roughly, for the idle budget. */
const INSTANCE_OVERHEAD = 16 * 1024;

/** The immutable-by-use slot global of a new instance per run: one per slot, since it never changes. */
const slotGlobals: WebAssembly.Global[] = [];

function slotGlobal(slot: number): WebAssembly.Global {
  return (slotGlobals[slot] ??= new WebAssembly.Global({ value: 'i32', mutable: true }, slot * 4));
}

/**
 * Calls the function of the same name that the current run linked. Nine parameters cover every
 * WASI and waft ABI function; a mistyped import with more still gets all its arguments.
 */
function trampoline(links: Record<string, Record<string, Function>>, ns: string, name: string): Function {
  return function (this: unknown, a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown, g: unknown, h: unknown, i: unknown) {
    const fn = links[ns]![name]!;
    if (arguments.length > 9) return fn.apply(undefined, arguments);
    return fn(a, b, c, d, e, f, g, h, i);
  };
}

/** The import object of a run: each namespace's functions from `functions`, the waiting ones Suspending when the run may suspend. */
function link(req: InstanceRequest, functions: (ns: string) => Record<string, Function>): { imports: Record<string, WebAssembly.ModuleImports>; suspends: boolean } {
  const imports: Record<string, WebAssembly.ModuleImports> = {};
  let suspends = false;
  for (const ns in req.host) {
    const fns = functions(ns);
    if (req.suspending) {
      const linked = suspendingImports(fns, req.host[ns]!.waits);
      imports[ns] = linked.imports;
      suspends ||= linked.suspends;
    } else {
      imports[ns] = fns as WebAssembly.ModuleImports;
    }
  }
  return { imports, suspends };
}

/**
 * What must match for an idle instance to serve a run: its imports (Suspending or not, which
 * namespaces) and its memory's maximum.
 */
function linkShape(req: InstanceRequest): string {
  return `${req.suspending ? 's' : 'b'}${req.maximum}:${Object.keys(req.host).join(',')}`;
}

function linkError(err: unknown): unknown {
  // A missing import module is a TypeError, a missing or mistyped import a LinkError.
  if (err instanceof WebAssembly.LinkError || err instanceof TypeError) {
    return new WaftError('WAFT_E_GUEST_LINK', `cannot link the module: ${(err as Error).message.replace(/^WebAssembly\.Instance\(\): /, '')}`);
  }
  return err;
}

export interface InstancePoolOptions {
  /** Reset and lend again the instances of modules that allow it (default true). */
  recycle?: boolean;
  /** Memory that idle instances may hold on this thread, in bytes (default 64 MiB). */
  idleBytes?: number;
  /** Idle instances kept per module and link shape (default 8). */
  perKey?: number;
}

/**
 * Makes the instances of the runs on one thread. Each run gets an instance in the state a new
 * instantiation gives: a new one, or a used one whose memory and mutable globals were put back
 * as prepare()'s reset plan says (modules without a plan always get a new one). Memories of new
 * instances come from a MemoryPool.
 */
export class InstancePool {
  readonly memories = new MemoryPool();
  readonly recycle: boolean;
  readonly #modules = new Map<WebAssembly.Module, ModuleEntry>();
  readonly #maxIdleBytes: number;
  readonly #perKey: number;
  #idleBytes = 0;
  #acquired = 0;

  constructor(options: InstancePoolOptions = {}) {
    this.recycle = options.recycle ?? true;
    this.#maxIdleBytes = options.idleBytes ?? 64 << 20;
    this.#perKey = options.perKey ?? 8;
  }

  /** Bytes of memory the idle instances hold. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  acquire(req: InstanceRequest): Lease {
    if (!this.recycle || !req.reset) return this.#fresh(req);
    const key = linkShape(req);
    let entry = this.#modules.get(req.module);
    if (entry) {
      // Not a delete and re-insert per run to keep the Map in use order: a Map whose entries
      // churn is given new tables, each linked from the last, and once one of them outlives a
      // young-generation collection it holds the next alive, and so on: a chain that promoted
      // megabytes per collection and set the p99 under load.
      entry.used = ++this.#acquired;
      const lease = entry.idle.get(key)?.pop();
      if (lease) {
        const r = lease.reusable!;
        this.#idleBytes -= r.bytes;
        r.slot.value = req.slot * 4;
        for (const ns in req.host) r.links[ns] = req.host[ns]!.functions;
        lease.recycled = true;
        return lease;
      }
    }
    return this.#reusable(req, key, entry);
  }

  /** The run is over. `clean`: it ended by returning or by proc_exit, so its instance may be reset. */
  release(lease: Lease, req: InstanceRequest, clean: boolean): void {
    const r = lease.reusable;
    const memory = lease.memory;
    const initialBytes = (req.memory?.initial ?? 0) * PAGE;
    if (r && clean && (!memory || memory.buffer.byteLength === initialBytes)) {
      for (const ns in r.links) r.links[ns] = CLOSED;
      const list = r.entry.idle.get(r.key);
      if ((list?.length ?? 0) < this.#perKey && this.#makeRoom(r.bytes)) {
        if (r.view) {
          const image = r.entry.image!;
          r.view.set(image);
          r.view.fill(0, image.byteLength);
        }
        for (let i = 0; i < r.globals.length; i++) r.globals[i]!.value = r.entry.initial[i];
        lease.recycled = false;
        if (list) list.push(lease);
        else r.entry.idle.set(r.key, [lease]);
        this.#idleBytes += r.bytes;
        return;
      }
    }
    if (memory && req.memory) this.memories.give(memory, req.memory.initial, req.maximum);
  }

  /** Drops the idle instances of a module the thread no longer runs. */
  forget(module: WebAssembly.Module): void {
    const entry = this.#modules.get(module);
    if (!entry) return;
    for (const list of entry.idle.values()) for (const l of list) this.#idleBytes -= l.reusable!.bytes;
    this.#modules.delete(module);
  }

  /** Evicts idle instances, least recently used module first, until `bytes` more fit. */
  #makeRoom(bytes: number): boolean {
    if (bytes > this.#maxIdleBytes) return false;
    // Once the budget is full this runs on every release: a scan per eviction, nothing allocated.
    while (this.#idleBytes + bytes > this.#maxIdleBytes) {
      let oldest: Lease[] | undefined;
      let when = Infinity;
      for (const entry of this.#modules.values()) {
        if (entry.used >= when) continue;
        for (const list of entry.idle.values()) {
          if (list.length === 0) continue;
          oldest = list;
          when = entry.used;
          break;
        }
      }
      if (!oldest) return false;
      this.#idleBytes -= oldest.shift()!.reusable!.bytes;
    }
    return true;
  }

  #memory(req: InstanceRequest): WebAssembly.Memory | null {
    return req.memory ? this.memories.take(req.memory.initial, req.maximum) : null;
  }

  #fresh(req: InstanceRequest): Lease {
    const memory = this.#memory(req);
    const { imports, suspends } = link(req, (ns) => req.host[ns]!.functions);
    const instance = this.#instantiate(req, memory, slotGlobal(req.slot), imports);
    return { instance, memory, suspends, recycled: false, reusable: null };
  }

  #reusable(req: InstanceRequest, key: string, known: ModuleEntry | undefined): Lease {
    const memory = this.#memory(req);
    const slot = new WebAssembly.Global({ value: 'i32', mutable: true }, req.slot * 4);
    const links: Record<string, Record<string, Function>> = {};
    const { imports, suspends } = link(req, (ns) => {
      const functions = (links[ns] = req.host[ns]!.functions);
      const calls: Record<string, Function> = {};
      for (const name in functions) calls[name] = trampoline(links, ns, name);
      return calls;
    });
    const instance = this.#instantiate(req, memory, slot, imports);
    const globals = req.reset!.globals.map((name) => instance.exports[name] as WebAssembly.Global);
    const view = memory ? new Uint8Array(memory.buffer) : null;
    let entry = known;
    if (!entry) {
      let image: Uint8Array | null = null;
      if (view) {
        let end = view.byteLength;
        while (end > 0 && view[end - 1] === 0) end--;
        image = view.slice(0, end);
      }
      entry = { image, initial: globals.map((g) => g.value), idle: new Map(), used: ++this.#acquired };
      this.#modules.set(req.module, entry);
    }
    const bytes = (memory?.buffer.byteLength ?? 0) + INSTANCE_OVERHEAD;
    return { instance, memory, suspends, recycled: false, reusable: { key, entry, slot, links, globals, view, bytes } };
  }

  #instantiate(req: InstanceRequest, memory: WebAssembly.Memory | null, slot: WebAssembly.Global, imports: Record<string, WebAssembly.ModuleImports>): WebAssembly.Instance {
    const sandbox: Record<string, unknown> = { [INTERRUPT_MEMORY]: req.interrupt, [INTERRUPT_SLOT]: slot };
    if (memory) sandbox[SANDBOX_MEMORY] = memory;
    imports[SANDBOX_MODULE] = sandbox as WebAssembly.ModuleImports;
    try {
      return new WebAssembly.Instance(req.module, imports);
    } catch (err) {
      if (memory && req.memory) this.memories.give(memory, req.memory.initial, req.maximum);
      throw linkError(err);
    }
  }
}
