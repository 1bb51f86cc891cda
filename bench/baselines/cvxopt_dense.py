#!/usr/bin/env python3
"""cvxopt + LU baseline of `dqp bench dense --baseline cvxopt` (the dQP Python pipeline with
cvxopt as the forward solver), on the very problems the TypeScript side solves.

Reproduce:
    dqp bench dense --sizes 100,450,1000 --solver dualas --baseline cvxopt
(the suite writes each generated problem as a JSON QP file, the format `dqp solve` reads,
and runs this script on them), or by hand on such files:
    /usr/bin/python3 bench/baselines/cvxopt_dense.py [--eps-active 1e-5] [--repeats 1] [--warmup] FILE.json ...

Needs numpy, scipy and cvxopt (Debian: apt install python3-cvxopt python3-scipy; call
/usr/bin/python3 where the python3 on PATH lacks them).

Per problem (minimize ½zᵀPz + qᵀz s.t. Az = b, Cz ≤ d; dense data):
  forward   cvxopt.solvers.qp(P, q, G = C, h = d, A, b) with cvxopt's default tolerances
            (matrix construction from the NumPy arrays included, file parsing not)
  backward  as the dQP pipeline: active set J = {i : d_i − C_i z ≤ ε_J} (ε_J = --eps-active,
            dQP's default 1e-5), the reduced KKT K = [[P, Gᵀ], [G, 0]] with G = [A; C_J],
            its LU factorization (scipy.linalg.lu_factor, LAPACK getrf), one solve of
            Kᵀ[dz; dν] = [−∂ℓ/∂z; 0] for ℓ = Σz, and the gradients
            ∂P = ½(dz zᵀ + z dzᵀ), ∂q = dz, ∂G = ν dzᵀ + dν zᵀ (rows of A and C_J), ∂h = −dν
            (ν = (λ, μ_J) from cvxopt's duals)
Timings are wall-clock medians over --repeats runs per problem. Prints ONE JSON line:
  {"python", "cvxopt", "numpy", "scipy", "blas", "problems": [{"file", "n", "status",
   "iterations", "objective", "forwardMs", "backwardMs", "active"}]}
"""
import argparse
import json
import os
import re
import statistics
import sys
import time


def blas_name():
    """Which BLAS/LAPACK the cvxopt extension links (from /proc/self/maps, as ldd would say)."""
    try:
        with open('/proc/self/maps', encoding='utf-8') as f:
            paths = {line.split()[-1] for line in f if len(line.split()) >= 6}
        libs = sorted({os.path.basename(p) for p in paths if re.search(r'lib(open)?blas|liblapack|mkl_rt|libflexiblas', os.path.basename(p))})
    except OSError:
        return 'unknown'
    return ', '.join(libs) or 'unknown'


def dense(m, np):
    if m is None:
        return None
    if m.get('format') != 'dense':
        raise SystemExit('cvxopt_dense.py: only dense matrices are supported, found format %r' % m.get('format'))
    return np.array(m['data'], dtype=float).reshape(m['shape'])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('files', nargs='+')
    ap.add_argument('--eps-active', type=float, default=1e-5)
    ap.add_argument('--repeats', type=int, default=1)
    ap.add_argument('--warmup', action='store_true', help='solve one small random QP first, untimed (loads BLAS threads, caches)')
    args = ap.parse_args()
    try:
        import numpy as np
        import scipy
        import scipy.linalg as sla
        import cvxopt
        from cvxopt import matrix, solvers
    except ImportError as e:
        print(json.dumps({'error': 'missing Python package: %s (needs numpy, scipy, cvxopt; try /usr/bin/python3)' % e.name}))
        return 2
    solvers.options['show_progress'] = False
    if args.warmup:
        rng = np.random.default_rng(0)
        Q = rng.random((30, 30))
        Gw = rng.random((30, 30))
        Aw = rng.random((15, 30))
        solvers.qp(matrix(Q.T @ Q + 1e-4 * np.eye(30)), matrix(rng.random(30)), matrix(Gw), matrix(Gw.sum(1) + 1), matrix(Aw), matrix(Aw.sum(1)))
        sla.lu_factor(np.eye(30) + Q, check_finite=False)
    out = []
    for path in args.files:
        with open(path, encoding='utf-8') as f:
            doc = json.load(f)
        P = dense(doc['P'], np)
        q = np.array(doc['q'], dtype=float)
        A = dense(doc.get('A'), np)
        b = np.array(doc['b'], dtype=float) if doc.get('b') is not None else None
        C = dense(doc.get('C'), np)
        d = np.array(doc['d'], dtype=float) if doc.get('d') is not None else None
        n = P.shape[0]
        fwd_ms, bwd_ms = [], []
        res = None
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            kw = {}
            if C is not None:
                kw['G'], kw['h'] = matrix(C), matrix(d)
            if A is not None:
                kw['A'], kw['b'] = matrix(A), matrix(b)
            sol = solvers.qp(matrix(P), matrix(q), **kw)
            z = np.array(sol['x']).ravel()
            lam = np.array(sol['y']).ravel() if A is not None else np.zeros(0)
            mu = np.array(sol['z']).ravel() if C is not None else np.zeros(0)
            t1 = time.perf_counter()
            # backward: active set, reduced KKT, LU, one adjoint solve, gradients
            J = np.nonzero(d - C @ z <= args.eps_active)[0] if C is not None else np.zeros(0, dtype=int)
            blocks = ([A] if A is not None else []) + ([C[J]] if len(J) else [])
            G = np.vstack(blocks) if blocks else np.zeros((0, n))
            nu = np.concatenate([lam, mu[J]])
            k = G.shape[0]
            K = np.zeros((n + k, n + k))
            K[:n, :n] = P
            K[:n, n:] = G.T
            K[n:, :n] = G
            lu = sla.lu_factor(K, check_finite=False)
            rhs = np.concatenate([-np.ones(n), np.zeros(k)])
            sol_adj = sla.lu_solve(lu, rhs, trans=1, check_finite=False)
            dz, dnu = sol_adj[:n], sol_adj[n:]
            gP = 0.5 * (np.outer(dz, z) + np.outer(z, dz))
            gq = dz.copy()
            gG = np.outer(nu, dz) + np.outer(dnu, z)
            gh = -dnu
            t2 = time.perf_counter()
            assert np.all(np.isfinite(gP)) and np.all(np.isfinite(gG)) and np.all(np.isfinite(gq)) and np.all(np.isfinite(gh))
            fwd_ms.append(1000 * (t1 - t0))
            bwd_ms.append(1000 * (t2 - t1))
            res = {'status': sol['status'], 'iterations': sol['iterations'], 'objective': float(sol['primal objective']), 'active': int(len(J))}
        out.append({'file': path, 'n': n, **res, 'forwardMs': statistics.median(fwd_ms), 'backwardMs': statistics.median(bwd_ms)})
    print(json.dumps({
        'python': sys.version.split()[0],
        'cvxopt': cvxopt.__version__,
        'numpy': np.__version__,
        'scipy': scipy.__version__,
        'blas': blas_name(),
        'problems': out,
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
