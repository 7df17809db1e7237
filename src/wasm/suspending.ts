// JSPI (see jspi.d.ts): host functions that may return a Promise suspend the guest's stack.

/**
 * `imports` with the functions named in `waits` wrapped in WebAssembly.Suspending. `suspends`
 * says whether any was: a guest that imports none of them can never suspend, so it may run
 * without WebAssembly.promising(), whose every call costs a fresh stack.
 */
export function suspendingImports(imports: Record<string, Function>, waits: Iterable<string>): { imports: WebAssembly.ModuleImports; suspends: boolean } {
  const out: Record<string, unknown> = { ...imports };
  let suspends = false;
  for (const name of waits) {
    const fn = imports[name];
    if (!fn) continue;
    out[name] = new WebAssembly.Suspending(fn as (...args: never[]) => unknown);
    suspends = true;
  }
  return { imports: out as WebAssembly.ModuleImports, suspends };
}
