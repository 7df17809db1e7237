// Instruction-level rewriting: decodes every instruction of a function body or constant
// expression, renumbers global and memory indices that shifted because prepare() added
// imports, and inserts an interrupt check at the head of every loop body and before every
// tail call (a chain of return_calls runs forever without a loop and without growing the
// stack).
import { WaftError } from '../errors.ts';
import { Reader, Writer } from './leb128.ts';
import { skipBlockType, skipValType } from './sections.ts';

/**
 * Index shifts caused by added imports: globals (memories) whose index is at least
 * `globalsFrom` (`memoriesFrom`) move up by one. Infinity means nothing shifts.
 */
export interface Remap {
  globalsFrom: number;
  memoriesFrom: number;
}

/** Where the interrupt flag lives: a global holding its address, in memory `memory`. */
export interface LoopCheck {
  slotGlobal: number;
  memory: number;
}

export const NO_REMAP: Remap = { globalsFrom: Infinity, memoriesFrom: Infinity };

function hex(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

/** The byte sequence `global.get slot; i32.load (memory m) align=2 offset=0; if; unreachable; end`. */
function loopCheckBytes(check: LoopCheck): Uint8Array {
  const w = new Writer(16);
  w.u8(0x23);
  w.u32(check.slotGlobal);
  w.u8(0x28);
  if (check.memory === 0) {
    w.u8(2);
  } else {
    w.u8(2 | 0x40);
    w.u32(check.memory);
  }
  w.u8(0);
  w.u8(0x04);
  w.u8(0x40);
  w.u8(0x00);
  w.u8(0x0b);
  return w.result();
}

/** SIMD (0xFD) sub-opcodes that take no immediates; the others are listed in simdImmediates(). */
const simdPlain = new Uint8Array(0x114);
for (let op = 0x0e; op <= 0x14; op++) simdPlain[op] = 1;
for (let op = 0x23; op <= 0x53; op++) simdPlain[op] = 1;
for (let op = 0x5e; op <= 0xff; op++) simdPlain[op] = 1;
for (let op = 0x100; op <= 0x113; op++) simdPlain[op] = 1; // relaxed SIMD
for (const op of [0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb, 0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee]) {
  simdPlain[op] = 0; // unassigned
}

/** The 0xFC instructions whose effect outlives a run in state other than memory and globals. */
const LASTING_FC: Record<number, string> = {
  9: 'data.drop', 12: 'table.init', 13: 'elem.drop', 14: 'table.copy', 15: 'table.grow', 17: 'table.fill',
};

export class CodeRewriter {
  readonly bytes: Uint8Array;
  readonly remap: Remap;
  readonly check: Uint8Array | null;
  /** Loops instrumented so far. */
  loops = 0;
  /** Tail calls instrumented so far. */
  tailCalls = 0;
  /**
   * The first instruction seen that changes a table or drops a segment: state that resetting
   * memory and globals would not put back (see prepare's ResetPlan). Null when there is none.
   */
  lastingChange: string | null = null;
  /**
   * Direct callees of each function body, by its place in the code section; -1 stands for an
   * indirect call (call_indirect, call_ref and their return_ forms). Filled for the bodies
   * announced with startBody().
   */
  readonly callees: number[][] = [];
  private body: number[] | null = null;
  /** Input offset up to which the current expression has been written out. */
  private copied = 0;
  private out: Writer = new Writer(16);

  constructor(bytes: Uint8Array, remap: Remap, check: LoopCheck | null) {
    this.bytes = bytes;
    this.remap = remap;
    this.check = check ? loopCheckBytes(check) : null;
  }

  /** The next expr() is the body of the code section's function `i`. */
  startBody(i: number): void {
    this.body = this.callees[i] = [];
  }

  private called(index: number): void {
    this.body?.push(index);
  }

  /** Writes the input up to `to`. */
  private flush(to: number): void {
    this.out.copy(this.bytes, this.copied, to);
    this.copied = to;
  }

  /** Inserts the check before the instruction at `at` (its operands are already on the stack). */
  private checkBefore(at: number): void {
    this.flush(at);
    this.out.bytes(this.check!);
    this.tailCalls++;
  }

  private unsupported(r: Reader, at: number, opcode: string): never {
    throw new WaftError('WAFT_E_MODULE_UNSUPPORTED',
      `${r.what}: unknown opcode ${opcode} at byte ${at} (0x${at.toString(16)}); prepare it with { interrupt: false } to run it without loop interrupts`,
      { offset: at, opcode });
  }

  private memidx(r: Reader): void {
    const at = r.pos;
    const mem = r.u32('memory index');
    if (mem >= this.remap.memoriesFrom) {
      this.flush(at);
      this.out.u32(mem + 1);
      this.copied = r.pos;
    }
  }

  private memarg(r: Reader): void {
    const at = r.pos;
    const flags = r.u32('memarg alignment');
    const mem = (flags & 0x40) !== 0 ? r.u32('memarg memory index') : 0;
    if (mem >= this.remap.memoriesFrom) {
      this.flush(at);
      this.out.u32(flags | 0x40);
      this.out.u32(mem + 1);
      this.copied = r.pos;
    }
    r.skipLeb(10, 'memarg offset');
  }

  /**
   * Rewrites the expression at r.pos, up to and including the `end` that closes it, into `out`.
   * r.what names it in errors ("function 3").
   */
  expr(r: Reader, out: Writer): void {
    this.out = out;
    this.copied = r.pos;
    const remap = this.remap;
    let depth = 0;
    for (;;) {
      const at = r.pos;
      const op = r.u8('instruction (missing end)');
      switch (op) {
        case 0x00: case 0x01: case 0x05: case 0x0a: case 0x0f: case 0x1a: case 0x1b:
        case 0xd1: case 0xd3: case 0xd4:
          break;
        case 0x02: case 0x04: case 0x06: // block, if, try
          skipBlockType(r);
          depth++;
          break;
        case 0x03: // loop
          skipBlockType(r);
          depth++;
          if (this.check) {
            this.flush(r.pos);
            out.bytes(this.check);
            this.loops++;
          }
          break;
        case 0x0b: // end
          if (depth === 0) {
            this.flush(r.pos);
            this.body = null;
            return;
          }
          depth--;
          break;
        case 0x18: // delegate: ends a try
          r.u32('label');
          if (depth === 0) r.fail('delegate outside of a try', at);
          depth--;
          break;
        case 0x1f: { // try_table
          skipBlockType(r);
          const n = r.u32('catch count');
          for (let i = 0; i < n; i++) {
            const kindAt = r.pos;
            const kind = r.u8('catch kind');
            if (kind === 0 || kind === 1) r.u32('tag index');
            else if (kind !== 2 && kind !== 3) r.fail(`unknown catch kind ${kind}`, kindAt);
            r.u32('label');
          }
          depth++;
          break;
        }
        case 0x12: case 0x15: // return_call, return_call_ref
          if (this.check) this.checkBefore(at);
          this.called(op === 0x12 ? r.u32('function index') : (r.u32('type index'), -1));
          break;
        case 0x07: case 0x08: case 0x09: // catch, throw, rethrow
        case 0x0c: case 0x0d: case 0xd5: case 0xd6: // br, br_if, br_on_null, br_on_non_null
        case 0x10: case 0x14: // call, call_ref
          this.called(op === 0x10 ? r.u32('function index') : (r.u32('type index'), -1));
          break;
        case 0x20: case 0x21: case 0x22: case 0x25: case 0xd2: // locals, table.get, ref.func
          r.u32('immediate');
          break;
        case 0x26: // table.set
          this.lastingChange ??= 'table.set';
          r.u32('table index');
          break;
        case 0x19: // catch_all
          break;
        case 0x0e: { // br_table
          const n = r.u32('br_table length');
          for (let i = 0; i <= n; i++) r.u32('label');
          break;
        }
        case 0x11: case 0x13: // call_indirect, return_call_indirect
          if (op === 0x13 && this.check) this.checkBefore(at);
          r.u32('type index');
          r.u32('table index');
          this.called(-1);
          break;
        case 0x1c: { // select t*
          const n = r.u32('select type count');
          for (let i = 0; i < n; i++) skipValType(r);
          break;
        }
        case 0x23: case 0x24: { // global.get, global.set
          const idxAt = r.pos;
          const idx = r.u32('global index');
          if (idx >= remap.globalsFrom) {
            this.flush(idxAt);
            out.u32(idx + 1);
            this.copied = r.pos;
          }
          break;
        }
        case 0x3f: case 0x40: // memory.size, memory.grow
          this.memidx(r);
          break;
        case 0x41: r.skipLeb(5, 'i32 constant'); break;
        case 0x42: r.skipLeb(10, 'i64 constant'); break;
        case 0x43: r.skip(4, 'f32 constant'); break;
        case 0x44: r.skip(8, 'f64 constant'); break;
        case 0xd0: r.s33('heap type'); break; // ref.null
        case 0xfc: this.prefixFC(r, at); break;
        case 0xfd: this.prefixFD(r, at); break;
        case 0xfe: this.prefixFE(r, at); break;
        default:
          if (op >= 0x28 && op <= 0x3e) this.memarg(r); // loads and stores
          else if (op < 0x45 || op > 0xc4) this.unsupported(r, at, hex(op)); // 0x45-0xc4: numeric, no immediates
      }
    }
  }

  private prefixFC(r: Reader, at: number): void {
    const sub = r.u32('0xfc sub-opcode');
    if (sub <= 7) return; // saturating truncation
    switch (sub) {
      case 8: r.u32('data index'); this.memidx(r); return; // memory.init
      case 10: this.memidx(r); this.memidx(r); return; // memory.copy
      case 11: this.memidx(r); return; // memory.fill
      case 16: r.u32('table index'); return; // table.size
      case 12: case 14: // table.init, table.copy
        this.lastingChange ??= LASTING_FC[sub]!;
        r.u32('index');
        r.u32('table index');
        return;
      case 9: case 13: case 15: case 17: // data.drop, elem.drop, table.grow, table.fill
        this.lastingChange ??= LASTING_FC[sub]!;
        r.u32('index');
        return;
      default: this.unsupported(r, at, `0xfc ${sub}`);
    }
  }

  private prefixFD(r: Reader, at: number): void {
    const sub = r.u32('0xfd sub-opcode');
    if (sub < simdPlain.length && simdPlain[sub] === 1) return;
    if (sub <= 0x0b || sub === 0x5c || sub === 0x5d) this.memarg(r); // loads, store, load_zero
    else if (sub === 0x0c || sub === 0x0d) r.skip(16, sub === 0x0c ? 'v128 constant' : 'shuffle lanes');
    else if (sub >= 0x15 && sub <= 0x22) r.skip(1, 'lane index'); // extract/replace lane
    else if (sub >= 0x54 && sub <= 0x5b) { // load/store lane
      this.memarg(r);
      r.skip(1, 'lane index');
    } else this.unsupported(r, at, `0xfd ${sub}`);
  }

  private prefixFE(r: Reader, at: number): void {
    const sub = r.u32('0xfe sub-opcode');
    if (sub === 0x03) { // atomic.fence
      r.skip(1, 'fence flags');
      return;
    }
    if (sub <= 0x02 || (sub >= 0x10 && sub <= 0x4e)) this.memarg(r);
    else this.unsupported(r, at, `0xfe ${sub}`);
  }
}
