/**
 * The runner shared by the file-based suites (`dqp bench maros-meszaros`, `dqp bench mpc`):
 * every problem file of a data folder (sorted by name, optionally filtered by --problems),
 * differentiated with each requested solver through the dQP layer (optimizer/dqp):
 *
 *   forward   dqpForward(problem, { solver, epsAbs, epsRel, epsActive?, solverSettings: { timeLimit } })
 *             (black-box solve + active set over the rows of C AND the finite bounds lb ≤ z ≤ ub
 *             + reduced-KKT factorization + duals)
 *   backward  dqpBackward(forward, { z: 1 })   (the gradient of loss = Σ z w.r.t. P, q, A, b, C, d, lb, ub)
 *
 * The solver honours settings.timeLimit = --time-limit (default per suite) itself.
 *
 * One row per (problem, solver):
 *   problem, n, solver, status, solved, solvedStrict, forwardMs, backwardMs, totalMs, accuracy,
 *   then iterations, primal, dual, gap (r_p, r_d, r_g of the returned point), objective (incl. the
 *   file's constant), dataScale, solveMs (the black-box solve inside forwardMs), activeRows (|J|,
 *   rows of C and bounds), eliminated, kktSolver, leastSquares, nonDifferentiable, dualsCompleted, note
 * where
 *   accuracy     = max(r_p, r_d, r_g) of the dQP output (z, λ, μ, μ_lb, μ_ub) (computeResiduals);
 *                  r_g is absolute, as in the paper (App. G) and qpbenchmark
 *   dataScale    = max(‖q‖∞, ‖b‖∞, ‖d‖∞ over finite d, |lb_j|, |ub_j| over finite bounds)
 *   solved       = the paper's criterion (App. G): totalMs ≤ 1000·timeLimit, accuracy < 1, and the
 *                  backward pass ran without a fatal error and gave finite gradients
 *   solvedStrict = solved, the solver's status is 'solved', and r_p, r_d ≤ 1e-5·(1 + dataScale)
 *   status       = the solver's QPStatus; 'time_limit' when forward + backward overran the limit;
 *                  'error' when dqpForward threw
 * The MM objective constant r does not enter the gradients (it only shifts `objective`).
 *
 * After the rows, a SUMMARY per solver and the "best of our solvers per problem": for each
 * problem the fastest (least totalMs) solver among those that solved it (paper criterion); the
 * number of problems solved and differentiated that way, and the mean / median times of those
 * best rows (bestOfSolvers).
 *
 * Tolerances: epsAbs / epsRel given to the solver are --eps-abs / --eps-rel, else the suite's
 * defaults (FileSuiteSpec.defaultEpsAbs / defaultEpsRel), else the dQP layer's (1e-9 / 0).
 *
 * Output: progress on stderr (one line per run; --quiet silences it); stdout gets a human table,
 * the per-solver lines and the best-of summary, or with --json a single last line
 *   {"suite", "settings", "rows": [...], "summary": {...}};
 * --csv writes the rows. A missing data folder is not an error: the suite prints a skip message
 * (and with --json {"suite", "rows": [], "skipped": reason}).
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { formatTable, printJson, progress, writeFileAtomic } from '../cli/output.ts';
import { dqpBackward, dqpForward, DQP_DEFAULTS, setDqpWarningHandler } from '../optimizer/dqp/index.ts';
import type { DqpForwardResult, DqpGradients } from '../optimizer/dqp/types.ts';
import { InputError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { getBackend, loadSolvers } from '../optimizer/qp/registry.ts';
import { computeResiduals, maxResidual, objectiveValue } from '../optimizer/qp/residuals.ts';
import type { QPProblem } from '../optimizer/qp/types.ts';
import type { FromFileSuiteWorker, RunMessage } from './file-suite-worker.ts';
import type { BenchOptions } from './options.ts';
import { type BenchRow, COARSE_ACCURACY, fmt, quartiles, toCsv } from './report.ts';

/** Repository root (this file lives in bench/, or in dist/bench/ when compiled). */
export const REPO_ROOT = ((bench: string) => (basename(dirname(bench)) === 'dist' ? join(bench, '..', '..') : join(bench, '..')))(
  dirname(fileURLToPath(import.meta.url)),
);

/** A data folder given relative to the repository root, e.g. '../shared/data/mpc_qpbenchmark'. */
export function dataDir(relativeToRoot: string): string {
  return join(REPO_ROOT, relativeToRoot);
}

/** Residual threshold factor of the `solvedStrict` column: r ≤ SOLVED_TOLERANCE·(1 + dataScale). */
export const SOLVED_TOLERANCE = 1e-5;

/** One loaded problem of a file suite. */
export interface LoadedProblem {
  readonly problem: QPProblem;
  /** constant added to ½zᵀPz + qᵀz in the file's objective (0 when none) */
  readonly objectiveOffset: number;
}

export interface FileSuiteSpec {
  /** suite name as in `dqp bench SUITE` */
  readonly suite: string;
  /** data folder relative to the repository root */
  readonly folder: string;
  /** file extension of the problems, with the dot */
  readonly extension: string;
  readonly read: (path: string) => LoadedProblem;
  readonly defaultSolvers: readonly string[];
  /** seconds per problem (forward + backward) */
  readonly defaultTimeLimit: number;
  /** solver tolerances when --eps-abs / --eps-rel are not given (undefined: the dQP layer's, 1e-9 / 0) */
  readonly defaultEpsAbs?: number;
  readonly defaultEpsRel?: number;
  /**
   * URL of the module exporting this spec as `SPEC` (its import.meta.url). When given, each run
   * happens in a worker thread that is stopped at the hard time limit (hardLimitMs); otherwise
   * runs are in-process and a backward pass that never ends blocks the suite.
   */
  readonly specModule?: string;
}

/** Settings of one (problem, solver) run, after defaults. */
export interface FileRunSettings {
  readonly solver: string;
  /** seconds, forward + backward */
  readonly timeLimit: number;
  readonly epsAbs: number;
  readonly epsRel: number;
  /** ε_J; undefined: the dQP default */
  readonly epsActive?: number;
}

/** One (problem, solver) result (the BenchRow columns first). */
export interface FileSuiteRow extends BenchRow {
  readonly iterations: number;
  /** r_p, r_d, r_g of the dQP output */
  readonly primal: number;
  readonly dual: number;
  readonly gap: number;
  /** ½zᵀPz + qᵀz + objectiveOffset */
  readonly objective: number;
  readonly dataScale: number;
  /** wall time of the black-box solve inside forwardMs */
  readonly solveMs: number;
  /** |J|: active rows of C plus active finite bounds */
  readonly activeRows: number;
  /** variables eliminated from K_J (fixed by single-entry active rows) */
  readonly eliminated: number;
  /** factorization used for K_J ('' when none) */
  readonly kktSolver: string;
  readonly leastSquares: boolean;
  readonly nonDifferentiable: boolean;
  readonly dualsCompleted: boolean;
}

export const FILE_ROW_COLUMNS = [
  'problem',
  'n',
  'solver',
  'status',
  'solved',
  'solvedStrict',
  'forwardMs',
  'backwardMs',
  'totalMs',
  'accuracy',
  'iterations',
  'primal',
  'dual',
  'gap',
  'objective',
  'dataScale',
  'solveMs',
  'activeRows',
  'eliminated',
  'kktSolver',
  'leastSquares',
  'nonDifferentiable',
  'dualsCompleted',
  'note',
] as const satisfies readonly (keyof FileSuiteRow)[];

/** max(‖q‖∞, ‖b‖∞, ‖d‖∞ (finite entries), |lb_j|, |ub_j| (finite bounds)). */
export function dataScale(problem: QPProblem): number {
  let s = 0;
  const scan = (v: Float64Array | null | undefined) => {
    if (!v) return;
    for (let i = 0; i < v.length; i++) {
      const a = Math.abs(v[i]!);
      if (Number.isFinite(a) && a > s) s = a;
    }
  };
  scan(problem.q);
  scan(problem.b);
  scan(problem.d);
  scan(problem.lb);
  scan(problem.ub);
  return s;
}

/** Every gradient entry finite. */
export function gradientsFinite(g: DqpGradients): boolean {
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    const v = g[key];
    if (!v) continue;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  }
  return true;
}

/** What the backward pass gave: gradients and time, or the error that stopped it. */
export type BackwardOutcome =
  | { readonly ms: number; readonly gradients: DqpGradients }
  | { readonly ms: number; readonly error: string };

/**
 * The row of one run (the single place where columns and the two `solved` criteria are
 * defined; see the module comment). `backward` is null when the forward gave no
 * differentiable point (fwd.context null). timeLimit in seconds, for forward + backward.
 */
export function buildRow(
  name: string,
  loaded: LoadedProblem,
  solver: string,
  fwd: DqpForwardResult,
  forwardMs: number,
  backward: BackwardOutcome | null,
  timeLimit: number,
): FileSuiteRow {
  const { problem } = loaded;
  const scale = dataScale(problem);
  const tol = SOLVED_TOLERANCE * (1 + scale);
  const r = computeResiduals(problem, fwd.z, fwd.lambda, fwd.mu, fwd.muLb, fwd.muUb);
  const accuracy = maxResidual(r);
  const backwardMs = backward ? backward.ms : Number.NaN;
  const totalMs = forwardMs + (backward ? backward.ms : 0);
  const inTime = totalMs <= 1000 * timeLimit;
  const notes: string[] = [];
  let differentiated = false;
  let leastSquares = fwd.flags.leastSquares;
  if (!backward) notes.push('no differentiable point');
  else if ('error' in backward) notes.push(`backward: ${backward.error}`);
  else {
    differentiated = gradientsFinite(backward.gradients);
    if (!differentiated) notes.push('non-finite gradient');
    leastSquares ||= backward.gradients.leastSquares;
  }
  if (leastSquares) notes.push('least-squares');
  if (fwd.flags.nonDifferentiable) notes.push('non-differentiable');
  if (!inTime) notes.push('over the time limit');
  const solved = inTime && differentiated && accuracy < COARSE_ACCURACY;
  return {
    problem: name,
    n: problem.q.length,
    solver,
    status: inTime ? fwd.status : 'time_limit',
    solved,
    solvedStrict: solved && fwd.status === 'solved' && r.primal <= tol && r.dual <= tol,
    forwardMs,
    backwardMs,
    totalMs,
    accuracy,
    iterations: fwd.solution.iterations,
    primal: r.primal,
    dual: r.dual,
    gap: r.gap,
    objective: objectiveValue(problem, fwd.z) + loaded.objectiveOffset,
    dataScale: scale,
    solveMs: fwd.timings.solveMs,
    activeRows: fwd.active.length + fwd.activeLb.length + fwd.activeUb.length,
    eliminated: fwd.eliminated,
    kktSolver: fwd.kktSolver ?? '',
    leastSquares,
    nonDifferentiable: fwd.flags.nonDifferentiable,
    dualsCompleted: fwd.flags.dualsCompleted,
    ...(notes.length ? { note: notes.join('; ') } : {}),
  };
}

function errorRow(name: string, n: number, solver: string, message: string, forwardMs: number): FileSuiteRow {
  return {
    problem: name,
    n,
    solver,
    status: 'error',
    solved: false,
    solvedStrict: false,
    forwardMs,
    backwardMs: Number.NaN,
    totalMs: forwardMs,
    accuracy: Number.NaN,
    iterations: 0,
    primal: Number.NaN,
    dual: Number.NaN,
    gap: Number.NaN,
    objective: Number.NaN,
    dataScale: Number.NaN,
    solveMs: Number.NaN,
    activeRows: 0,
    eliminated: 0,
    kktSolver: '',
    leastSquares: false,
    nonDifferentiable: false,
    dualsCompleted: false,
    note: message,
  };
}

/**
 * Forward + backward (loss Σz) of one problem with one solver; never throws for a solver or dQP
 * failure. `onForward`, when given, receives the row as it would be without a backward pass
 * (the worker posts it, so a run stopped during the backward still reports its forward).
 */
export function runOne(name: string, loaded: LoadedProblem, settings: FileRunSettings, onForward?: (row: FileSuiteRow) => void): FileSuiteRow {
  const n = loaded.problem.q.length;
  const t0 = performance.now();
  let fwd: DqpForwardResult;
  try {
    fwd = dqpForward(loaded.problem, {
      solver: settings.solver,
      epsAbs: settings.epsAbs,
      epsRel: settings.epsRel,
      ...(settings.epsActive !== undefined ? { epsActive: settings.epsActive } : {}),
      solverSettings: { timeLimit: settings.timeLimit },
    });
  } catch (e) {
    return errorRow(name, n, settings.solver, `forward: ${e instanceof Error ? e.message : String(e)}`, performance.now() - t0);
  }
  const forwardMs = performance.now() - t0;
  let backward: BackwardOutcome | null = null;
  if (onForward && fwd.context) onForward(buildRow(name, loaded, settings.solver, fwd, forwardMs, null, settings.timeLimit));
  if (fwd.context) {
    const t1 = performance.now();
    try {
      const gradients = dqpBackward(fwd, { z: new Float64Array(n).fill(1) });
      backward = { ms: performance.now() - t1, gradients };
    } catch (e) {
      backward = { ms: performance.now() - t1, error: e instanceof Error ? e.message : String(e) };
    }
  }
  return buildRow(name, loaded, settings.solver, fwd, forwardMs, backward, settings.timeLimit);
}

// ---------------------------------------------------------------------------------------------
// Summaries
// ---------------------------------------------------------------------------------------------

/** Mean and median of a sample (NaN when empty). */
export interface MeanMedian {
  readonly mean: number;
  readonly median: number;
}

function meanMedian(values: readonly number[]): MeanMedian {
  const q = quartiles(values);
  let s = 0;
  let k = 0;
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v;
      k++;
    }
  }
  return { mean: k ? s / k : Number.NaN, median: q.median };
}

/** Counts and times of one solver over the problems it ran (times over its solved rows). */
export interface SolverSummary {
  readonly solver: string;
  readonly problems: number;
  readonly solved: number;
  readonly solvedStrict: number;
  readonly forwardMs: MeanMedian;
  readonly backwardMs: MeanMedian;
  readonly totalMs: MeanMedian;
}

/** The row chosen for one problem by bestOfSolvers. */
export interface BestRow {
  readonly problem: string;
  readonly solver: string;
  readonly forwardMs: number;
  readonly backwardMs: number;
  readonly totalMs: number;
  readonly accuracy: number;
  readonly solvedStrict: boolean;
}

/**
 * "Best of our solvers per problem": for each problem the solved row (paper criterion) with the
 * least totalMs (ties: the earlier row), and statistics over those rows.
 */
export interface BestOfSummary {
  readonly problems: number;
  readonly solvers: readonly string[];
  /** problems solved and differentiated by at least one solver */
  readonly solved: number;
  /** problems where at least one solver's row is solvedStrict */
  readonly solvedStrict: number;
  /** over the best rows */
  readonly forwardMs: MeanMedian;
  readonly backwardMs: MeanMedian;
  readonly totalMs: MeanMedian;
  /** how many problems each solver was the best for */
  readonly bestSolverCounts: Readonly<Record<string, number>>;
  /** problems no solver solved */
  readonly unsolved: readonly string[];
  readonly best: readonly BestRow[];
}

export interface FileSuiteSummary extends BestOfSummary {
  readonly perSolver: readonly SolverSummary[];
}

export function summarizeSolvers(rows: readonly FileSuiteRow[]): SolverSummary[] {
  const solvers = [...new Set(rows.map((r) => r.solver))];
  return solvers.map((solver) => {
    const mine = rows.filter((r) => r.solver === solver);
    const ok = mine.filter((r) => r.solved);
    return {
      solver,
      problems: mine.length,
      solved: ok.length,
      solvedStrict: mine.filter((r) => r.solvedStrict).length,
      forwardMs: meanMedian(ok.map((r) => r.forwardMs)),
      backwardMs: meanMedian(ok.map((r) => r.backwardMs)),
      totalMs: meanMedian(ok.map((r) => r.totalMs)),
    };
  });
}

export function bestOfSolvers(rows: readonly FileSuiteRow[]): BestOfSummary {
  const problems: string[] = [];
  const byProblem = new Map<string, FileSuiteRow[]>();
  for (const r of rows) {
    let g = byProblem.get(r.problem);
    if (!g) {
      byProblem.set(r.problem, (g = []));
      problems.push(r.problem);
    }
    g.push(r);
  }
  const solvers = [...new Set(rows.map((r) => r.solver))];
  const counts: Record<string, number> = Object.fromEntries(solvers.map((s) => [s, 0]));
  const best: BestRow[] = [];
  const unsolved: string[] = [];
  let strict = 0;
  for (const p of problems) {
    const g = byProblem.get(p)!;
    if (g.some((r) => r.solvedStrict)) strict++;
    let b: FileSuiteRow | null = null;
    for (const r of g) if (r.solved && (b === null || r.totalMs < b.totalMs)) b = r;
    if (!b) {
      unsolved.push(p);
      continue;
    }
    counts[b.solver]!++;
    best.push({ problem: p, solver: b.solver, forwardMs: b.forwardMs, backwardMs: b.backwardMs, totalMs: b.totalMs, accuracy: b.accuracy, solvedStrict: b.solvedStrict });
  }
  return {
    problems: problems.length,
    solvers,
    solved: best.length,
    solvedStrict: strict,
    forwardMs: meanMedian(best.map((r) => r.forwardMs)),
    backwardMs: meanMedian(best.map((r) => r.backwardMs)),
    totalMs: meanMedian(best.map((r) => r.totalMs)),
    bestSolverCounts: counts,
    unsolved,
    best,
  };
}

export function summarizeFileSuite(rows: readonly FileSuiteRow[]): FileSuiteSummary {
  return { ...bestOfSolvers(rows), perSolver: summarizeSolvers(rows) };
}

// ---------------------------------------------------------------------------------------------
// Running
// ---------------------------------------------------------------------------------------------

/** Problem names (file names without extension) of a folder, sorted; filtered by `only`. */
export function listProblems(dir: string, extension: string, only?: readonly string[]): string[] {
  const all = readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .map((f) => f.slice(0, -extension.length))
    .sort();
  if (!only) return all;
  const known = new Set(all);
  const missing = only.filter((p) => !known.has(p));
  if (missing.length > 0) {
    throw new InputError('--problems', `names of ${extension} files in ${dir}`, `${missing.join(', ')} (not found)`);
  }
  return all.filter((p) => only.includes(p));
}

/** A tiny QP differentiated once per solver (dense and CSC) before measuring, so JIT compilation is not timed. */
const WARMUP: QPProblem = {
  P: { format: 'dense', nrows: 2, ncols: 2, data: Float64Array.from([2, 0.5, 0.5, 1]) },
  q: Float64Array.from([1, -1]),
  A: { format: 'dense', nrows: 1, ncols: 2, data: Float64Array.from([1, 1]) },
  b: Float64Array.from([1]),
  C: { format: 'dense', nrows: 1, ncols: 2, data: Float64Array.from([1, -1]) },
  d: Float64Array.from([0.5]),
  lb: Float64Array.from([-2, -2]),
  ub: Float64Array.from([2, 2]),
};

/** Untimed forward + backward of a tiny dense and a tiny CSC problem with `settings.solver` (solver loaded). */
export function warmUp(settings: FileRunSettings): void {
  const sparse: QPProblem = { ...WARMUP, P: cscFromDense(WARMUP.P as DenseMatrix), A: cscFromDense(WARMUP.A as DenseMatrix), C: cscFromDense(WARMUP.C as DenseMatrix) };
  runOne('warm-up', { problem: WARMUP, objectiveOffset: 0 }, settings);
  runOne('warm-up', { problem: sparse, objectiveOffset: 0 }, settings);
}

/** The resolved settings of a suite run (also printed in the JSON). */
export interface FileSuiteSettings {
  readonly solvers: readonly string[];
  readonly timeLimit: number;
  /** a run (read + forward + backward) still going after this many ms is stopped (isolated runs only) */
  readonly hardLimitMs: number;
  readonly epsAbs: number;
  readonly epsRel: number;
  readonly epsActive: number;
}

/**
 * The hard limit of one isolated run, ms: the time limit, plus the overrun we still want to
 * measure (min(timeLimit, 10 s)), plus 5 s for reading the file (and, on a fresh worker, loading
 * and warming up the solver).
 */
export function hardLimitMs(timeLimit: number): number {
  return 1000 * (timeLimit + Math.min(timeLimit, 10) + 5);
}

/** Resolve the CLI options against the suite's defaults (InputError / SolverNotFoundError for bad values). */
export function resolveFileSuiteSettings(spec: FileSuiteSpec, options: BenchOptions): FileSuiteSettings {
  const timeLimit = options.timeLimit ?? spec.defaultTimeLimit;
  if (!(timeLimit > 0) || !Number.isFinite(timeLimit)) throw new InputError('--time-limit', 'a positive number of seconds', String(timeLimit));
  const eps = (flag: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!(v >= 0) || !Number.isFinite(v)) throw new InputError(flag, 'a finite number ≥ 0', String(v));
    return v;
  };
  const epsAbs = eps('--eps-abs', options.epsAbs, spec.defaultEpsAbs ?? DQP_DEFAULTS.epsAbs);
  const epsRel = eps('--eps-rel', options.epsRel, spec.defaultEpsRel ?? DQP_DEFAULTS.epsRel);
  if (epsAbs === 0 && epsRel === 0) throw new InputError('--eps-abs/--eps-rel', 'not both zero', '0 and 0');
  const epsActive = eps('--eps-active', options.epsActive, DQP_DEFAULTS.epsActive);
  const solvers = options.solvers ?? [...spec.defaultSolvers];
  if (solvers.length === 0) throw new InputError('--solver', 'at least one solver name', '""');
  for (const s of solvers) getBackend(s); // SolverNotFoundError lists the available ones
  return { solvers, timeLimit, hardLimitMs: hardLimitMs(timeLimit), epsAbs, epsRel, epsActive };
}

/** What an isolated run gave. */
export type IsolatedOutcome =
  | { readonly kind: 'row'; readonly row: FileSuiteRow }
  | { readonly kind: 'read-error'; readonly message: string }
  /** stopped at the hard limit, or the worker died (out of memory, ...) */
  | { readonly kind: 'stopped'; readonly reason: string; readonly n: number; readonly elapsedMs: number; readonly forward: { readonly row: FileSuiteRow; readonly backwardMs: number } | null };

/**
 * One worker thread at a time (file-suite-worker.ts); started lazily, terminated when a run
 * overruns the hard limit or the worker fails, and replaced by a fresh one for the next run.
 */
class IsolatedRunner {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;

  private start(): { worker: Worker; ready: Promise<void> } {
    if (this.worker && this.ready) return { worker: this.worker, ready: this.ready };
    const worker = new Worker(new URL('./file-suite-worker.js', import.meta.url));
    const ready = new Promise<void>((resolve, reject) => {
      const onMessage = (msg: FromFileSuiteWorker) => {
        if (msg.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve();
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
    this.worker = worker;
    this.ready = ready;
    return { worker, ready };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) await w.terminate();
  }

  async run(msg: Omit<RunMessage, 'type' | 'id'>, hardMs: number, signal?: AbortSignal): Promise<IsolatedOutcome> {
    const { worker, ready } = this.start();
    try {
      await ready;
    } catch (e) {
      await this.close();
      return { kind: 'stopped', reason: `worker failed to start: ${e instanceof Error ? e.message : String(e)}`, n: 0, elapsedMs: 0, forward: null };
    }
    const id = this.nextId++;
    const t0 = performance.now();
    let forward: { row: FileSuiteRow; at: number } | null = null;
    let n = 0;
    const outcome = await new Promise<IsolatedOutcome>((resolve) => {
      const stopped = (reason: string): IsolatedOutcome => {
        const now = performance.now();
        return {
          kind: 'stopped',
          reason,
          n,
          elapsedMs: now - t0,
          forward: forward ? { row: forward.row, backwardMs: now - forward.at } : null,
        };
      };
      const finish = (o: IsolatedOutcome) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal?.removeEventListener('abort', onAbort);
        resolve(o);
      };
      // an interrupt stops the run at once (the worker is terminated below)
      const onAbort = () => finish(stopped(INTERRUPTED_REASON));
      const onMessage = (m: FromFileSuiteWorker) => {
        if (m.type === 'ready' || m.id !== id) return;
        if (m.type === 'loaded') n = m.n;
        else if (m.type === 'forward') forward = { row: m.row, at: performance.now() };
        else if (m.type === 'row') finish({ kind: 'row', row: m.row });
        else finish({ kind: 'read-error', message: m.message });
      };
      const onError = (e: Error) => finish(stopped(`worker error: ${e.message}`));
      const onExit = (code: number) => finish(stopped(`worker exited with code ${code}`));
      const timer = setTimeout(() => finish(stopped(`stopped at the hard limit of ${(hardMs / 1000).toFixed(0)} s`)), hardMs);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal?.addEventListener('abort', onAbort);
      worker.postMessage({ ...msg, type: 'run', id } satisfies RunMessage);
      if (signal?.aborted) onAbort();
    });
    if (outcome.kind === 'stopped') await this.close();
    return outcome;
  }
}

/** reason of a run stopped by options.signal (Ctrl-C): such a run gives no row */
const INTERRUPTED_REASON = 'interrupted';

/** Resolve after one macrotask (lets signal handlers run between synchronous runs). */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The row of a run stopped by the runner (hard limit, or a dead worker). */
export function stoppedRow(name: string, solver: string, o: Extract<IsolatedOutcome, { kind: 'stopped' }>): FileSuiteRow {
  const overLimit = o.reason.startsWith('stopped at the hard limit');
  if (!o.forward) {
    const row = errorRow(name, o.n, solver, `${o.reason} (during the forward pass)`, o.elapsedMs);
    return overLimit ? { ...row, status: 'time_limit' } : row;
  }
  const f = o.forward.row;
  const notes = [...(f.leastSquares ? ['least-squares'] : []), ...(f.nonDifferentiable ? ['non-differentiable'] : []), `${o.reason} (during the backward pass)`];
  return {
    ...f,
    status: overLimit ? 'time_limit' : 'error',
    solved: false,
    solvedStrict: false,
    backwardMs: o.forward.backwardMs,
    totalMs: f.forwardMs + o.forward.backwardMs,
    note: notes.join('; '),
  };
}

/**
 * Run a file suite end to end (see the module comment). Returns the rows and whether
 * options.signal stopped it early: the run in progress is then abandoned (its worker terminated)
 * and the rows, summary, CSV and JSON cover the runs finished before (JSON `"interrupted": true`).
 */
export async function runFileSuite(spec: FileSuiteSpec, options: BenchOptions): Promise<{ rows: FileSuiteRow[]; interrupted: boolean }> {
  const log = progress(options.quiet);
  const dir = dataDir(spec.folder);
  if (!existsSync(dir)) {
    const reason = `data folder ${spec.folder} (relative to the repository root) not found`;
    process.stderr.write(`[${spec.suite}] skipped: ${reason}\n`);
    if (options.json) printJson({ suite: spec.suite, rows: [], skipped: reason });
    return { rows: [], interrupted: false };
  }
  const settings = resolveFileSuiteSettings(spec, options);
  const { solvers, timeLimit } = settings;
  const names = listProblems(dir, spec.extension, options.problems);
  const runSettings = (solver: string): FileRunSettings => ({ solver, timeLimit, epsAbs: settings.epsAbs, epsRel: settings.epsRel, epsActive: settings.epsActive });
  const isolated = spec.specModule !== undefined;
  if (!isolated) {
    await loadSolvers([...solvers]);
    for (const solver of solvers) warmUp(runSettings(solver));
  }
  log(
    `[${spec.suite}] ${names.length} problem(s) from ${relative(process.cwd(), dir) || dir}; solvers ${solvers.join(', ')}; ` +
      `time limit ${timeLimit} s${isolated ? ` (runs stopped after ${settings.hardLimitMs / 1000} s)` : ''}; ` +
      `epsAbs ${settings.epsAbs}, epsRel ${settings.epsRel}, ε_J ${settings.epsActive}; loss Σz`,
  );

  const rows: FileSuiteRow[] = [];
  let interrupted = false;
  const runner = isolated ? new IsolatedRunner() : null;
  // with --quiet the dQP warnings (non-differentiable points, least squares) are silenced too:
  // every occurrence is in the rows' flags anyway
  const previousHandler = options.quiet ? setDqpWarningHandler(() => {}) : null;
  try {
    problems: for (const [k, name] of names.entries()) {
      const path = join(dir, `${name}${spec.extension}`);
      let loaded: LoadedProblem | null = null;
      let readError: string | null = null;
      if (!runner) {
        try {
          loaded = spec.read(path);
        } catch (e) {
          readError = e instanceof Error ? e.message : String(e);
        }
      }
      for (const solver of solvers) {
        if (options.signal) {
          if (!runner) await nextMacrotask();
          if (options.signal.aborted) {
            interrupted = true;
            break problems;
          }
        }
        let row: FileSuiteRow | null = null;
        if (readError === null && runner) {
          const o = await runner.run({ specModule: spec.specModule!, path, name, settings: runSettings(solver), quiet: options.quiet }, settings.hardLimitMs, options.signal);
          if (o.kind === 'stopped' && o.reason === INTERRUPTED_REASON) {
            interrupted = true;
            break problems;
          }
          if (o.kind === 'row') row = o.row;
          else if (o.kind === 'read-error') readError = o.message;
          else row = stoppedRow(name, solver, o);
        } else if (readError === null && loaded) {
          row = runOne(name, loaded, runSettings(solver));
        }
        if (readError !== null) {
          log(`[${spec.suite}] ${k + 1}/${names.length} ${name}: cannot read (${readError})`);
          for (const s of solvers.slice(solvers.indexOf(solver))) rows.push(errorRow(name, 0, s, `read: ${readError}`, Number.NaN));
          break;
        }
        rows.push(row!);
        log(
          `[${spec.suite}] ${k + 1}/${names.length} ${name} n=${row!.n} ${solver}: ${row!.status}${row!.solved ? '' : ' (FAILED)'}  ` +
            `forward ${fmt(row!.forwardMs)} ms (solve ${fmt(row!.solveMs)})  backward ${fmt(row!.backwardMs)} ms  ${row!.iterations} it  ` +
            `accuracy ${fmt(row!.accuracy)}  |J| ${row!.activeRows}${row!.note ? `  [${row!.note}]` : ''}`,
        );
      }
    }
  } finally {
    if (previousHandler) setDqpWarningHandler(previousHandler);
    await runner?.close();
  }

  const note = `interrupted: ${rows.length} of ${names.length * solvers.length} runs finished (the results cover only those)`;
  if (interrupted) log(`[${spec.suite}] ${note}`);
  const summary = summarizeFileSuite(rows);
  if (options.csv) {
    writeFileAtomic(options.csv, toCsv(FILE_ROW_COLUMNS, rows.map((r) => FILE_ROW_COLUMNS.map((c) => r[c]))));
    log(`wrote ${options.csv}`);
  }
  if (options.json) {
    printJson({ suite: spec.suite, settings, rows, summary, interrupted });
  } else {
    process.stdout.write(`${formatSummary(spec.suite, rows, summary, settings)}${interrupted ? `\n${note}` : ''}\n`);
  }
  return { rows, interrupted };
}

const mm = (m: MeanMedian) => `mean ${fmt(m.mean)}, median ${fmt(m.median)}`;

/** Human table of the rows, one summary line per solver, and the best-of-solvers summary. */
export function formatSummary(suite: string, rows: readonly FileSuiteRow[], summary: FileSuiteSummary, settings: Pick<FileSuiteSettings, 'timeLimit' | 'epsAbs' | 'epsRel'>): string {
  const flags = (r: FileSuiteRow) => [r.leastSquares ? 'LS' : '', r.nonDifferentiable ? 'ND' : ''].filter((s) => s).join(',') || '-';
  const table = formatTable(
    ['problem', 'n', 'solver', 'status', 'solved', 'strict', 'forwardMs', 'backwardMs', 'totalMs', 'accuracy', 'iterations', 'flags'],
    rows.map((r) => [r.problem, r.n, r.solver, r.status, r.solved ? 'yes' : 'NO', r.solvedStrict ? 'yes' : 'no', r.forwardMs, r.backwardMs, r.totalMs, r.accuracy, r.iterations, flags(r)]),
  );
  const pct = (a: number, b: number) => (b ? ((100 * a) / b).toFixed(1) : '0');
  const lines = summary.perSolver.map(
    (s) =>
      `${suite} ${s.solver}: solved ${s.solved}/${s.problems} (${pct(s.solved, s.problems)} %), strict ${s.solvedStrict}/${s.problems}; ` +
      `ms over solved: forward ${mm(s.forwardMs)}; backward ${mm(s.backwardMs)}; total ${mm(s.totalMs)}`,
  );
  const b = summary;
  const counts = Object.entries(b.bestSolverCounts)
    .map(([s, c]) => `${s} ${c}`)
    .join(', ');
  lines.push(
    `${suite} best of ${b.solvers.join(', ')} per problem: solved & differentiated ${b.solved}/${b.problems} (${pct(b.solved, b.problems)} %), ` +
      `strict ${b.solvedStrict}/${b.problems}; ms: total ${mm(b.totalMs)}; forward ${mm(b.forwardMs)}; backward ${mm(b.backwardMs)}; fastest: ${counts}` +
      (b.unsolved.length ? `; unsolved: ${b.unsolved.join(', ')}` : ''),
  );
  const legend =
    `solved: paper App. G (forward + backward within ${settings.timeLimit} s, max(r_p, r_d, r_g) < 1, finite gradient of Σz); ` +
    `strict: also status solved and r_p, r_d ≤ ${SOLVED_TOLERANCE}·(1 + data scale); flags LS least squares, ND non-differentiable; ` +
    `solver epsAbs ${settings.epsAbs}, epsRel ${settings.epsRel}`;
  return `${table}\n\n${legend}\n${lines.join('\n')}`;
}
