/**
 * A small least-recently-used cache of values computed from a sparsity pattern (typically a
 * symbolic analysis: ordering, elimination tree, supernodes), so that a matrix whose pattern was
 * seen before pays only its numeric work.
 *
 * Key: a list of integer arrays (column pointers, row indices, sizes, tags...). A lookup hashes
 * them (32-bit FNV-1a over every entry, with the array lengths) and confirms a candidate by
 * comparing every array exactly, so a hash collision can never return a wrong value. With
 * `copyKeys` the key arrays are copied when stored (use it when callers may later modify their
 * pattern arrays in place); otherwise the cache keeps references to them.
 *
 *   const cache = new PatternCache<Analysis>(4);
 *   const a = cache.get([Int32Array.of(n), U.colPtr, U.rowIdx], () => analyze(U));
 *
 * Capacity 0 keeps nothing and hashes nothing: `get` just calls `create`.
 * Counters: `hits` lookups answered from the cache, `misses` calls of `create`.
 */
import { fnv1a, FNV1A_OFFSET } from '../util/fnv.ts';

/** One part of a key: integers (an Int32Array, a Uint8Array, or a plain array of integers). */
export type PatternKeyPart = Int32Array | Uint8Array | readonly number[];
export type PatternKey = readonly PatternKeyPart[];

interface Entry<V> {
  readonly hash: number;
  readonly key: PatternKey;
  readonly value: V;
}

/** 32-bit FNV-1a hash of the parts of a key (their lengths included). */
export function hashPatternKey(key: PatternKey): number {
  let h = FNV1A_OFFSET;
  for (const part of key) {
    h = fnv1a(h, part.length);
    for (let i = 0; i < part.length; i++) h = fnv1a(h, part[i]!);
  }
  return h >>> 0;
}

function sameKey(a: PatternKey, b: PatternKey): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!;
    const y = b[k]!;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

export class PatternCache<V> {
  hits = 0;
  misses = 0;
  private entries: Entry<V>[] = [];

  /**
   *   capacity  number of patterns kept (least recently used evicted first); 0 = none. May be
   *             changed later: the surplus is evicted at the next insertion.
   *   copyKeys  store copies of the key arrays (default false: references)
   */
  constructor(
    public capacity: number,
    readonly copyKeys = false,
  ) {}

  /** The value stored for this key (moved to the front), or create() (stored, evicting the oldest). */
  get(key: PatternKey, create: () => V): V {
    if (this.capacity <= 0) {
      this.misses++;
      return create();
    }
    const hash = hashPatternKey(key);
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.hash === hash && sameKey(e.key, key)) {
        if (i > 0) {
          this.entries.splice(i, 1);
          this.entries.unshift(e);
        }
        this.hits++;
        return e.value;
      }
    }
    const value = create();
    this.misses++;
    const stored = this.copyKeys ? key.map((part) => part.slice()) : key;
    this.entries.unshift({ hash, key: stored, value });
    if (this.entries.length > this.capacity) this.entries.length = this.capacity;
    return value;
  }

  /** number of patterns currently kept */
  get size(): number {
    return this.entries.length;
  }

  clear(): void {
    this.entries = [];
  }
}
