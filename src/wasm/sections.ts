// The section layer of the WebAssembly binary format: the header, the section list, and the
// small structures (limits, value types, imports, exports) that several sections share.
import { WaftError } from '../errors.ts';
import { Reader, Writer } from './leb128.ts';

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
export const CORE_VERSION = [0x01, 0x00, 0x00, 0x00];
/** Component model binaries: version 0x0d, layer 1. */
export const COMPONENT_VERSION = [0x0d, 0x00, 0x01, 0x00];

export const SEC_CUSTOM = 0;
export const SEC_TYPE = 1;
export const SEC_IMPORT = 2;
export const SEC_FUNCTION = 3;
export const SEC_TABLE = 4;
export const SEC_MEMORY = 5;
export const SEC_GLOBAL = 6;
export const SEC_EXPORT = 7;
export const SEC_START = 8;
export const SEC_ELEMENT = 9;
export const SEC_CODE = 10;
export const SEC_DATA = 11;
export const SEC_DATACOUNT = 12;
export const SEC_TAG = 13;

export const sectionNames: Record<number, string> = {
  0: 'custom', 1: 'type', 2: 'import', 3: 'function', 4: 'table', 5: 'memory', 6: 'global',
  7: 'export', 8: 'start', 9: 'element', 10: 'code', 11: 'data', 12: 'data count', 13: 'tag',
};

/** The order known sections must appear in (the tag and data count sections sit out of id order). */
const sectionRank: Record<number, number> = {
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13,
};

export function rankOf(id: number): number {
  return sectionRank[id] ?? 0;
}

export const KIND_FUNC = 0;
export const KIND_TABLE = 1;
export const KIND_MEMORY = 2;
export const KIND_GLOBAL = 3;
export const KIND_TAG = 4;
/** External kinds as the JS API names them (WebAssembly.Module.imports). */
export const kindNames = ['function', 'table', 'memory', 'global', 'tag'];

export interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the first content byte (after the size). */
  contentStart: number;
  /** Offset just past the section. */
  end: number;
  /** Custom sections only. */
  name?: string;
}

function sameBytes(bytes: Uint8Array, at: number, expected: number[]): boolean {
  return expected.every((b, i) => bytes[at + i] === b);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Checks the 8-byte header and says whether this is a core module or a component. */
export function readHeader(bytes: Uint8Array): 'core' | 'component' {
  if (bytes.length < 4 || !sameBytes(bytes, 0, WASM_MAGIC)) {
    const got = bytes.length === 0 ? 'an empty file' : `bytes ${hex(bytes.subarray(0, 4))}`;
    throw new WaftError('WAFT_E_MODULE_INVALID',
      `not a WebAssembly binary: expected the magic bytes 00 61 73 6d ("\\0asm") at byte 0, found ${got}`, { offset: 0 });
  }
  if (bytes.length < 8) {
    throw new WaftError('WAFT_E_MODULE_INVALID',
      `truncated header: the version needs 4 bytes at byte 4, only ${bytes.length - 4} present`, { offset: bytes.length });
  }
  if (sameBytes(bytes, 4, CORE_VERSION)) return 'core';
  if (sameBytes(bytes, 4, COMPONENT_VERSION)) return 'component';
  throw new WaftError('WAFT_E_MODULE_INVALID',
    `unknown WebAssembly version ${hex(bytes.subarray(4, 8))} at byte 4: expected 01 00 00 00 (core module) or 0d 00 01 00 (component)`,
    { offset: 4 });
}

/**
 * Lists the sections of a binary whose header has been checked, bounds-checking each one.
 * For core modules it also checks that known sections appear once and in order.
 */
export function readSections(bytes: Uint8Array, kind: 'core' | 'component' = 'core'): Section[] {
  const r = new Reader(bytes, 8);
  const sections: Section[] = [];
  let lastRank = 0;
  let lastId = -1;
  while (r.pos < r.end) {
    const start = r.pos;
    const id = r.u8('section id');
    const size = r.u32(`size of section ${id} (${sectionNames[id] ?? 'unknown'})`);
    const contentStart = r.pos;
    if (size > r.end - contentStart) {
      r.fail(`truncated section ${id} (${kind === 'core' ? sectionNames[id] ?? 'unknown' : 'component'}): it declares ${size} bytes but only ${r.end - contentStart} remain`, start);
    }
    const end = contentStart + size;
    const section: Section = { id, start, contentStart, end };
    if (id === SEC_CUSTOM) {
      const nr = new Reader(bytes, contentStart, end);
      section.name = nr.name('custom section name');
    } else if (kind === 'core') {
      const rank = rankOf(id);
      if (rank === 0) r.fail(`unknown section id ${id}`, start);
      if (rank === lastRank) r.fail(`duplicate ${sectionNames[id]} section`, start);
      if (rank < lastRank) r.fail(`${sectionNames[id]} section after the ${sectionNames[lastId]} section`, start);
      lastRank = rank;
      lastId = id;
    }
    sections.push(section);
    r.pos = end;
  }
  return sections;
}

// ── shared structures ───────────────────────────────────────────────────────

export interface Limits {
  /** The raw flags byte: bit 0 max present, bit 1 shared, bit 2 64-bit, bit 3 custom page size. */
  flags: number;
  min: number;
  max: number | null;
  shared: boolean;
  memory64: boolean;
  /** Custom page sizes proposal; null for the usual 64 KiB pages. */
  pageSizeLog2: number | null;
}

export function readLimits(r: Reader, what = 'limits'): Limits {
  const at = r.pos;
  const flags = r.u8(`${what} flags`);
  if (flags > 0x0f) r.fail(`${what}: unknown flags 0x${flags.toString(16)}`, at);
  const memory64 = (flags & 0x04) !== 0;
  const min = memory64 ? r.u64(`${what} minimum`) : r.u32(`${what} minimum`);
  const max = (flags & 0x01) === 0 ? null : memory64 ? r.u64(`${what} maximum`) : r.u32(`${what} maximum`);
  const pageSizeLog2 = (flags & 0x08) === 0 ? null : r.u32(`${what} page size`);
  return { flags, min, max, shared: (flags & 0x02) !== 0, memory64, pageSizeLog2 };
}

export function writeLimits(w: Writer, l: Limits): void {
  w.u8(l.flags);
  if (l.memory64) w.u64(l.min); else w.u32(l.min);
  if (l.max !== null) {
    if (l.memory64) w.u64(l.max); else w.u32(l.max);
  }
  if (l.pageSizeLog2 !== null) w.u32(l.pageSizeLog2);
}

/** Abstract heap and value type shorthands: numeric, vector, and the reference types. */
function isShorthandType(b: number): boolean {
  return (b >= 0x7b && b <= 0x7f) || (b >= 0x69 && b <= 0x74) || b === 0x77 || b === 0x78;
}

/** Skips a value type, including `(ref null? ht)` forms. */
export function skipValType(r: Reader, what = 'value type'): void {
  const at = r.pos;
  const b = r.u8(what);
  if (b === 0x63 || b === 0x64) {
    r.s33('heap type');
    return;
  }
  if (!isShorthandType(b)) r.fail(`unknown ${what} 0x${b.toString(16)}`, at);
}

/** Skips a block type: empty (0x40), one value type, or a type index. */
export function skipBlockType(r: Reader): void {
  const at = r.pos;
  const v = r.s33('block type');
  if (v >= 0) return;
  const b = r.bytes[at]!;
  if (b === 0x63 || b === 0x64) {
    r.s33('heap type');
    return;
  }
  if (b !== 0x40 && !isShorthandType(b)) r.fail(`unknown block type 0x${b.toString(16)}`, at);
}

export interface Import {
  module: string;
  name: string;
  kind: number;
  /** Offset of the entry's first byte (the module name's length). */
  start: number;
  /** Offset just past the entry. */
  end: number;
  /** Memories and tables. */
  limits?: Limits;
}

export function readImports(bytes: Uint8Array, section: Section): Import[] {
  const r = new Reader(bytes, section.contentStart, section.end);
  const count = r.u32('import count');
  const imports: Import[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.pos;
    const module = r.name('import module name');
    const name = r.name('import name');
    const kindAt = r.pos;
    const kind = r.u8('import kind');
    const imp: Import = { module, name, kind, start, end: 0 };
    switch (kind) {
      case KIND_FUNC: r.u32('function type index'); break;
      case KIND_TABLE: skipValType(r, 'table element type'); imp.limits = readLimits(r, 'table limits'); break;
      case KIND_MEMORY: imp.limits = readLimits(r, 'memory limits'); break;
      case KIND_GLOBAL: skipValType(r, 'global type'); r.u8('global mutability'); break;
      case KIND_TAG: r.u8('tag attribute'); r.u32('tag type index'); break;
      default: r.fail(`import ${i} ("${module}" "${name}") has unknown kind 0x${kind.toString(16)}`, kindAt);
    }
    imp.end = r.pos;
    imports.push(imp);
  }
  if (r.pos !== r.end) r.fail(`import section has ${r.end - r.pos} bytes after its last entry`);
  return imports;
}

export interface Export {
  name: string;
  kind: number;
  index: number;
}

export function readExports(bytes: Uint8Array, section: Section): Export[] {
  const r = new Reader(bytes, section.contentStart, section.end);
  const count = r.u32('export count');
  const exports: Export[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.name('export name');
    const kindAt = r.pos;
    const kind = r.u8('export kind');
    if (kind > KIND_TAG) r.fail(`export "${name}" has unknown kind 0x${kind.toString(16)}`, kindAt);
    exports.push({ name, kind, index: r.u32('export index') });
  }
  if (r.pos !== r.end) r.fail(`export section has ${r.end - r.pos} bytes after its last entry`);
  return exports;
}

/** The limits of each memory defined in the memory section. */
export function readMemories(bytes: Uint8Array, section: Section): Limits[] {
  const r = new Reader(bytes, section.contentStart, section.end);
  const count = r.u32('memory count');
  const memories: Limits[] = [];
  for (let i = 0; i < count; i++) memories.push(readLimits(r, `memory ${i} limits`));
  if (r.pos !== r.end) r.fail(`memory section has ${r.end - r.pos} bytes after its last entry`);
  return memories;
}

/** Writes one section: id, size, contents. */
export function writeSection(out: Writer, id: number, contents: Writer | Uint8Array): void {
  out.u8(id);
  if (contents instanceof Writer) out.sized(contents);
  else {
    out.u32(contents.length);
    out.bytes(contents);
  }
}
