/**
 * The runner shared by the file-based suites (`dqp bench maros-meszaros`, `dqp bench mpc`):
 * every problem file of a data folder (sorted by name, optionally filtered by --problems),
 * solved by each requested solver through solveQP (optimizer/qp/registry.ts) with
 * settings.timeLimit = --time-limit (default 20 s; the solver honours it itself).
 *
 * One row per (problem, solver):
 *   problem, n, solver, status, solved, forwardMs, accuracy, iterations (+ r_p, r_d, r_g,
 *   objective incl. the file's constant, dataScale)
 * where
 *   accuracy  = max(r_p, r_d, r_g)  (computeResiduals of the returned point, residuals.ts)
 *   dataScale = max(‖q‖∞, ‖b‖∞, ‖d‖∞ over finite d, |lb_j|, |ub_j| over finite bounds)
 *   solved    = status 'solved' and r_p ≤ 1e-5·(1 + dataScale) and r_d ≤ 1e-5·(1 + dataScale),
 *               within the time limit (forwardMs ≤ 1000·timeLimit).
 * forwardMs is the wall time of solveQP (validation + setup + solve). Rows are built by
 * `buildRow`, the one place to extend when more columns (e.g. backward timings) are added.
 *
 * Output: progress on stderr (one line per run; --quiet silences it); stdout gets a human table
 * and a summary line, or with --json a single last line {"suite", "rows": [...]}; --csv writes
 * the rows. A missing data folder is not an error: the suite prints a skip message (and with
 * --json {"suite", "rows": [], "skipped": reason}).
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatTable, printJson, progress, writeFileAtomic } from '../cli/output.ts';
import { InputError } from '../optimizer/errors.ts';
import { cscFromDense } from '../optimizer/linalg/csc.ts';
import type { DenseMatrix } from '../optimizer/linalg/types.ts';
import { getBackend, loadSolvers, solveQP } from '../optimizer/qp/registry.ts';
import { maxResidual } from '../optimizer/qp/residuals.ts';
import type { QPProblem, QPSolution } from '../optimizer/qp/types.ts';
import type { BenchOptions } from './options.ts';
import { fmt, toCsv } from './report.ts';

/** Repository root (this file lives in bench/). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A data folder given relative to the repository root, e.g. '../shared/data/mpc_qpbenchmark'. */
export function dataDir(relativeToRoot: string): string {
  return join(REPO_ROOT, relativeToRoot);
}

/** Residual threshold factor of the `solved` column: r ≤ SOLVED_TOLERANCE·(1 + dataScale). */
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
  /** seconds per problem */
  readonly defaultTimeLimit: number;
}

/** One (problem, solver) result. */
export interface FileSuiteRow {
  readonly problem: string;
  readonly n: number;
  readonly solver: string;
  /** QPStatus, or 'error' when solveQP threw */
  readonly status: string;
  readonly solved: boolean;
  readonly forwardMs: number;
  /** max(r_p, r_d, r_g) */
  readonly accuracy: number;
  readonly iterations: number;
  readonly primal: number;
  readonly dual: number;
  readonly gap: number;
  /** ½zᵀPz + qᵀz + objectiveOffset */
  readonly objective: number;
  readonly dataScale: number;
  readonly note?: string;
}

export const FILE_ROW_COLUMNS = [
  'problem',
  'n',
  'solver',
  'status',
  'solved',
  'forwardMs',
  'accuracy',
  'iterations',
  'primal',
  'dual',
  'gap',
  'objective',
  'dataScale',
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

/**
 * The row of one solve (the single place where columns are defined). timeLimit in seconds: a
 * solve that returns 'solved' after the limit (the last iteration overran it) is not counted.
 */
export function buildRow(name: string, loaded: LoadedProblem, solver: string, sol: QPSolution, forwardMs: number, timeLimit: number): FileSuiteRow {
  const scale = dataScale(loaded.problem);
  const tol = SOLVED_TOLERANCE * (1 + scale);
  const r = sol.residuals;
  const inTime = forwardMs <= 1000 * timeLimit;
  return {
    problem: name,
    n: loaded.problem.q.length,
    solver,
    status: sol.status,
    solved: inTime && sol.status === 'solved' && r.primal <= tol && r.dual <= tol,
    forwardMs,
    accuracy: maxResidual(r),
    iterations: sol.iterations,
    primal: r.primal,
    dual: r.dual,
    gap: r.gap,
    objective: sol.objective + loaded.objectiveOffset,
    dataScale: scale,
    ...(inTime ? {} : { note: 'over the time limit' }),
  };
}

function errorRow(name: string, n: number, solver: string, message: string, forwardMs: number): FileSuiteRow {
  return {
    problem: name,
    n,
    solver,
    status: 'error',
    solved: false,
    forwardMs,
    accuracy: Number.NaN,
    iterations: 0,
    primal: Number.NaN,
    dual: Number.NaN,
    gap: Number.NaN,
    objective: Number.NaN,
    dataScale: Number.NaN,
    note: message,
  };
}

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

/** A tiny QP solved once per solver (dense and CSC) before measuring, so JIT compilation is not timed. */
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

/** Run a file suite end to end (see the module comment). Returns the rows. */
export async function runFileSuite(spec: FileSuiteSpec, options: BenchOptions): Promise<FileSuiteRow[]> {
  const log = progress(options.quiet);
  const dir = dataDir(spec.folder);
  if (!existsSync(dir)) {
    const reason = `data folder ${spec.folder} (relative to the repository root) not found`;
    process.stderr.write(`[${spec.suite}] skipped: ${reason}\n`);
    if (options.json) printJson({ suite: spec.suite, rows: [], skipped: reason });
    return [];
  }
  const timeLimit = options.timeLimit ?? spec.defaultTimeLimit;
  if (!(timeLimit > 0)) throw new InputError('--time-limit', 'a positive number of seconds', String(timeLimit));
  const solvers = options.solvers ?? [...spec.defaultSolvers];
  for (const s of solvers) getBackend(s); // SolverNotFoundError lists the available ones
  const names = listProblems(dir, spec.extension, options.problems);
  await loadSolvers(solvers);
  const warmSparse: QPProblem = { ...WARMUP, P: cscFromDense(WARMUP.P as DenseMatrix), A: cscFromDense(WARMUP.A as DenseMatrix), C: cscFromDense(WARMUP.C as DenseMatrix) };
  for (const solver of solvers) {
    solveQP(WARMUP, { solver });
    solveQP(warmSparse, { solver });
  }
  log(`[${spec.suite}] ${names.length} problem(s) from ${relative(process.cwd(), dir) || dir}; solvers ${solvers.join(', ')}; time limit ${timeLimit} s`);

  const rows: FileSuiteRow[] = [];
  names.forEach((name, k) => {
    let loaded: LoadedProblem;
    try {
      loaded = spec.read(join(dir, `${name}${spec.extension}`));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      for (const solver of solvers) rows.push(errorRow(name, 0, solver, `read: ${msg}`, Number.NaN));
      log(`[${spec.suite}] ${k + 1}/${names.length} ${name}: cannot read (${msg})`);
      return;
    }
    for (const solver of solvers) {
      const t0 = performance.now();
      let row: FileSuiteRow;
      try {
        const sol = solveQP(loaded.problem, { solver, timeLimit });
        row = buildRow(name, loaded, solver, sol, performance.now() - t0, timeLimit);
      } catch (e) {
        row = errorRow(name, loaded.problem.q.length, solver, e instanceof Error ? e.message : String(e), performance.now() - t0);
      }
      rows.push(row);
      log(
        `[${spec.suite}] ${k + 1}/${names.length} ${name} n=${row.n} ${solver}: ${row.status}${row.solved ? '' : ' (FAILED)'}  ` +
          `${fmt(row.forwardMs)} ms  ${row.iterations} it  accuracy ${fmt(row.accuracy)}${row.note ? `  [${row.note}]` : ''}`,
      );
    }
  });

  if (options.csv) {
    writeFileAtomic(options.csv, toCsv(FILE_ROW_COLUMNS, rows.map((r) => FILE_ROW_COLUMNS.map((c) => r[c]))));
    log(`wrote ${options.csv}`);
  }
  if (options.json) {
    printJson({ suite: spec.suite, rows });
  } else {
    process.stdout.write(`${formatSummary(spec.suite, rows, solvers, timeLimit)}\n`);
  }
  return rows;
}

/** Human table of the rows plus one summary line per solver. */
export function formatSummary(suite: string, rows: readonly FileSuiteRow[], solvers: readonly string[], timeLimit: number): string {
  const table = formatTable(
    ['problem', 'n', 'solver', 'status', 'solved', 'forwardMs', 'accuracy', 'iterations'],
    rows.map((r) => [r.problem, r.n, r.solver, r.status, r.solved ? 'yes' : 'NO', r.forwardMs, r.accuracy, r.iterations]),
  );
  const lines = solvers.map((s) => {
    const mine = rows.filter((r) => r.solver === s);
    const ok = mine.filter((r) => r.solved);
    const times = ok.map((r) => r.forwardMs).sort((a, b) => a - b);
    const median = times.length ? times[Math.floor((times.length - 1) / 2)]! : Number.NaN;
    const mean = times.length ? times.reduce((a, b) => a + b, 0) / times.length : Number.NaN;
    return `${suite} ${s}: solved ${ok.length}/${mine.length} (${mine.length ? ((100 * ok.length) / mine.length).toFixed(1) : '0'} %), time limit ${timeLimit} s; forward ms over solved: median ${fmt(median)}, mean ${fmt(mean)}`;
  });
  return `${table}\n\n${lines.join('\n')}`;
}
