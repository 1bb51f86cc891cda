/**
 * The built-in QP backends, in the order `dqp solvers` lists them. The registry (registry.ts)
 * registers every entry of `builtinBackends` on first use; this module does not import the
 * registry, so a backend may import registry helpers without an import cycle.
 *
 *   ipm       PIQP-style proximal interior point (pure TypeScript, dense and sparse) — the default
 *   admm      OSQP-style ADMM with polishing (pure TypeScript, dense and sparse)
 *   highs     HiGHS active-set QP, WASM (needs `await loadSolvers(['highs'])`)
 *   quadprog  Goldfarb–Idnani dual active set, dense, P positive definite
 *   dualas    our own dense Goldfarb–Idnani dual active set (Cholesky + Givens updates), P positive definite
 */
import type { QPBackend } from '../backend.ts';
import { admmBackend } from './admm/index.ts';
import { dualasBackend } from './dualas/index.ts';
import { highsBackend } from './highs.ts';
import { ipmBackend } from './ipm/index.ts';
import { quadprogBackend } from './quadprog.ts';

export { admmBackend, dualasBackend, highsBackend, ipmBackend, quadprogBackend };

export const builtinBackends: readonly QPBackend[] = [ipmBackend, admmBackend, highsBackend, quadprogBackend, dualasBackend];
