/**
 * The symbolic-analysis cache of the reduced KKT matrix: analyses of K̃ are shared across forward
 * passes whose K̃ has the same pattern (PatternCache of optimizer/linalg/pattern-cache.ts), and a
 * shared factorization (a LinearSystem of linalg/linsys.ts) is handed between its users (SharedLdl).
 */
import type { LinearSystem } from '../linalg/linsys.ts';
import { PatternCache } from '../linalg/pattern-cache.ts';
import type { ReducedKkt } from './kkt-assembly.ts';

/**
 * A symbolic analysis shared by several factored K_J of the same pattern. SparseLdl holds ONE
 * numeric factorization (like every LinearSystem), so each user (a KktSolver) takes ownership before solving: when another
 * forward pass refactored the object in the meantime, the solver factors its own values again
 * (bit-identical result) — an older forward result stays valid, at the price of a refactor.
 */
export class SharedLdl {
  /** the user whose values are currently factored */
  owner: object | null = null;
  /** the last factorization with this analysis was not usable (factorTrouble) */
  troubled = false;
  constructor(readonly ldl: LinearSystem) {}

  /** factor `values` for `owner` unless it already holds them */
  acquire(owner: object, values: Float64Array): LinearSystem {
    if (this.owner !== owner) {
      this.owner = null;
      this.ldl.factor(values);
      this.owner = owner;
    }
    return this.ldl;
  }
}

/**
 * Reuse of the symbolic analysis (ordering + elimination tree + nnz(L)) of the sparse K̃ across
 * calls. Key: the pattern of K̃, which is determined by the patterns of P, A, C and by J
 * (hashed, then compared exactly), the sizes (n, p), and a tag of the analysis (`mask`: the
 * variables with P_vv ≠ 0 the constraint-aware ordering depends on, and the kind of analysis in
 * its last byte). A hit costs only the numeric factorization. Keeps the `capacity` most recently
 * used patterns (capacity 0: nothing kept, no hashing). The analysis is shared: see SharedLdl.
 *
 * Counters (for tests and reports): `analyses` symbolic analyses, `factorizations` numeric
 * factorizations of any kind (dense ones included), `hits` cache hits.
 */
export class KktFactorCache {
  analyses = 0;
  factorizations = 0;
  private readonly patterns: PatternCache<SharedLdl>;

  constructor(readonly capacity = 4) {
    this.patterns = new PatternCache<SharedLdl>(capacity);
  }

  /** cache hits (analyses reused) */
  get hits(): number {
    return this.patterns.hits;
  }

  /** The analyzed linear system for this pattern (moved to the front), or a new one (analyzed, stored). */
  sparseLdl(K: ReducedKkt, mask: Uint8Array, create: () => LinearSystem): SharedLdl {
    const U = K.upper!;
    return this.patterns.get([Int32Array.of(K.n, K.p), U.colPtr, U.rowIdx, mask], () => {
      this.analyses++;
      return new SharedLdl(create());
    });
  }

  clear(): void {
    this.patterns.clear();
  }
}
