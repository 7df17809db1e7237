// Whether a used instance of a prepared module can be put back into the state a new
// instantiation gives it, and what that takes. The sandbox then recycles instances instead of
// making a new V8 instance per run: a new instance costs tens of µs and drives V8's garbage
// collector, a reset costs a copy of the initial memory.
//
// A run can change an instance's memory, its mutable globals and its tables, and drop its
// passive segments. The host restores memory 0 from the image a new instance has and the mutable
// globals from their initial values; a module that changes anything else, or whose instances
// hold state the host cannot reach, is never recycled.
import { Reader, Writer } from './leb128.ts';
import { CodeRewriter, NO_REMAP } from './instrument.ts';
import { KIND_FUNC, skipValType } from './sections.ts';
import type { Import, Section } from './sections.ts';

/** Export names prepare() gives the mutable globals, followed by the global's index. */
export const RESET_GLOBAL_PREFIX = 'waft:global:';

export interface ResetPlan {
  /** Export names of the mutable globals, in index order: the host restores each after a run. */
  globals: string[];
}

export interface ResetFacts {
  bytes: Uint8Array;
  /** The start function's index, or null. It runs in each new instance (see startCalls). */
  start: number | null;
  /** CodeRewriter.callees: the direct callees of each defined function, -1 for an indirect call. */
  callees: number[][];
  imports: Import[];
  /** The import that is memory 0, which the sandbox supplies; null when memory 0 is defined or absent. */
  memoryImport: Import | null;
  /** Memories in all, imported and defined. */
  memories: number;
  globalSection: Section | undefined;
  /** Index of the first defined global in the prepared module. */
  firstDefinedGlobal: number;
  exportNames: string[];
  /** The first instruction that changes a table or drops a segment (CodeRewriter.lastingChange). */
  lastingChange: string | null;
}

/**
 * Why the start function's effects are not all in memory and globals, or null. What it does to
 * them is in the image a reset restores (taken after instantiation); a call to the host (a
 * clock, random bytes, output) would not happen again, and an indirect call could reach one.
 */
function startCalls(f: ResetFacts, start: number): string | null {
  const imported = f.imports.filter((i) => i.kind === KIND_FUNC);
  const seen = new Set<number>();
  const todo = [start];
  while (todo.length > 0) {
    const fn = todo.pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    if (fn < imported.length) return `calls the import "${imported[fn]!.module}" "${imported[fn]!.name}"`;
    for (const callee of f.callees[fn - imported.length] ?? []) {
      if (callee < 0) return `makes an indirect call`;
      todo.push(callee);
    }
  }
  return null;
}

/** Value types a JS host can read and write through WebAssembly.Global.value. */
const RESTORABLE = new Set([0x7f, 0x7e, 0x7d, 0x7c, 0x70, 0x6f]); // i32 i64 f32 f64 funcref externref

/** The plan, with the index of each global to export, or why instances of the module cannot be reset. */
export function planReset(f: ResetFacts): { plan: ResetPlan; indices: number[] } | { refused: string } {
  if (f.start !== null) {
    const why = startCalls(f, f.start);
    if (why) return { refused: `its start function, which each new instance runs, ${why}` };
  }
  if (f.memories > 1) return { refused: 'it has more than one memory' };
  const foreign = f.imports.find((i) => i.kind !== KIND_FUNC && i !== f.memoryImport);
  if (foreign) return { refused: `it imports "${foreign.module}" "${foreign.name}", state the host does not own` };
  if (f.lastingChange) return { refused: `its code uses ${f.lastingChange}, whose effect a reset does not undo` };
  if (f.exportNames.some((n) => n.startsWith(RESET_GLOBAL_PREFIX))) {
    return { refused: `it exports a name starting with "${RESET_GLOBAL_PREFIX}", which the sandbox uses itself` };
  }
  const indices: number[] = [];
  if (f.globalSection) {
    const s = f.globalSection;
    const r = new Reader(f.bytes, s.contentStart, s.end, 'global section');
    const skip = new CodeRewriter(f.bytes, NO_REMAP, null);
    const count = r.u32('global count');
    for (let i = 0; i < count; i++) {
      const type = f.bytes[r.pos]!;
      skipValType(r, 'global type');
      const mutable = r.u8('global mutability') === 1;
      r.what = `global ${i} initializer`;
      skip.expr(r, new Writer(16));
      if (!mutable) continue;
      if (!RESTORABLE.has(type)) return { refused: `its global ${i} is mutable and of a type the host cannot restore (0x${type.toString(16)})` };
      indices.push(f.firstDefinedGlobal + i);
    }
  }
  return { plan: { globals: indices.map((i) => `${RESET_GLOBAL_PREFIX}${i}`) }, indices };
}
