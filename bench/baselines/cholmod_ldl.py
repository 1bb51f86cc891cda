#!/usr/bin/python3
"""CHOLMOD baseline of `dqp bench ldl`: symbolic + numeric LDLᵀ of a symmetric Matrix Market file.

Reproduce (Debian's python3 with the apt packages python3-cvxopt, python3-scipy):
    npx dqp bench ldl --grid 300 --write-matrix /tmp/mesh300.mtx        # writes the KKT
    /usr/bin/python3 bench/baselines/cholmod_ldl.py /tmp/mesh300.mtx 5  # this script alone
or, both in one run with the ratio: npx dqp bench ldl --grid 300 --baseline cholmod.

What is timed (CHOLMOD through cvxopt.cholmod, one warm-up run, then the median of R repeats):
  symbolicMs  cholmod.symbolic(K, uplo='L'): CHOLMOD's own ordering (AMD) + symbolic analysis
  factorMs    cholmod.numeric(K, F) on that symbolic factor
  solveMs     cholmod.solve(F, b), b = ones
for options['supernodal'] = 0 (simplicial LDLᵀ: D may be indefinite; no pivoting) and, for
information, options['supernodal'] = 2 (supernodal LLᵀ: only for positive definite K; on an
indefinite KKT it stops at the first nonpositive pivot and is reported as failed).
symbolicCpuMs / factorCpuMs: the same phases in CPU time of this process (time.process_time), which
a loaded machine disturbs less than wall time. residual = ‖K x − b‖∞ / ‖b‖∞; residualRefined: the
same after one step of iterative refinement x += (LDLᵀ)⁻¹(b − K x). nnzL = entries strictly below the diagonal of L (from getfactor
when available). Prints one JSON line: {"simplicial": {...}, "supernodal": {...}}.
"""
import json
import sys
import time

import numpy as np
import scipy.io
import scipy.sparse as sp
from cvxopt import cholmod, matrix, spmatrix


def median(xs):
    return float(np.median(np.array(xs)))


def run(K, Klow, b, mode, repeats):
    cholmod.options['supernodal'] = mode
    sym, num, sol, symc, numc = [], [], [], [], []
    out = {}
    try:
        for r in range(repeats + 1):
            c0 = time.process_time()
            t0 = time.perf_counter()
            F = cholmod.symbolic(Klow, uplo='L')
            t1 = time.perf_counter()
            c1 = time.process_time()
            cholmod.numeric(Klow, F)
            t2 = time.perf_counter()
            c2 = time.process_time()
            x = matrix(b)
            cholmod.solve(F, x)
            t3 = time.perf_counter()
            if r > 0:
                sym.append((t1 - t0) * 1e3)
                num.append((t2 - t1) * 1e3)
                sol.append((t3 - t2) * 1e3)
                symc.append((c1 - c0) * 1e3)
                numc.append((c2 - c1) * 1e3)
    except ArithmeticError as e:
        return {'failed': 'ArithmeticError at column %s' % (e.args[0] if e.args else '?')}
    xv = np.array(x).ravel()
    res = np.max(np.abs(K @ xv - b)) / np.max(np.abs(b))
    r1 = matrix(b - K @ xv)
    cholmod.solve(F, r1)
    x2 = xv + np.array(r1).ravel()
    res2 = np.max(np.abs(K @ x2 - b)) / np.max(np.abs(b))
    out = {'symbolicMs': median(sym), 'factorMs': median(num), 'solveMs': median(sol), 'residual': float(res), 'residualRefined': float(res2)}
    out['totalMs'] = out['symbolicMs'] + out['factorMs']
    out['symbolicCpuMs'] = median(symc)
    out['factorCpuMs'] = median(numc)
    try:
        L = cholmod.getfactor(F)
        out['nnzL'] = int(len(L.V)) - K.shape[0]
    except Exception:  # getfactor is only defined for some factor types
        pass
    return out


def main():
    if len(sys.argv) < 2:
        sys.stderr.write('usage: cholmod_ldl.py FILE.mtx [REPEATS]\n')
        sys.exit(1)
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    K = sp.csc_matrix(scipy.io.mmread(sys.argv[1]))
    n = K.shape[0]
    low = sp.tril(K).tocoo()
    Klow = spmatrix(low.data.tolist(), low.row.tolist(), low.col.tolist(), (n, n), 'd')
    b = np.ones(n)
    result = {'n': n, 'simplicial': run(K, Klow, b, 0, repeats), 'supernodal': run(K, Klow, b, 2, repeats)}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
