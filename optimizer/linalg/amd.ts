/**
 * Approximate minimum degree (AMD) fill-reducing ordering of a symmetric sparsity pattern.
 *
 * Algorithm (Amestoy, Davis & Duff, SIAM J. Matrix Anal. Appl. 17(4), 1996; Davis, "Direct
 * Methods for Sparse Linear Systems", ch. 7): symmetric Gaussian elimination is simulated on the
 * QUOTIENT GRAPH, whose nodes are
 *   - variables  i (not yet eliminated), each with a list  [elements adjacent to i | variables adjacent to i]
 *   - elements   e (eliminated pivots), each with the list Le of variables in the clique e created.
 * Eliminating pivot p merges p's elements and variables into the new element Lp (the elements are
 * absorbed), so memory never exceeds the original graph plus elbow room. Exact degrees are too
 * costly; each variable i ∈ Lp gets the approximate external degree
 *     d̄(i) = min( n − k,  d̄_old(i) + |Lp \ i|,  |A_i \ i| + |Lp \ i| + Σ_{e ∈ E_i \ p} |Le \ Lp| ),
 * an upper bound of the true external degree, computed in time proportional to the lists touched
 * (|Le \ Lp| for all e at once via the w-array trick). Further ingredients:
 *   - supervariables: variables with identical lists (found by hashing the lists, then comparing
 *     bucket members) are merged and eliminated together (weights nv[i] = #variables represented);
 *   - mass elimination: a variable whose only neighbour is the new element is eliminated with p;
 *   - element absorption: elements adjacent to p are absorbed into Lp; aggressive absorption also
 *     absorbs any element e with Le ⊆ Lp (found when |Le \ Lp| = 0);
 *   - dense rows (degree > `dense`) are removed before ordering and placed LAST;
 *   - empty rows (no off-diagonal entries) are eliminated first.
 *
 * This is an implementation written for dqp from the published description; the ordering is
 * returned as perm[k] = original index eliminated k-th (supervariable members consecutively).
 */
import { DimensionError, InputError } from '../errors.ts';
import type { CscPattern } from './types.ts';

export interface AmdOptions {
  /**
   * Rows whose off-diagonal degree exceeds this are "dense": removed from the graph and ordered
   * last. Default max(16, 10·√n), capped at n − 2. Pass Infinity to disable.
   */
  dense?: number;
  /** Aggressive element absorption (default true). */
  aggressive?: boolean;
}

/** Statistics of the last ordering run (for benchmarks and tests). */
export interface AmdInfo {
  /** number of rows treated as dense */
  dense: number;
  /** garbage collections of the workspace */
  compressions: number;
}

/**
 * AMD ordering of the symmetric pattern of A + Aᵀ (n × n), ignoring the diagonal and values.
 * A may be the upper triangle, the lower triangle or the full symmetric matrix (any off-diagonal
 * entry (i, j) is read as the edge {i, j}). A is not modified.
 *
 * Returns perm (length n): perm[k] = original index eliminated k-th. Throws DimensionError for a
 * non-square A.
 */
export function amdOrder(A: CscPattern, options: AmdOptions = {}, info?: AmdInfo): Int32Array {
  const n = A.ncols;
  if (A.nrows !== n) throw new DimensionError('A', 'a square matrix', `${A.nrows}×${A.ncols}`);
  const perm = new Int32Array(n);
  if (n === 0) return perm;
  if (n === 1) return perm; // perm[0] = 0
  const aggressive = options.aggressive ?? true;
  let dense: number;
  if (options.dense === undefined) dense = Math.max(16, 10 * Math.sqrt(n));
  else {
    if (!(options.dense >= 0)) throw new InputError('options.dense', 'a number ≥ 0 (or Infinity)', String(options.dense));
    dense = options.dense;
  }
  dense = Math.min(n - 2, dense);

  // ---- build the adjacency lists of A + Aᵀ without diagonal, deduplicated ----------------------
  const { colPtr, rowIdx } = A;
  const len = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
      const i = rowIdx[p]!;
      if (!(i >= 0 && i < n)) throw new InputError(`A.rowIdx[${p}]`, `a row index in [0, ${n})`, String(i));
      if (i !== j) {
        len[i]!++;
        len[j]!++;
      }
    }
  }
  let total = 0;
  for (let i = 0; i < n; i++) total += len[i]!;
  let iwlen = total + (total >> 2) + 2 * n + 16;
  let iw = new Int32Array(iwlen);
  const pe = new Int32Array(n);
  {
    let s = 0;
    for (let i = 0; i < n; i++) {
      pe[i] = s;
      s += len[i]!;
    }
    const fill = pe.slice();
    for (let j = 0; j < n; j++) {
      for (let p = colPtr[j]!, end = colPtr[j + 1]!; p < end; p++) {
        const i = rowIdx[p]!;
        if (i !== j) {
          iw[fill[i]!++] = j;
          iw[fill[j]!++] = i;
        }
      }
    }
  }
  // dedupe each list in place (full input lists every edge twice); `next` serves as a marker here
  const w = new Int32Array(n); // element work array / markers
  const nv = new Int32Array(n); // supervariable weight; 0 = non-principal or dead
  const elen = new Int32Array(n); // #elements in a variable's list; −1 element; −2 dead
  const degree = new Int32Array(n); // approx. external degree (variable) / |Le| (element)
  const head = new Int32Array(n + 1).fill(-1); // degree buckets
  const next = new Int32Array(n);
  const last = new Int32Array(n);
  const hashHead = new Int32Array(n).fill(-1);
  const hashNext = new Int32Array(n);
  const memberNext = new Int32Array(n).fill(-1); // linked list of variables represented by a principal
  const memberTail = new Int32Array(n);
  {
    const mark = next.fill(-1);
    for (let i = 0; i < n; i++) {
      const p0 = pe[i]!;
      let q = p0;
      for (let p = p0, end = p0 + len[i]!; p < end; p++) {
        const j = iw[p]!;
        if (mark[j] !== i) {
          mark[j] = i;
          iw[q++] = j;
        }
      }
      len[i] = q - p0;
    }
  }
  let pfree = total; // first free slot (lists may have gaps after dedup: fine, they are garbage)

  // ---- initialise ------------------------------------------------------------------------------
  let nel = 0; // variables eliminated so far (weighted)
  let outPos = 0; // next position in perm
  let denseCount = 0;
  let compressions = 0;
  const denseList: number[] = [];
  let mindeg = 0;
  let wflg = 2;
  const WFLG_LIMIT = 0x3fffffff - n - 2;
  for (let i = 0; i < n; i++) {
    memberTail[i] = i;
    nv[i] = 1;
    w[i] = 1;
    elen[i] = 0;
    degree[i] = len[i]!;
  }
  for (let i = 0; i < n; i++) {
    const d = degree[i]!;
    if (d === 0) {
      // empty row: eliminate now
      perm[outPos++] = i;
      elen[i] = -2;
      nel++;
      pe[i] = -1;
      w[i] = 0;
      nv[i] = 0;
    } else if (d > dense) {
      denseCount++;
      denseList.push(i);
      elen[i] = -2;
      nel++;
      pe[i] = -1;
      w[i] = 0;
      nv[i] = 0;
    } else {
      const h = head[d]!;
      if (h !== -1) last[h] = i;
      next[i] = h;
      last[i] = -1;
      head[d] = i;
    }
  }

  const saved = new Int32Array(n);

  // ---- main loop -------------------------------------------------------------------------------
  while (nel < n) {
    // 1. pivot of minimum approximate degree
    let me = -1;
    for (; mindeg <= n; mindeg++) {
      me = head[mindeg]!;
      if (me !== -1) break;
    }
    if (me === -1) break; // only dense rows remain (they are counted in nel, so not reached)
    {
      const nx = next[me]!;
      if (nx !== -1) last[nx] = -1;
      head[mindeg] = nx;
    }
    const elenme = elen[me]!;
    let nvpiv = nv[me]!;
    nel += nvpiv;

    // 2. construct the new element Lme = (variables of me) ∪ (variables of the elements of me)
    nv[me] = -nvpiv;
    let degme = 0;
    let pme1: number;
    let pme2: number; // Lme occupies iw[pme1 .. pme2)
    if (elenme === 0) {
      // in place: me's list holds variables only
      pme1 = pe[me]!;
      pme2 = pme1;
      for (let p = pme1, end = pme1 + len[me]!; p < end; p++) {
        const i = iw[p]!;
        const nvi = nv[i]!;
        if (nvi <= 0) continue;
        degme += nvi;
        nv[i] = -nvi;
        iw[pme2++] = i;
        unlinkFromBucket(i, head, next, last, degree);
      }
    } else {
      // appended at pfree; make room for at most degree[me] entries first
      if (pfree + degree[me]! + 1 > iwlen) {
        compressions++;
        pfree = compressLists(n, iw, pe, len, saved, pfree);
        if (pfree + degree[me]! + 1 > iwlen) {
          iwlen = Math.max(iwlen * 2, pfree + degree[me]! + n);
          const bigger = new Int32Array(iwlen);
          bigger.set(iw.subarray(0, pfree));
          iw = bigger;
        }
      }
      pme1 = pfree;
      pme2 = pfree;
      let pj = pe[me]!;
      const lenme = len[me]!;
      for (let k = 0; k <= elenme; k++) {
        let e: number;
        let p: number;
        let ln: number;
        if (k < elenme) {
          e = iw[pj++]!;
          if (w[e] === 0) continue; // already absorbed
          p = pe[e]!;
          ln = len[e]!;
        } else {
          e = me;
          p = pj;
          ln = lenme - elenme;
        }
        for (let t = 0; t < ln; t++) {
          const i = iw[p++]!;
          const nvi = nv[i]!;
          if (nvi <= 0) continue;
          degme += nvi;
          nv[i] = -nvi;
          if (pme2 >= iwlen) {
            iwlen = Math.max(iwlen * 2, pme2 + n);
            const bigger = new Int32Array(iwlen);
            bigger.set(iw);
            iw = bigger;
          }
          iw[pme2++] = i;
          unlinkFromBucket(i, head, next, last, degree);
        }
        if (e !== me) {
          // absorb element e into me
          pe[e] = -1;
          w[e] = 0;
          elen[e] = -2;
        }
      }
      pfree = pme2;
    }
    pe[me] = pme1;
    len[me] = pme2 - pme1;
    elen[me] = -1;
    degree[me] = degme;

    // clear w if wflg is about to overflow
    if (wflg > WFLG_LIMIT) {
      for (let x = 0; x < n; x++) if (w[x] !== 0) w[x] = 1;
      wflg = 2;
    }

    // 3. w[e] − wflg = |Le \ Lme| for every element e adjacent to a variable of Lme
    for (let pp = pme1; pp < pme2; pp++) {
      const i = iw[pp]!;
      const eln = elen[i]!;
      if (eln <= 0) continue;
      const nvi = -nv[i]!;
      const wnvi = wflg - nvi;
      for (let p = pe[i]!, end = pe[i]! + eln; p < end; p++) {
        const e = iw[p]!;
        const we = w[e]!;
        if (we >= wflg) w[e] = we - nvi;
        else if (we !== 0) w[e] = degree[e]! + wnvi;
      }
    }

    // 4. degree update, list pruning, element absorption, mass elimination, hashing
    for (let pp = pme1; pp < pme2; pp++) {
      const i = iw[pp]!;
      const p1 = pe[i]!;
      const p2 = p1 + elen[i]!;
      let pn = p1;
      let h = 0;
      let d = 0;
      for (let p = p1; p < p2; p++) {
        const e = iw[p]!;
        const we = w[e]!;
        if (we === 0) continue; // dead element
        const dext = we - wflg;
        if (dext > 0) {
          d += dext;
          iw[pn++] = e;
          h += e;
        } else if (aggressive) {
          // Le ⊆ Lme: aggressive absorption
          pe[e] = -1;
          w[e] = 0;
          elen[e] = -2;
        } else {
          iw[pn++] = e;
          h += e;
        }
      }
      elen[i] = pn - p1 + 1; // + the new element me
      const p3 = pn;
      const p4 = p1 + len[i]!;
      for (let p = p2; p < p4; p++) {
        const j = iw[p]!;
        const nvj = nv[j]!;
        if (nvj <= 0) continue; // dead, or in Lme (covered by me)
        d += nvj;
        iw[pn++] = j;
        h += j;
      }
      if (elen[i] === 1 && p3 === pn) {
        // mass elimination: i is adjacent to me only
        const nvi = -nv[i]!;
        degme -= nvi;
        nvpiv += nvi;
        nel += nvi;
        nv[i] = 0;
        elen[i] = -2;
        pe[i] = -1;
        appendMembers(memberNext, memberTail, me, i);
      } else {
        if (d < degree[i]!) degree[i] = d;
        // move the first element to the end of the element part, the first variable to the end
        iw[pn] = iw[p3]!;
        iw[p3] = iw[p1]!;
        iw[p1] = me;
        len[i] = pn - p1 + 1;
        h = h % n;
        hashNext[i] = hashHead[h]!;
        hashHead[h] = i;
        last[i] = h; // remember the bucket
      }
    }
    degree[me] = degme;
    wflg += n + 1;

    // 5. supervariable detection among the variables of Lme
    for (let pp = pme1; pp < pme2; pp++) {
      const i0 = iw[pp]!;
      if (nv[i0]! >= 0) continue; // mass-eliminated (0) — only negated (in Lme) are live here
      const h = last[i0]!;
      let i = hashHead[h]!;
      if (i === -1) continue;
      hashHead[h] = -1; // the bucket is processed now (all its members are in Lme)
      while (i !== -1 && hashNext[i] !== -1) {
        const li = len[i]!;
        const ei = elen[i]!;
        const pi0 = pe[i]!;
        for (let p = pi0 + 1; p < pi0 + li; p++) w[iw[p]!] = wflg;
        let jlast = i;
        let j = hashNext[i]!;
        while (j !== -1) {
          let same = len[j] === li && elen[j] === ei;
          if (same) {
            const pj0 = pe[j]!;
            for (let p = pj0 + 1; p < pj0 + li; p++) {
              if (w[iw[p]!] !== wflg) {
                same = false;
                break;
              }
            }
          }
          if (same) {
            // j is indistinguishable from i: merge j into i
            nv[i]! += nv[j]!; // both negative
            nv[j] = 0;
            elen[j] = -2;
            pe[j] = -1;
            appendMembers(memberNext, memberTail, i, j);
            j = hashNext[j]!;
            hashNext[jlast] = j;
          } else {
            jlast = j;
            j = hashNext[j]!;
          }
        }
        wflg++;
        i = hashNext[i]!;
      }
    }

    // 6. finalize degrees of Lme, compact Lme, re-insert into buckets
    let p = pme1;
    const nleft = n - nel;
    for (let pp = pme1; pp < pme2; pp++) {
      const i = iw[pp]!;
      const nvi = -nv[i]!;
      if (nvi <= 0) continue;
      nv[i] = nvi;
      let d = degree[i]! + degme - nvi;
      if (d > nleft - nvi) d = nleft - nvi;
      const hd = head[d]!;
      if (hd !== -1) last[hd] = i;
      next[i] = hd;
      last[i] = -1;
      head[d] = i;
      if (d < mindeg) mindeg = d;
      degree[i] = d;
      iw[p++] = i;
    }
    nv[me] = nvpiv;
    len[me] = p - pme1;
    if (len[me] === 0) {
      pe[me] = -1;
      w[me] = 0;
    }
    if (elenme !== 0) pfree = p;

    // output the pivot group
    for (let x = me; x !== -1; x = memberNext[x]!) perm[outPos++] = x;
    if (wflg > WFLG_LIMIT) {
      for (let x = 0; x < n; x++) if (w[x] !== 0) w[x] = 1;
      wflg = 2;
    }
  }
  for (const i of denseList) perm[outPos++] = i;
  if (outPos !== n) throw new Error(`amdOrder internal error: ordered ${outPos} of ${n}`);
  if (info) {
    info.dense = denseCount;
    info.compressions = compressions;
  }
  return perm;

}

/** append the member list of j to that of principal (linked lists memberNext / memberTail) */
function appendMembers(memberNext: Int32Array, memberTail: Int32Array, principal: number, j: number): void {
  memberNext[memberTail[principal]!] = j;
  memberTail[principal] = memberTail[j]!;
}

/**
 * Garbage collection of the list workspace: move every live list (pe[x] ≥ 0, len[x] > 0) to the
 * front of iw, in storage order, updating pe. The start of each list is temporarily marked with
 * −(x+1) (its first entry saved in `saved`). Returns the new first free slot.
 */
function compressLists(n: number, iw: Int32Array, pe: Int32Array, len: Int32Array, saved: Int32Array, pfree: number): number {
  for (let x = 0; x < n; x++) {
    const p = pe[x]!;
    if (p >= 0 && len[x]! > 0) {
      saved[x] = iw[p]!;
      iw[p] = -(x + 1);
    }
  }
  let dst = 0;
  let p = 0;
  while (p < pfree) {
    const v = iw[p]!;
    if (v < 0) {
      const x = -v - 1;
      const l = len[x]!;
      pe[x] = dst;
      iw[dst++] = saved[x]!;
      for (let q = p + 1; q < p + l; q++) iw[dst++] = iw[q]!;
      p += l;
    } else p++;
  }
  for (let x = 0; x < n; x++) if (pe[x]! >= 0 && len[x] === 0) pe[x] = 0;
  return dst;
}

/** Remove variable i from its degree bucket (doubly linked list: head[d], next, last). */
function unlinkFromBucket(i: number, head: Int32Array, next: Int32Array, last: Int32Array, degree: Int32Array): void {
  const ilast = last[i]!;
  const inext = next[i]!;
  if (inext !== -1) last[inext] = ilast;
  if (ilast !== -1) next[ilast] = inext;
  else head[degree[i]!] = inext;
}
