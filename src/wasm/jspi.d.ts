// JavaScript Promise Integration (shipped in V8 / Node ≥ 24), not yet in TypeScript's lib.
declare namespace WebAssembly {
  class Suspending {
    constructor(fn: (...args: never[]) => unknown);
  }
  function promising(fn: (...args: never[]) => unknown): (...args: unknown[]) => Promise<unknown>;
}
