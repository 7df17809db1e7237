// capabilityImports: the import functions of module "waft" for one run.
import type { AbiContext } from './context.ts';
import { coreImports } from './core.ts';
import { httpAsyncImports, httpImports } from './http.ts';
import { kvAsyncImports, kvImports, kvSettledImports } from './kv.ts';
import { logImports } from './log.ts';
import { variableImports } from './variables.ts';

export const ABI_MODULE = 'waft';

const asyncNames: ReadonlySet<string> = new Set([...kvAsyncImports, ...httpAsyncImports]);
const settledNames: ReadonlySet<string> = new Set(kvSettledImports);

type Call = (...args: never[]) => number | Promise<number>;

/**
 * Each call counts in usage and ends in a status: failures the guest should handle become a
 * status and a last_error message; what must end the guest (the deadline, a pointer outside its
 * memory, the output cap) propagates.
 */
function guard(ctx: AbiContext, call: Call, settled: boolean): Function {
  const settle = (err: unknown) => ctx.settle(err);
  return (...args: never[]) => {
    ctx.calls++;
    try {
      const r = call(...args);
      return r instanceof Promise && !settled ? r.catch(settle) : r;
    } catch (err) {
      return settle(err);
    }
  };
}

/**
 * The imports for a run. `only` lists the names the guest imports, so that a guest pays only
 * for what it uses; names this ABI does not have are left out, and the guest fails to link.
 */
export function capabilityImports(ctx: AbiContext, only?: readonly string[]): { imports: Record<string, Function>; asyncImports: ReadonlySet<string> } {
  const all: Record<string, Call> = {
    ...coreImports(ctx), ...kvImports(ctx), ...httpImports(ctx), ...variableImports(ctx), ...logImports(ctx),
  } as Record<string, Call>;
  const imports: Record<string, Function> = {};
  for (const name of only ?? Object.keys(all)) {
    if (Object.hasOwn(all, name)) imports[name] = guard(ctx, all[name], settledNames.has(name));
  }
  return { imports, asyncImports: asyncNames };
}

/** Every function of ABI version 1. */
export function abiFunctionNames(): string[] {
  return Object.keys({
    ...coreImports(null as never), ...kvImports(null as never), ...httpImports(null as never),
    ...variableImports(null as never), ...logImports(null as never),
  });
}
