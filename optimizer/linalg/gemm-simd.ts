/**
 * The WebAssembly SIMD micro-kernel of the packed GEMM (gemm.ts): a few hundred bytes of
 * WebAssembly, assembled here from opcodes (no toolchain, no dependency, no file to fetch), run
 * where the engine supports 128-bit SIMD (Node ≥ 16.4, current browsers) and skipped otherwise
 * (gemm.ts then keeps its JavaScript kernel). The O(n³) dense routines spend their time here.
 *
 * Exported function `blk(ap, bp, cp, mb, nb, kb)` (byte offsets into the module's memory,
 * mb and nb multiples of 4):
 *   C(mb × nb, row-major, at cp) = Ã B̃  where Ã is packed in 4-row micro-panels
 *   (ap[(i/4)·4kb + 4p + r] = A(i + r, p)) and B̃ in 4-column micro-panels
 *   (bp[(j/4)·4kb + 4p + c] = B(p, j + c)); C is OVERWRITTEN (not accumulated).
 * Per step p of a 4 × 4 tile: two 2-lane loads of B̃, four splat loads of Ã, eight 2-lane
 * multiply-adds into eight accumulators (the 4 × 4 tile as 4 rows × 2 lane pairs).
 * Numerically the sum over p runs in the same order as the JavaScript kernel (p ascending, one
 * accumulator per entry, the product rounded before the add), so both give identical bits.
 */

// ---- a minimal WebAssembly binary emitter --------------------------------------------------

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((ch) => ch.charCodeAt(0))];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// opcodes
const I32 = 0x7f;
const V128 = 0x7b;
const get = (l: number) => [0x20, ...uleb(l)];
const set = (l: number) => [0x21, ...uleb(l)];
const i32c = (v: number) => [0x41, ...sleb(v)];
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_LT_U = 0x49;
const I32_SHL = 0x74;
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const V_LOAD = (off: number) => simd(0x00, 3, ...uleb(off)); // align 2^3 (8 bytes: f64 data)
const V_STORE = (off: number) => simd(0x0b, 3, ...uleb(off));
const V_SPLAT64 = (off: number) => simd(0x0a, 3, ...uleb(off));
const F64X2_ADD = simd(0xf0);
const F64X2_MUL = simd(0xf2);
const V_ZERO = simd(0x0c, ...new Array<number>(16).fill(0));
const LOOP = [0x03, 0x40];
const BLOCK = [0x02, 0x40];
const END = 0x0b;
const BR_IF = (d: number) => [0x0d, ...uleb(d)];

/** Code (locals + body) of `blk` (see the file comment). */
function blkCode(): number[] {
  // params: 0 ap, 1 bp, 2 cp, 3 mb, 4 nb, 5 kb
  // i32 locals: 6 i, 7 j, 8 p, 9 pa, 10 pb, 11 pc, 12 stride (4·kb·8 bytes), 13 ldc (nb·8 bytes)
  // v128 locals: 14..21 accumulators acc[r][h] = 14 + 2r + h, 22 b0, 23 b1, 24 a splat
  const ACC = (r: number, h: number) => 14 + 2 * r + h;
  const body: number[] = [];
  const emit = (...xs: (number | number[])[]) => {
    for (const x of xs) if (typeof x === 'number') body.push(x);
    else body.push(...x);
  };
  // stride = kb << 5 ; ldc = nb << 3
  emit(get(5), i32c(5), I32_SHL, set(12));
  emit(get(4), i32c(3), I32_SHL, set(13));
  // i = 0; loop over 4-row panels (mb ≥ 4 guaranteed by the caller)
  emit(i32c(0), set(6));
  emit(LOOP);
  {
    emit(i32c(0), set(7));
    emit(LOOP);
    {
      for (let a = 0; a < 8; a++) emit(V_ZERO, set(14 + a));
      // pa = ap + (i/4)·stride ; pb = bp + (j/4)·stride
      emit(get(0), get(6), i32c(2), 0x76 /* i32.shr_u */, get(12), I32_MUL, I32_ADD, set(9));
      emit(get(1), get(7), i32c(2), 0x76, get(12), I32_MUL, I32_ADD, set(10));
      emit(i32c(0), set(8));
      emit(LOOP);
      {
        emit(get(10), V_LOAD(0), set(22));
        emit(get(10), V_LOAD(16), set(23));
        for (let r = 0; r < 4; r++) {
          emit(get(9), V_SPLAT64(8 * r), set(24));
          for (let h = 0; h < 2; h++) emit(get(ACC(r, h)), get(24), get(22 + h), F64X2_MUL, F64X2_ADD, set(ACC(r, h)));
        }
        emit(get(9), i32c(32), I32_ADD, set(9));
        emit(get(10), i32c(32), I32_ADD, set(10));
        emit(get(8), i32c(1), I32_ADD, set(8));
        emit(get(8), get(5), I32_LT_U, BR_IF(0));
      }
      emit(END);
      // pc = cp + i·ldc + j·8 ; store the 4 × 4 tile
      emit(get(2), get(6), get(13), I32_MUL, I32_ADD, get(7), i32c(3), I32_SHL, I32_ADD, set(11));
      for (let r = 0; r < 4; r++) {
        for (let h = 0; h < 2; h++) emit(get(11), get(ACC(r, h)), V_STORE(16 * h));
        emit(get(11), get(13), I32_ADD, set(11));
      }
      emit(get(7), i32c(4), I32_ADD, set(7));
      emit(get(7), get(4), I32_LT_U, BR_IF(0));
    }
    emit(END);
    emit(get(6), i32c(4), I32_ADD, set(6));
    emit(get(6), get(3), I32_LT_U, BR_IF(0));
  }
  emit(END);
  emit(END); // function end
  const locals = vec([
    [...uleb(8), I32],
    [...uleb(11), V128],
  ]);
  return [...locals, ...body];
}

const F64 = 0x7c;
const F64_LOAD = (off: number) => [0x2b, 3, ...uleb(off)];
const F64_ADD = 0xa0;
const F64_MUL = 0xa2;
const I32_SUB = 0x6b;
const I32_NE = 0x47;
const I32_GE_U = 0x4f;
const I32_AND = 0x71;
const BR = (d: number) => [0x0c, ...uleb(d)];
const F64X2_SUB = simd(0xf1);
const LANE = (l: number) => simd(0x21, l); // f64x2.extract_lane

/**
 * Code of `dot(a, b, len) → f64` = Σ_{i<len} a_i b_i (byte pointers), in exactly the order of
 * dualas' dotFrom: four running sums s_{i mod 4} over the multiples of 4 (two 2-lane
 * accumulators), the tail added to s₀, result (s₀ + s₁) + (s₂ + s₃).
 */
function dotCode(): number[] {
  // params 0 a, 1 b, 2 len; locals 3 i (bytes), 4 end (bytes), 5 acc01, 6 acc23 (v128), 7 s0 (f64)
  const b: number[] = [];
  const e = (...xs: (number | number[])[]) => {
    for (const x of xs) if (typeof x === 'number') b.push(x);
    else b.push(...x);
  };
  e(V_ZERO, set(5), V_ZERO, set(6), i32c(0), set(3));
  e(get(2), i32c(-4), I32_AND, i32c(3), I32_SHL, set(4));
  e(BLOCK, LOOP);
  e(get(3), get(4), I32_GE_U, BR_IF(1));
  e(get(5), get(0), get(3), I32_ADD, V_LOAD(0), get(1), get(3), I32_ADD, V_LOAD(0), F64X2_MUL, F64X2_ADD, set(5));
  e(get(6), get(0), get(3), I32_ADD, V_LOAD(16), get(1), get(3), I32_ADD, V_LOAD(16), F64X2_MUL, F64X2_ADD, set(6));
  e(get(3), i32c(32), I32_ADD, set(3), BR(0));
  e(END, END);
  e(get(5), LANE(0), set(7));
  e(get(2), i32c(3), I32_SHL, set(4));
  e(BLOCK, LOOP);
  e(get(3), get(4), I32_GE_U, BR_IF(1));
  e(get(7), get(0), get(3), I32_ADD, F64_LOAD(0), get(1), get(3), I32_ADD, F64_LOAD(0), F64_MUL, F64_ADD, set(7));
  e(get(3), i32c(8), I32_ADD, set(3), BR(0));
  e(END, END);
  e(get(7), get(5), LANE(1), F64_ADD, get(6), LANE(0), get(6), LANE(1), F64_ADD, F64_ADD);
  e(END);
  return [...vec([[...uleb(2), I32], [...uleb(2), V128], [...uleb(1), F64]]), ...b];
}

/**
 * Code of `rot(p, ld, lo, hi, c, s)`: the chain of Givens rotations of dualas (store.ts rotateAdd)
 * on a COLUMN-major matrix (byte pointer p, column stride ld doubles, ld a multiple of 4, rows
 * 0..ld): for j = hi−1 down to lo, col_{j+1} ← c_j·carry − s_j·col_j, carry ← c_j·col_j +
 * s_j·carry, starting from carry = col_hi and ending with col_lo ← carry (c, s: byte pointers
 * to the coefficients). Four rows per pass, the same arithmetic per entry as the JavaScript
 * loop. Needs hi > lo.
 */
function rotCode(): number[] {
  // params 0 p, 1 ld, 2 lo, 3 hi, 4 c, 5 s; locals 6 i, 7 j, 8 colBytes, 9 addr (i32),
  // 10 car0, 11 car1, 12 x0, 13 x1, 14 cj, 15 sj (v128)
  const b: number[] = [];
  const e = (...xs: (number | number[])[]) => {
    for (const x of xs) if (typeof x === 'number') b.push(x);
    else b.push(...x);
  };
  e(get(1), i32c(3), I32_SHL, set(8), i32c(0), set(6));
  e(LOOP);
  e(get(0), get(3), get(8), I32_MUL, I32_ADD, get(6), I32_ADD, set(9));
  e(get(9), V_LOAD(0), set(10), get(9), V_LOAD(16), set(11));
  e(get(3), set(7));
  e(LOOP);
  e(get(7), i32c(1), I32_SUB, set(7));
  e(get(9), get(8), I32_SUB, set(9));
  e(get(9), V_LOAD(0), set(12), get(9), V_LOAD(16), set(13));
  e(get(4), get(7), i32c(3), I32_SHL, I32_ADD, V_SPLAT64(0), set(14));
  e(get(5), get(7), i32c(3), I32_SHL, I32_ADD, V_SPLAT64(0), set(15));
  for (let h = 0; h < 2; h++) {
    // col_{j+1} ← c·carry − s·x
    e(get(9), get(8), I32_ADD, get(14), get(10 + h), F64X2_MUL, get(15), get(12 + h), F64X2_MUL, F64X2_SUB, V_STORE(16 * h));
    // carry ← c·x + s·carry
    e(get(14), get(12 + h), F64X2_MUL, get(15), get(10 + h), F64X2_MUL, F64X2_ADD, set(10 + h));
  }
  e(get(7), get(2), I32_NE, BR_IF(0));
  e(END);
  e(get(9), get(10), V_STORE(0), get(9), get(11), V_STORE(16));
  e(get(6), i32c(32), I32_ADD, set(6));
  e(get(6), get(8), 0x49 /* i32.lt_u */, BR_IF(0));
  e(END, END);
  return [...vec([[...uleb(4), I32], [...uleb(6), V128]]), ...b];
}

/** The module bytes: functions blk, rot (type (i32 × 6) → ()), dot ((i32 × 3) → f64), memory mem. */
function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fn = (code: number[]) => [...uleb(code.length), ...code];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([
      [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0x00], // type 0: (i32 × 6) → ()
      [0x60, ...vec([[I32], [I32], [I32]]), 0x01, F64], // type 1: (i32 × 3) → f64
    ])),
    ...section(3, vec([[0x00], [0x00], [0x01]])), // blk, rot: type 0; dot: type 1
    ...section(5, vec([[0x00, ...uleb(1)]])), // memory 0: min 1 page, no max
    ...section(7, vec([
      [...name('blk'), 0x00, 0x00],
      [...name('rot'), 0x00, 0x01],
      [...name('dot'), 0x00, 0x02],
      [...name('mem'), 0x02, 0x00],
    ])),
    ...section(10, vec([fn(blkCode()), fn(rotCode()), fn(dotCode())])),
  ]; // prettier-ignore
  return new Uint8Array(bytes);
}

/** The instantiated kernel and its memory, or null where WebAssembly SIMD is unavailable. */
export interface SimdKernel {
  /** C = Ã B̃ (byte offsets; see the file comment) */
  readonly blk: (ap: number, bp: number, cp: number, mb: number, nb: number, kb: number) => void;
  /** Givens chain on a column-major matrix (see rotCode) */
  readonly rot: (p: number, ld: number, lo: number, hi: number, c: number, s: number) => void;
  /** Σ a_i b_i over len entries (byte pointers), dotFrom's order */
  readonly dot: (a: number, b: number, len: number) => number;
  /** a Float64Array view of the memory with at least `doubles` entries (grows the memory; views from earlier calls may detach) */
  view(doubles: number): Float64Array;
}

/**
 * Doubles at the start of the memory reserved for the GEMM's packing buffers; other users
 * (dualas' iteration) place their arrays after it.
 */
export const GEMM_SCRATCH_DOUBLES = 1 << 18;

/** The little of the WebAssembly API used here (the library's build has no DOM or Node types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}

let kernel: SimdKernel | null | undefined;
let enabled = true;

/**
 * Switch the SIMD kernels off (false) or back on (true) for this process: the JavaScript
 * kernels then run (same results; the tests compare both paths). DQP_NO_SIMD=1 in the
 * environment switches them off from the start.
 */
export function useSimdKernels(on: boolean): void {
  enabled = on;
}

/** The SIMD kernel (instantiated on first use), or null when the engine lacks WebAssembly SIMD or it is switched off (DQP_NO_SIMD=1 in Node, useSimdKernels(false)). */
export function simdKernel(): SimdKernel | null {
  if (!enabled) return null;
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    if (env?.['DQP_NO_SIMD'] === '1') return kernel;
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (typeof wasm !== 'object') return kernel;
    const bytes = moduleBytes();
    if (!wasm.validate(bytes)) return kernel;
    const inst = new wasm.Instance(new wasm.Module(bytes), {});
    const mem = inst.exports['mem'] as WasmMemory;
    const blk = inst.exports['blk'] as SimdKernel['blk'];
    const rot = inst.exports['rot'] as SimdKernel['rot'];
    const dot = inst.exports['dot'] as SimdKernel['dot'];
    let f64 = new Float64Array(mem.buffer);
    kernel = {
      blk,
      rot,
      dot,
      view(doubles: number): Float64Array {
        const need = doubles * 8;
        if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
        if (f64.buffer !== mem.buffer) f64 = new Float64Array(mem.buffer);
        return f64;
      },
    };
  } catch {
    kernel = null;
  }
  return kernel;
}
