// The "name" custom section: reading its name maps, and renumbering the memory and global
// maps when prepare() shifts those index spaces.
import { Reader, Writer } from './leb128.ts';
import type { Remap } from './instrument.ts';
import type { Section } from './sections.ts';

export const NAME_FUNCTION = 1;
export const NAME_MEMORY = 6;
export const NAME_GLOBAL = 7;

/** Subsections that are a plain map from index to name (function, type, table, memory, global, elem, data, tag). */
const plainMaps = new Set([1, 4, 5, 6, 7, 8, 9, 11]);

function contentReader(bytes: Uint8Array, section: Section): Reader {
  const r = new Reader(bytes, section.contentStart, section.end, 'name section');
  r.name('section name');
  return r;
}

/** The plain name maps of a name section, by subsection id. */
export function readNameMaps(bytes: Uint8Array, section: Section): Map<number, Map<number, string>> {
  const r = contentReader(bytes, section);
  const maps = new Map<number, Map<number, string>>();
  while (r.pos < r.end) {
    const id = r.u8('subsection id');
    const size = r.u32('subsection size');
    const end = r.pos + size;
    if (end > r.end) r.truncated(`name subsection ${id}`);
    if (plainMaps.has(id)) {
      const sub = new Reader(r.bytes, r.pos, end, `name subsection ${id}`);
      const map = new Map<number, string>();
      const count = sub.u32('name count');
      for (let i = 0; i < count; i++) map.set(sub.u32('index'), sub.name());
      maps.set(id, map);
    }
    r.pos = end;
  }
  return maps;
}

/**
 * The name section's contents with memory and global names renumbered, or null when nothing
 * changes or the section is malformed (engines ignore a bad name section, so we leave it).
 */
export function remapNameSection(bytes: Uint8Array, section: Section, remap: Remap): Writer | null {
  try {
    const r = contentReader(bytes, section);
    const out = new Writer(section.end - section.contentStart + 16);
    out.copy(bytes, section.contentStart, r.pos);
    let changed = false;
    while (r.pos < r.end) {
      const start = r.pos;
      const id = r.u8('subsection id');
      const size = r.u32('subsection size');
      const end = r.pos + size;
      if (end > r.end) r.truncated(`name subsection ${id}`);
      const from = id === NAME_MEMORY ? remap.memoriesFrom : id === NAME_GLOBAL ? remap.globalsFrom : Infinity;
      if (from === Infinity) {
        out.copy(bytes, start, end);
      } else {
        const sub = new Reader(bytes, r.pos, end, `name subsection ${id}`);
        const map = new Writer(size + 8);
        const count = sub.u32('name count');
        map.u32(count);
        for (let i = 0; i < count; i++) {
          const idx = sub.u32('index');
          const nameStart = sub.pos;
          sub.name();
          map.u32(idx >= from ? idx + 1 : idx);
          map.copy(bytes, nameStart, sub.pos);
          if (idx >= from) changed = true;
        }
        out.u8(id);
        out.sized(map);
      }
      r.pos = end;
    }
    return changed ? out : null;
  } catch {
    return null;
  }
}
