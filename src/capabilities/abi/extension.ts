// Loaded in each sandbox worker (SandboxOptions.extension): capabilities live in the worker that
// runs the guest, so a SQLite get never crosses a thread, and an I/O-bound guest suspends (JSPI)
// without holding its worker.
import type { ExtensionRun, HostExtension } from '../../sandbox/protocol.ts';
import { WorkerBackends } from './backends.ts';
import { AbiContext } from './context.ts';
import { emptyGrant, type CapabilityGrant } from './grant.ts';
import { Redactor } from '../variables/redact.ts';
import { ABI_MODULE, capabilityImports } from './imports.ts';

const backends = new WorkerBackends();

// One Redactor per grant: a worker keeps its grants, and each run of a function reuses it.
const redactors = new WeakMap<object, Redactor>();

const extension: HostExtension = {
  module: ABI_MODULE,
  instantiate(run: ExtensionRun) {
    const grant = (run.grant as CapabilityGrant | undefined) ?? emptyGrant();
    let redactor = redactors.get(grant);
    if (!redactor) redactors.set(grant, (redactor = new Redactor(grant.secrets)));
    const ctx = new AbiContext(grant, backends, run, redactor);
    const { imports, asyncImports } = capabilityImports(ctx, run.imports);
    return {
      imports, asyncImports,
      setMemory: (memory) => ctx.memory.set(memory),
      abort: (reason) => ctx.abort(reason),
      close: () => ctx.close(),
      usage: () => ({ calls: ctx.calls, waitMs: ctx.waitMs }),
    };
  },
  close: () => backends.close(),
};

export default extension;
