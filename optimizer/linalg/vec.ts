/**
 * Small vector helpers shared by the solvers (typed arrays in, a number or a flag out, or sorted in
 * place; nothing allocated).
 * The two infinity norms differ only for NaN entries: normInf skips them (a comparison with NaN
 * is false), maxAbs propagates them (Math.max) — use maxAbs where a NaN must not look small.
 */

/** ‖v[from..to)‖₂, scaled so the squares neither overflow nor underflow (∞/NaN propagate). */
export function norm2(v: Float64Array, from = 0, to = v.length): number {
  // scaled to avoid overflow/underflow in the squares
  let scale = 0;
  for (let i = from; i < to; i++) scale = Math.max(scale, Math.abs(v[i]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = from; i < to; i++) {
    const t = v[i]! / scale;
    s += t * t;
  }
  return scale * Math.sqrt(s);
}

/** Σ a_i b_i over the length of a. */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** max |v_i| over the first len entries (0 for none); NaN entries are skipped. */
export function normInf(v: Float64Array, len = v.length): number {
  let m = 0;
  for (let i = 0; i < len; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return m;
}

/** max |v_i| (0 for an empty vector); NaN when an entry is NaN. */
export function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}

/** Whether every entry of v is finite (no NaN, no ±∞). */
export function allFinite(v: Float64Array): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
}

/** Sort a[lo .. hi) ascending in place (insertion sort for short ranges, the native sort otherwise). */
export function sortRange(a: Int32Array, lo: number, hi: number): void {
  if (hi - lo > 32) {
    a.subarray(lo, hi).sort();
    return;
  }
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i]!;
    let j = i - 1;
    while (j >= lo && a[j]! > v) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = v;
  }
}
