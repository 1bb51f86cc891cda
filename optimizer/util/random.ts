/**
 * A small seeded pseudo-random generator for reproducible problems and tests.
 *
 * Core: xoshiro128** (Blackman & Vigna), four 32-bit words of state, period 2¹²⁸ − 1, written
 * with Math.imul so every step is exact 32-bit integer arithmetic (identical streams on every
 * platform). The state is filled from the seed by splitmix32, so nearby seeds (0, 1, 2, …)
 * give unrelated streams.
 *
 *   const rng = new Rng(42);
 *   rng.uniform();        // U[0, 1) with 53 random bits
 *   rng.normal();         // N(0, 1) by the Box–Muller transform (pairs cached)
 *   rng.int(10);          // uniform integer in {0, …, 9}
 *   rng.fillNormal(new Float64Array(n), 0, 10);   // x ~ 10·N(0, 1), in place
 *
 * Seeds: any finite number (its integer part and fractional bits are mixed) or a string
 * (hashed). `seedFrom('dense', n, i)` derives a per-problem seed from a family name and indices.
 */
import { InputError } from '../errors.ts';
import { fnv1a, FNV1A_OFFSET } from './fnv.ts';

/** splitmix32 step: returns the next state and a well-mixed output word. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

/** 32-bit FNV-1a hash of a string's UTF-16 code units (for string seeds and seedFrom). */
function hashString(s: string): number {
  let h = FNV1A_OFFSET;
  for (let i = 0; i < s.length; i++) h = fnv1a(h, s.charCodeAt(i));
  return h >>> 0;
}

/** A 32-bit seed derived from any number of parts, e.g. seedFrom('chain', k, sampleIndex). */
export function seedFrom(...parts: readonly (string | number)[]): number {
  return hashString(parts.map(String).join('\u0000'));
}

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** second Box–Muller deviate, NaN when none is cached */
  private spare = Number.NaN;

  /** @param seed finite number or string; the same seed always gives the same stream */
  constructor(seed: number | string = 0) {
    let state: number;
    if (typeof seed === 'string') state = hashString(seed);
    else {
      if (!Number.isFinite(seed)) throw new InputError('seed', 'a finite number or a string', String(seed));
      // mix the integer part's low and high words and any fractional bits
      const hi = Math.floor(seed / 4294967296);
      const frac = Math.floor((seed - Math.floor(seed)) * 4294967296);
      state = (seed >>> 0) ^ Math.imul(hi | 0, 0x27d4eb2d) ^ Math.imul(frac | 0, 0x165667b1);
    }
    let out: number;
    [state, out] = splitmix32(state);
    this.s0 = out | 0;
    [state, out] = splitmix32(state);
    this.s1 = out | 0;
    [state, out] = splitmix32(state);
    this.s2 = out | 0;
    [, out] = splitmix32(state);
    this.s3 = out | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** Next uniform 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Standard normal N(0, 1) (Box–Muller; the second deviate of each pair is cached). */
  normal(): number {
    if (!Number.isNaN(this.spare)) {
      const v = this.spare;
      this.spare = Number.NaN;
      return v;
    }
    let u = this.uniform();
    while (u === 0) u = this.uniform(); // log(0) guard
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * v;
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }

  /** Uniform integer in {0, …, n−1}; n a positive integer ≤ 2³². Unbiased (rejection). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new InputError('n', 'an integer in [1, 2^32]', String(n));
    const limit = 4294967296 - (4294967296 % n); // largest multiple of n ≤ 2³²
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** out[i] = lo + (hi − lo)·U[0,1) for every i; returns out (modified). */
  fillUniform(out: Float64Array, lo = 0, hi = 1): Float64Array {
    const w = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + w * this.uniform();
    return out;
  }

  /** out[i] = mean + std·N(0,1) for every i; returns out (modified). */
  fillNormal(out: Float64Array, mean = 0, std = 1): Float64Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Shuffle arr in place (Fisher–Yates); returns arr. */
  shuffle<T extends { length: number; [i: number]: unknown }>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** A uniformly random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * mulberry32: a small seeded generator, uniform in [0, 1) (32-bit state, exact integer steps;
 * period 2³²). Lighter than Rng; the jitter of the reference mesh KKT (bench/mesh-kkt.ts) and the
 * random test data (test/helpers.ts re-exports it as `rng`) come from it.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
