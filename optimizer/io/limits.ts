/**
 * Size limits of the binary readers (MAT, NPY/NPZ, ZIP): what a small hostile file may make
 * them allocate. Every size these formats declare is checked against the bytes present BEFORE
 * storage of that size is created; where a format lets a header declare something the data
 * cannot back, a limit applies:
 *
 *   - dimensions: a declared dimension of an array with no (or few) stored values — a sparse
 *     array's row count, any dimension of an empty dense array — is not backed by data, yet
 *     converting it to CSC or to a dense vector costs memory per row/column. Each dimension
 *     must be ≤ dimensionLimit(bytes) = max(2²⁰, bytes), bytes being the size of the buffer
 *     the array was read from. A real array with more rows than its file has bytes is almost
 *     entirely empty rows; refusing it keeps memory within a few MB (or a small multiple of
 *     the file) instead of gigabytes.
 *   - decompression: a deflate stream expands at most ~1032 : 1 (one 258-byte match per
 *     2 bits), so a ZIP member declaring more than MAX_DEFLATE_RATIO × its compressed size
 *     (plus a little) is corrupt and is refused before inflating; every inflation is run with
 *     an output limit (the declared size for ZIP, the ratio bound for MAT), and all the
 *     inflated data of one file together may not exceed MAX_INFLATED_BYTES (64 MiB), a guard
 *     against zip bombs. The largest file in the benchmark data inflates to ~12 MB.
 */

/** Bytes all decompressed data of one archive / MAT-file may add up to (64 MiB). */
export const MAX_INFLATED_BYTES = 64 * 2 ** 20;

/** Deflate's maximum expansion (258 bytes per 2-bit match): a bound for any valid stream. */
export const MAX_DEFLATE_RATIO = 1032;

/** The most a valid deflate stream of `compressed` bytes can inflate to. */
export function maxInflatedSize(compressed: number): number {
  return MAX_DEFLATE_RATIO * compressed + 64;
}

/** The largest dimension accepted from a buffer of `bytes` bytes: max(2²⁰, bytes). */
export function dimensionLimit(bytes: number): number {
  return Math.max(2 ** 20, bytes);
}

/** A running total of inflated bytes for one file (shared by its members / elements). */
export class InflateBudget {
  used = 0;
  constructor(readonly limit: number = MAX_INFLATED_BYTES) {}
  get remaining(): number {
    return this.limit - this.used;
  }
}

/** Bytes as Latin-1 text, in chunks (a spread of a large array would overflow the stack). */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}
