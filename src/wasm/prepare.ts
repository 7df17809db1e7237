// Rewrites a core module for the sandbox: memory 0 becomes an import the host supplies (so it
// can be pooled and capped), and every loop polls an interrupt flag the host can set from
// another thread.
import { WaftError } from '../errors.ts';
import { Writer } from './leb128.ts';
import {
  KIND_MEMORY, SEC_IMPORT, SEC_MEMORY, rankOf, readHeader, readImports, readMemories,
  readSections, writeLimits, writeSection,
} from './sections.ts';
import type { Import, Limits, Section } from './sections.ts';

export const SANDBOX_MODULE = 'waft:sandbox';
/** Import name of the guest's linear memory (memory 0). */
export const SANDBOX_MEMORY = 'memory';
/** Import name of the shared one-page memory that holds interrupt flags. */
export const INTERRUPT_MEMORY = 'interrupt';
/** Import name of the immutable i32 global: the byte address of this instance's flag. */
export const INTERRUPT_SLOT = 'interrupt_slot';

export interface UnsupportedMemory {
  reason: 'shared' | 'memory64' | 'custom-page-size';
  message: string;
}

export interface Prepared {
  bytes: Uint8Array<ArrayBuffer>;
  /** Limits (pages) of the ("waft:sandbox", "memory") import, or null when the module has none. */
  memory: { initial: number; maximum: number | null } | null;
  /** True when every loop polls the interrupt flag (imports "interrupt" and "interrupt_slot"). */
  interruptible: boolean;
  /** Number of loops instrumented. */
  loops: number;
  /**
   * Set when memory 0 is shared, 64-bit or uses custom pages: it was left as it is (not turned
   * into the sandbox import), and the sandbox should refuse the module with this message.
   */
  unsupportedMemory: UnsupportedMemory | null;
}

export interface PrepareOptions {
  /** Instrument loops with interrupt checks (default true). */
  interrupt?: boolean;
}

function unsupportedReason(l: Limits): UnsupportedMemory | null {
  if (l.shared) return { reason: 'shared', message: 'memory 0 is a shared memory (threads); waft cannot pool or cap shared memories' };
  if (l.memory64) return { reason: 'memory64', message: 'memory 0 is a 64-bit memory (memory64); waft supports 32-bit memories only' };
  if (l.pageSizeLog2 !== null) return { reason: 'custom-page-size', message: 'memory 0 uses custom page sizes; waft supports 64 KiB pages only' };
  return null;
}

function writeImport(w: Writer, module: string, name: string): void {
  w.name(module);
  w.name(name);
}

export function prepare(bytes: Uint8Array, options: PrepareOptions = {}): Prepared {
  const interrupt = options.interrupt ?? true;
  if (readHeader(bytes) === 'component') {
    throw new WaftError('WAFT_E_MODULE_UNSUPPORTED', 'cannot prepare a component: prepare() rewrites core modules only', { offset: 4 });
  }
  if (interrupt) {
    throw new WaftError('WAFT_E_MODULE_UNSUPPORTED', 'loop instrumentation is not implemented yet; call prepare() with { interrupt: false }');
  }
  const sections = readSections(bytes);
  const importSection = sections.find((s) => s.id === SEC_IMPORT);
  const memorySection = sections.find((s) => s.id === SEC_MEMORY);
  const imports: Import[] = importSection ? readImports(bytes, importSection) : [];
  const defined: Limits[] = memorySection ? readMemories(bytes, memorySection) : [];

  const memImport = imports.find((i) => i.kind === KIND_MEMORY);
  const mem0 = memImport?.limits ?? defined[0] ?? null;
  const unsupportedMemory = mem0 ? unsupportedReason(mem0) : null;
  const rewriteMemory = mem0 !== null && unsupportedMemory === null;
  const moveDefined = rewriteMemory && memImport === undefined;

  const replaced = new Map<Section, Writer | null>();
  let newImportSection: Writer | null = null;

  if (rewriteMemory) {
    // Memory 0 keeps index 0: an imported memory is renamed in place; a defined one moves to
    // the import section, and imported memories precede defined ones in the index space.
    const w = new Writer((importSection ? importSection.end - importSection.contentStart : 0) + 64);
    w.u32(imports.length + (moveDefined ? 1 : 0));
    for (const imp of imports) {
      if (imp === memImport) {
        writeImport(w, SANDBOX_MODULE, SANDBOX_MEMORY);
        w.u8(KIND_MEMORY);
        writeLimits(w, imp.limits!);
      } else {
        w.copy(bytes, imp.start, imp.end);
      }
    }
    if (moveDefined) {
      writeImport(w, SANDBOX_MODULE, SANDBOX_MEMORY);
      w.u8(KIND_MEMORY);
      writeLimits(w, mem0);
      const rest = new Writer(memorySection!.end - memorySection!.contentStart);
      rest.u32(defined.length - 1);
      for (const l of defined.slice(1)) writeLimits(rest, l);
      replaced.set(memorySection!, defined.length > 1 ? rest : null);
    }
    if (importSection) replaced.set(importSection, w);
    else newImportSection = w;
  }

  const out = assemble(bytes, sections, replaced, newImportSection);
  return {
    bytes: out,
    memory: rewriteMemory ? { initial: mem0.min, maximum: mem0.max } : null,
    interruptible: false,
    loops: 0,
    unsupportedMemory,
  };
}

/**
 * Writes the header and every section, substituting the replaced ones (null drops a section)
 * and placing a new import section where the section order wants it.
 */
export function assemble(
  bytes: Uint8Array, sections: Section[], replaced: Map<Section, Writer | null>, newImportSection: Writer | null,
): Uint8Array<ArrayBuffer> {
  const out = new Writer(bytes.length + 256);
  out.copy(bytes, 0, 8);
  let importPending = newImportSection;
  for (const s of sections) {
    if (importPending && s.id !== 0 && rankOf(s.id) > rankOf(SEC_IMPORT)) {
      writeSection(out, SEC_IMPORT, importPending);
      importPending = null;
    }
    if (replaced.has(s)) {
      const w = replaced.get(s);
      if (w) writeSection(out, s.id, w);
    } else {
      out.copy(bytes, s.start, s.end);
    }
  }
  if (importPending) writeSection(out, SEC_IMPORT, importPending);
  return out.result();
}
