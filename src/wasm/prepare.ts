// Rewrites a core module for the sandbox: memory 0 becomes an import the host supplies (so it
// can be pooled and capped), and every loop and tail call polls an interrupt flag the host can
// set from another thread. When a used instance can be reset (./reset-plan.ts), its mutable
// globals are exported for the host to restore. Guests may not import from "waft:sandbox"
// themselves: the interrupt memory holds every instance's flag.
import { WaftError } from '../errors.ts';
import { Reader, Writer, u32Size } from './leb128.ts';
import { CodeRewriter, NO_REMAP } from './instrument.ts';
import type { LoopCheck } from './instrument.ts';
import { remapNameSection } from './names.ts';
import { planReset, type ResetPlan } from './reset-plan.ts';
import {
  KIND_GLOBAL, KIND_MEMORY, SEC_CODE, SEC_CUSTOM, SEC_DATA, SEC_ELEMENT, SEC_EXPORT, SEC_GLOBAL,
  SEC_IMPORT, SEC_MEMORY, SEC_START, SEC_TABLE, rankOf, readExports, readHeader, readImports, readLimits,
  readMemories, readSections, sectionNames, skipValType, writeLimits, writeSection,
} from './sections.ts';
import type { Import, Limits, Section } from './sections.ts';

export type { ResetPlan } from './reset-plan.ts';

export const SANDBOX_MODULE = 'waft:sandbox';
/** Import name of the guest's linear memory (memory 0). */
export const SANDBOX_MEMORY = 'memory';
/** Import name of the shared one-page memory that holds interrupt flags. */
export const INTERRUPT_MEMORY = 'interrupt';
/**
 * Import name of the mutable i32 global: the byte address of the running instance's flag. It is
 * mutable so that a recycled instance can take the slot of each run; the guest cannot name it.
 */
export const INTERRUPT_SLOT = 'interrupt_slot';

export interface UnsupportedMemory {
  reason: 'shared' | 'memory64' | 'custom-page-size';
  message: string;
}

export interface Prepared {
  bytes: Uint8Array<ArrayBuffer>;
  /** Limits (pages) of the ("waft:sandbox", "memory") import, or null when the module has none. */
  memory: { initial: number; maximum: number | null } | null;
  /** True when every loop and tail call polls the interrupt flag (imports "interrupt" and "interrupt_slot"). */
  interruptible: boolean;
  /** Number of loops instrumented. */
  loops: number;
  /** Number of tail calls (return_call*) instrumented: each checks the flag before it jumps. */
  tailCalls: number;
  /**
   * Set when memory 0 is shared, 64-bit or uses custom pages: it was left as it is (not turned
   * into the sandbox import), and the sandbox should refuse the module with this message.
   */
  unsupportedMemory: UnsupportedMemory | null;
  /** How to bring a used instance back to the state of a new one; null when it cannot be done. */
  reset: ResetPlan | null;
  /** Why `reset` is null. */
  resetRefused: string | null;
}

export interface PrepareOptions {
  /** Instrument loops with interrupt checks (default true). */
  interrupt?: boolean;
}

function startFunction(bytes: Uint8Array, s: Section | undefined): number | null {
  return s ? new Reader(bytes, s.contentStart, s.end, 'start section').u32('start function index') : null;
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
  const sections = readSections(bytes);
  const importSection = sections.find((s) => s.id === SEC_IMPORT);
  const memorySection = sections.find((s) => s.id === SEC_MEMORY);
  const imports: Import[] = importSection ? readImports(bytes, importSection) : [];
  const defined: Limits[] = memorySection ? readMemories(bytes, memorySection) : [];
  const reserved = imports.find((i) => i.module === SANDBOX_MODULE);
  if (reserved) {
    throw new WaftError('WAFT_E_MODULE_RESERVED_IMPORT',
      `the module imports "${reserved.module}" "${reserved.name}" (import entry at byte ${reserved.start}); "${SANDBOX_MODULE}" is reserved for the sandbox (was this module prepared already?)`,
      { offset: reserved.start, module: reserved.module, name: reserved.name });
  }

  const memImports = imports.filter((i) => i.kind === KIND_MEMORY);
  const memImport = memImports[0];
  const mem0 = memImport?.limits ?? defined[0] ?? null;
  const unsupportedMemory = mem0 ? unsupportedReason(mem0) : null;
  const rewriteMemory = mem0 !== null && unsupportedMemory === null;
  const moveDefined = rewriteMemory && memImport === undefined;

  const replaced = new Map<Section, Writer | null>();
  const added = new Writer(64);
  let addedCount = 0;

  // Memory 0 keeps index 0: an imported memory is renamed in place; a defined one moves to
  // the import section, and imported memories precede defined ones in the index space.
  if (moveDefined) {
    writeImport(added, SANDBOX_MODULE, SANDBOX_MEMORY);
    added.u8(KIND_MEMORY);
    writeLimits(added, mem0);
    addedCount++;
    const rest = new Writer(memorySection!.end - memorySection!.contentStart);
    rest.u32(defined.length - 1);
    for (const l of defined.slice(1)) writeLimits(rest, l);
    replaced.set(memorySection!, defined.length > 1 ? rest : null);
  }

  let remap = NO_REMAP;
  let loops = 0;
  let tailCalls = 0;
  let reset: ResetPlan | null = null;
  let resetRefused: string | null = interrupt ? null : 'its code was not scanned (prepared without interrupt checks)';
  const newSections: { id: number; w: Writer }[] = [];
  if (interrupt) {
    // Both additions go last among the imports, so only defined globals and defined memories
    // shift (by one); imported ones and every other index space keep their numbers.
    const check: LoopCheck = {
      slotGlobal: imports.filter((i) => i.kind === KIND_GLOBAL).length,
      memory: memImports.length + (moveDefined ? 1 : 0),
    };
    remap = { globalsFrom: check.slotGlobal, memoriesFrom: check.memory };
    writeImport(added, SANDBOX_MODULE, INTERRUPT_MEMORY);
    added.u8(KIND_MEMORY);
    writeLimits(added, { flags: 0x03, min: 1, max: 1, shared: true, memory64: false, pageSizeLog2: null });
    writeImport(added, SANDBOX_MODULE, INTERRUPT_SLOT);
    added.u8(KIND_GLOBAL);
    added.u8(0x7f); // i32
    added.u8(0x01); // mutable
    addedCount += 2;
    const rewriter = new CodeRewriter(bytes, remap, check);
    const exportSection = sections.find((s) => s.id === SEC_EXPORT);
    // The export section is written last, once the reset plan (which reads the code) is known.
    for (const s of sections) {
      const w = s === exportSection ? null : rewriteSection(bytes, s, rewriter);
      if (w) replaced.set(s, w);
    }
    loops = rewriter.loops;
    tailCalls = rewriter.tailCalls;
    const planned = planReset({
      bytes, imports, memoryImport: memImport ?? null,
      start: startFunction(bytes, sections.find((s) => s.id === SEC_START)),
      callees: rewriter.callees,
      memories: memImports.length + defined.length,
      globalSection: sections.find((s) => s.id === SEC_GLOBAL),
      firstDefinedGlobal: check.slotGlobal + 1,
      exportNames: exportSection ? readExports(bytes, exportSection).map((e) => e.name) : [],
      lastingChange: rewriter.lastingChange,
    });
    let extra: ExtraExport[] = [];
    if ('refused' in planned) {
      resetRefused = planned.refused;
    } else {
      reset = planned.plan;
      extra = planned.indices.map((index, i) => ({ name: planned.plan.globals[i]!, index }));
    }
    if (exportSection) {
      const w = rewriteSection(bytes, exportSection, rewriter, extra);
      if (w) replaced.set(exportSection, w);
    } else if (extra.length > 0) {
      newSections.push({ id: SEC_EXPORT, w: exportEntries(extra) });
    }
  }

  if (rewriteMemory || addedCount > 0) {
    const w = new Writer((importSection ? importSection.end - importSection.contentStart : 0) + added.length + 16);
    w.u32(imports.length + addedCount);
    for (const imp of imports) {
      if (imp === memImport && rewriteMemory) {
        writeImport(w, SANDBOX_MODULE, SANDBOX_MEMORY);
        w.u8(KIND_MEMORY);
        writeLimits(w, imp.limits!);
      } else {
        w.copy(bytes, imp.start, imp.end);
      }
    }
    w.copy(added.buf, 0, added.length);
    if (importSection) replaced.set(importSection, w);
    else newSections.push({ id: SEC_IMPORT, w });
  }

  const out = assemble(bytes, sections, replaced, newSections);
  return {
    bytes: out,
    memory: rewriteMemory ? { initial: mem0.min, maximum: mem0.max } : null,
    interruptible: interrupt,
    loops,
    tailCalls,
    unsupportedMemory,
    reset,
    resetRefused,
  };
}

interface ExtraExport {
  name: string;
  /** A global's index. */
  index: number;
}

function writeExtraExports(w: Writer, extra: ExtraExport[]): void {
  for (const e of extra) {
    w.name(e.name);
    w.u8(KIND_GLOBAL);
    w.u32(e.index);
  }
}

/** An export section that holds only `extra`. */
function exportEntries(extra: ExtraExport[]): Writer {
  const w = new Writer(16 + extra.length * 24);
  w.u32(extra.length);
  writeExtraExports(w, extra);
  return w;
}

/** The rewritten contents of a section whose indices or code change, or null to keep it. */
function rewriteSection(bytes: Uint8Array, s: Section, rw: CodeRewriter, extraExports: ExtraExport[] = []): Writer | null {
  const remap = rw.remap;
  const r = new Reader(bytes, s.contentStart, s.end, `${sectionNames[s.id]} section`);
  const size = s.end - s.contentStart;
  /** A vector section: its count, then each entry as `entry` rewrites it, and nothing after. */
  const entries = (what: string, capacity: number, entry: (w: Writer, i: number) => void, extra = 0): Writer => {
    const w = new Writer(capacity);
    const count = r.u32(`${what} count`);
    w.u32(count + extra);
    for (let i = 0; i < count; i++) entry(w, i);
    if (r.pos !== r.end) r.fail(`${r.end - r.pos} bytes after the last entry`);
    return w;
  };
  switch (s.id) {
    case SEC_CODE: {
      const body = new Writer(4096);
      return entries('function', size + (size >> 3) + 64, (w, i) => {
        const bodySize = r.u32(`size of code entry ${i}`);
        const end = r.pos + bodySize;
        if (end > r.end) r.truncated(`code entry ${i}`);
        const fr = new Reader(bytes, r.pos, end, `code entry ${i}`);
        const locals = fr.u32('local declaration count');
        for (let j = 0; j < locals; j++) {
          fr.u32('local count');
          skipValType(fr, 'local type');
        }
        body.length = 0;
        body.copy(bytes, r.pos, fr.pos);
        rw.startBody(i);
        rw.expr(fr, body);
        if (fr.pos !== end) fr.fail(`function body ends before its declared size (${end - fr.pos} bytes left)`);
        w.sized(body);
        r.pos = end;
      });
    }
    case SEC_GLOBAL:
      return entries('global', size + 16, (w, i) => {
        const start = r.pos;
        skipValType(r, 'global type');
        r.u8('global mutability');
        w.copy(bytes, start, r.pos);
        r.what = `global ${i} initializer`;
        rw.expr(r, w);
      });
    case SEC_EXPORT: {
      if (remap.globalsFrom === Infinity && remap.memoriesFrom === Infinity && extraExports.length === 0) return null;
      const w = entries('export', size + 16 + extraExports.length * 24, (w) => {
        const start = r.pos;
        r.name('export name');
        const kind = r.u8('export kind');
        w.copy(bytes, start, r.pos);
        const idx = r.u32('export index');
        const from = kind === KIND_GLOBAL ? remap.globalsFrom : kind === KIND_MEMORY ? remap.memoriesFrom : Infinity;
        w.u32(idx >= from ? idx + 1 : idx);
      }, extraExports.length);
      writeExtraExports(w, extraExports);
      return w;
    }
    case SEC_TABLE:
      return entries('table', size + 16, (w, i) => {
        const start = r.pos;
        const withInit = bytes[r.pos] === 0x40;
        if (withInit) r.skip(2, 'table prefix');
        skipValType(r, 'table element type');
        readLimits(r, 'table limits');
        w.copy(bytes, start, r.pos);
        if (withInit) {
          r.what = `table ${i} initializer`;
          rw.expr(r, w);
        }
      });
    case SEC_ELEMENT:
      return entries('element segment', size + 16, (w, i) => {
        r.what = `element segment ${i}`;
        const start = r.pos;
        const flags = r.u32('element segment flags');
        if (flags > 7) r.fail(`unknown element segment flags ${flags}`, start);
        const active = (flags & 0x01) === 0;
        if (active && (flags & 0x02) !== 0) r.u32('table index');
        w.copy(bytes, start, r.pos);
        if (active) rw.expr(r, w); // the offset expression
        const itemsStart = r.pos;
        if ((flags & 0x03) !== 0) {
          if ((flags & 0x04) !== 0) skipValType(r, 'element type');
          else r.u8('element kind');
        }
        const n = r.u32('element count');
        w.copy(bytes, itemsStart, r.pos);
        for (let j = 0; j < n; j++) {
          if ((flags & 0x04) !== 0) {
            rw.expr(r, w);
          } else {
            const at = r.pos;
            r.u32('function index');
            w.copy(bytes, at, r.pos);
          }
        }
      });
    case SEC_DATA:
      return entries('data segment', size + 16, (w, i) => {
        r.what = `data segment ${i}`;
        const at = r.pos;
        const flags = r.u32('data segment flags');
        if (flags === 1) {
          w.u32(1);
        } else if (flags === 0 || flags === 2) {
          const mem = flags === 2 ? r.u32('memory index') : 0;
          const target = mem >= remap.memoriesFrom ? mem + 1 : mem;
          if (target === 0) {
            w.u32(0);
          } else {
            w.u32(2);
            w.u32(target);
          }
          rw.expr(r, w);
        } else {
          r.fail(`unknown data segment flags ${flags}`, at);
        }
        const lenAt = r.pos;
        const len = r.u32('data length');
        r.skip(len, 'data bytes');
        w.copy(bytes, lenAt, r.pos);
      });
    case SEC_CUSTOM:
      return s.name === 'name' ? remapNameSection(bytes, s, remap) : null;
    default:
      return null;
  }
}

/**
 * Writes the header and every section, substituting the replaced ones (null drops a section)
 * and placing each new section where the section order wants it.
 */
function assemble(
  bytes: Uint8Array, sections: Section[], replaced: Map<Section, Writer | null>, added: { id: number; w: Writer }[],
): Uint8Array<ArrayBuffer> {
  const sizeOf = (w: Writer) => 1 + u32Size(w.length) + w.length;
  let total = 8;
  for (const a of added) total += sizeOf(a.w);
  for (const s of sections) {
    const w = replaced.get(s);
    total += w === undefined ? s.end - s.start : w === null ? 0 : sizeOf(w);
  }
  const out = new Writer(total);
  out.copy(bytes, 0, 8);
  const pending = [...added].sort((a, b) => rankOf(a.id) - rankOf(b.id));
  for (const s of sections) {
    while (pending.length > 0 && s.id !== 0 && rankOf(s.id) > rankOf(pending[0]!.id)) {
      const a = pending.shift()!;
      writeSection(out, a.id, a.w);
    }
    const w = replaced.get(s);
    if (w === undefined) out.copy(bytes, s.start, s.end);
    else if (w !== null) writeSection(out, s.id, w);
  }
  for (const a of pending) writeSection(out, a.id, a.w);
  return out.result();
}
