// What a module is, imports and exports, without compiling it.
import {
  KIND_FUNC, KIND_MEMORY, SEC_CUSTOM, SEC_EXPORT, SEC_IMPORT, SEC_MEMORY, kindNames,
  readExports, readHeader, readImports, readMemories, readSections,
} from './sections.ts';

/** Limits are in pages. */
export interface MemoryInfo {
  initial: number;
  maximum: number | null;
  shared: boolean;
  memory64: boolean;
  imported: { module: string; name: string } | null;
}

export interface ModuleInfo {
  /** By the header: version 1 is a core module, version 0x0d layer 1 a component. */
  kind: 'core' | 'component';
  /**
   * command: exports `_start`. reactor: exports `_initialize`, or imports WASI without `_start`.
   * none: neither. Components are always 'none' here (no deep parse).
   */
  wasi: 'command' | 'reactor' | 'none';
  imports: { module: string; name: string; kind: string }[];
  exports: { name: string; kind: string }[];
  /** Memory index 0. */
  memory: MemoryInfo | null;
  /** Names of the custom sections, in order. */
  customSections: string[];
  size: number;
}

const WASI_MODULES = ['wasi_snapshot_preview1', 'wasi_unstable'];

/**
 * Reads a module's header and sections. Throws WaftError WAFT_E_MODULE_INVALID with the byte
 * offset for anything malformed. Components get header-level info only.
 */
export function inspect(bytes: Uint8Array): ModuleInfo {
  const kind = readHeader(bytes);
  const sections = readSections(bytes, kind);
  const customSections = sections.filter((s) => s.id === SEC_CUSTOM).map((s) => s.name!);
  if (kind === 'component') {
    return { kind, wasi: 'none', imports: [], exports: [], memory: null, customSections, size: bytes.length };
  }
  const importSection = sections.find((s) => s.id === SEC_IMPORT);
  const exportSection = sections.find((s) => s.id === SEC_EXPORT);
  const memorySection = sections.find((s) => s.id === SEC_MEMORY);
  const imports = importSection ? readImports(bytes, importSection) : [];
  const exports = exportSection ? readExports(bytes, exportSection) : [];

  let memory: MemoryInfo | null = null;
  const memImport = imports.find((i) => i.kind === KIND_MEMORY);
  const limits = memImport?.limits ?? (memorySection ? readMemories(bytes, memorySection)[0] : undefined);
  if (limits) {
    memory = {
      initial: limits.min, maximum: limits.max, shared: limits.shared, memory64: limits.memory64,
      imported: memImport ? { module: memImport.module, name: memImport.name } : null,
    };
  }

  const exportsFunc = (name: string) => exports.some((e) => e.name === name && e.kind === KIND_FUNC);
  const importsWasi = imports.some((i) => WASI_MODULES.includes(i.module));
  const wasi = exportsFunc('_start') ? 'command'
    : exportsFunc('_initialize') || importsWasi ? 'reactor'
      : 'none';

  return {
    kind,
    wasi,
    imports: imports.map((i) => ({ module: i.module, name: i.name, kind: kindNames[i.kind]! })),
    exports: exports.map((e) => ({ name: e.name, kind: kindNames[e.kind]! })),
    memory,
    customSections,
    size: bytes.length,
  };
}
