/**
 * The runner shared by the synthetic suites (`dqp bench dense|sparse|simplex|chain`, paper
 * Section 4 / App. G): generate each problem from its seed, and for each solver time
 *
 *   forward   dqpForward(problem, { solver, epsActive, solverSettings: { timeLimit } })
 *             (black-box solve + active set + reduced-KKT factorization + dual completion)
 *   backward  dqpBackward(forward, { z: 1 })  (the gradient of loss = Σ z w.r.t. every input)
 *
 * and record accuracy = max(r_p, r_d, r_g) of the returned (z, λ, μ) (computeResiduals) and
 * success (report.ts: within the time limit, accuracy < 1, finite gradients). Problem
 * generation is not timed; one untimed warm-up run per solver (on an extra problem of the
 * smallest size) precedes the measurements so JIT compilation is not charged to the first row. Progress goes to stderr (one line per run, --quiet silences it);
 * stdout gets the summary table, or with --json a single last line
 *   {"suite","rows":[{"problem","n","solver","status","solved","solvedStrict","forwardMs",
 *    "backwardMs","totalMs","accuracy",...}],"interrupted"}.
 *
 * Interruption (options.signal, aborted by the CLI's first Ctrl-C / SIGTERM): the runner yields
 * to the event loop (one setImmediate) before every (problem, solver) run and stops when the
 * signal is aborted; the table / JSON / CSV / SVG then hold the runs finished so far (each row
 * complete), with a note that the run was interrupted.
 */
import { InputError } from '../optimizer/errors.ts';
import { dqpBackward, dqpForward } from '../optimizer/dqp/index.ts';
import type { DqpGradients } from '../optimizer/dqp/types.ts';
import { loadSolvers, getBackend } from '../optimizer/qp/registry.ts';
import { computeResiduals, maxResidual } from '../optimizer/qp/residuals.ts';
import { printJson, progress } from '../report/console.ts';
import { writeFileAtomic } from '../report/outputs.ts';
import { fmt } from '../report/table.ts';
import { type Family, generateProblem, type GeneratedProblem } from './generators.ts';
import type { BenchOptions, BenchOutcome } from './options.ts';
import {
  type BenchRow,
  COARSE_ACCURACY,
  formatSummaryTable,
  STRICT_ACCURACY,
  summarizeRows,
  summaryChart,
  writeRowsCsv,
} from './report.ts';

/** Defaults of one suite. */
export interface SuiteDefaults {
  readonly family: Family;
  /** human title for tables and charts */
  readonly title: string;
  readonly sizes: readonly number[];
  readonly samples: number;
  readonly solvers: readonly string[];
  /** seconds per problem (forward + backward) */
  readonly timeLimit: number;
}

/** Settings of one run, after defaults. */
export interface RunSettings {
  readonly solver: string;
  /** seconds, forward + backward */
  readonly timeLimit: number;
  /** ε_J (undefined: the dQP default) */
  readonly epsActive?: number;
  /** forward solver tolerances (undefined: the dQP defaults, ε_abs 1e-9, ε_rel 0) */
  readonly epsAbs?: number;
  readonly epsRel?: number;
}

export type SyntheticRow = BenchRow;

const now = () => performance.now();

function gradientsFinite(g: DqpGradients): boolean {
  for (const key of ['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const) {
    const v = g[key];
    if (!v) continue;
    for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  }
  return true;
}

/** Forward + backward of one problem with one solver; never throws for a solver or dQP failure. */
export function runOne(gen: GeneratedProblem, settings: RunSettings): SyntheticRow {
  const { problem } = gen;
  const base = { problem: gen.name, n: gen.n, solver: settings.solver };
  const fail = (status: string, note: string, forwardMs = Number.NaN, backwardMs = Number.NaN): SyntheticRow => ({
    ...base,
    status,
    solved: false,
    solvedStrict: false,
    forwardMs,
    backwardMs,
    totalMs: forwardMs + backwardMs,
    accuracy: Number.NaN,
    note,
  });
  const limitMs = settings.timeLimit * 1000;
  let fwd;
  const t0 = now();
  try {
    fwd = dqpForward(problem, {
      solver: settings.solver,
      ...(settings.epsActive !== undefined ? { epsActive: settings.epsActive } : {}),
      ...(settings.epsAbs !== undefined ? { epsAbs: settings.epsAbs } : {}),
      ...(settings.epsRel !== undefined ? { epsRel: settings.epsRel } : {}),
      solverSettings: { timeLimit: settings.timeLimit },
    });
  } catch (e) {
    return fail('error', `forward: ${e instanceof Error ? e.message : String(e)}`, now() - t0);
  }
  const forwardMs = now() - t0;
  const res = computeResiduals(problem, fwd.z, fwd.lambda, fwd.mu, fwd.muLb, fwd.muUb);
  const accuracy = maxResidual(res);
  if (!fwd.context) return { ...fail(fwd.status, 'no differentiable point', forwardMs), accuracy };
  let grads: DqpGradients;
  const t1 = now();
  try {
    grads = dqpBackward(fwd, { z: new Float64Array(gen.n).fill(1) });
  } catch (e) {
    return { ...fail(fwd.status, `backward: ${e instanceof Error ? e.message : String(e)}`, forwardMs, now() - t1), accuracy };
  }
  const backwardMs = now() - t1;
  const totalMs = forwardMs + backwardMs;
  const notes: string[] = [];
  if (fwd.flags.leastSquares || grads.leastSquares) notes.push('least-squares');
  if (fwd.flags.nonDifferentiable) notes.push('non-differentiable');
  if (fwd.flags.dualsCompleted) notes.push('duals completed');
  const finite = gradientsFinite(grads);
  if (!finite) notes.push('non-finite gradient');
  const inTime = totalMs <= limitMs;
  if (!inTime) notes.push('over the time limit');
  const solved = inTime && finite && accuracy < COARSE_ACCURACY;
  let exactError: number | undefined;
  if (gen.exact) {
    exactError = 0;
    for (let i = 0; i < gen.n; i++) exactError = Math.max(exactError, Math.abs(fwd.z[i]! - gen.exact.z[i]!));
  }
  return {
    ...base,
    status: !inTime ? 'time_limit' : fwd.status,
    solved,
    solvedStrict: solved && accuracy < STRICT_ACCURACY,
    forwardMs,
    backwardMs,
    totalMs,
    accuracy,
    ...(notes.length ? { note: notes.join('; ') } : {}),
    ...(exactError !== undefined ? { exactError } : {}),
  };
}

/** Resolve the CLI options against the suite defaults (InputError for bad values). */
export function resolveSuiteOptions(
  defaults: SuiteDefaults,
  options: BenchOptions,
): { sizes: number[]; samples: number; solvers: string[]; timeLimit: number; epsActive?: number; epsAbs?: number; epsRel?: number } {
  const sizes = options.sizes ?? [...defaults.sizes];
  if (defaults.family === 'chain') {
    for (const n of sizes) if (n % 100 !== 0) throw new InputError('--sizes', 'multiples of 100 for the chain suite (n = 100·k)', String(n));
  }
  const samples = options.samples ?? defaults.samples;
  if (!Number.isInteger(samples) || samples < 1) throw new InputError('--samples', 'a positive integer', String(samples));
  const timeLimit = options.timeLimit ?? defaults.timeLimit;
  if (!(timeLimit > 0)) throw new InputError('--time-limit', 'a positive number of seconds', String(timeLimit));
  if (options.epsActive !== undefined && !(options.epsActive >= 0)) throw new InputError('--eps-active', 'a number ≥ 0', String(options.epsActive));
  const solvers = options.solvers ?? [...defaults.solvers];
  for (const s of solvers) getBackend(s); // SolverNotFoundError lists the available ones
  for (const [flag, v] of [['--eps-abs', options.epsAbs], ['--eps-rel', options.epsRel]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0)) throw new InputError(flag, 'a number ≥ 0', String(v));
  }
  return {
    sizes,
    samples,
    solvers,
    timeLimit,
    ...(options.epsActive !== undefined ? { epsActive: options.epsActive } : {}),
    ...(options.epsAbs !== undefined ? { epsAbs: options.epsAbs } : {}),
    ...(options.epsRel !== undefined ? { epsRel: options.epsRel } : {}),
  };
}

/** untimed warm-up problems per solver before the measured ones: at least MIN, at most MAX, stop after SECONDS */
const WARMUP_MIN_RUNS = 3;
const WARMUP_MAX_RUNS = 25;
const WARMUP_SECONDS = 1;
/** largest warm-up size per family (the dense and sparse families get expensive quickly) */
const WARMUP_SIZE_CAP: Readonly<Record<Family, number>> = { dense: 100, sparse: 450, simplex: 4600, chain: 4000 };

/**
 * Optional extras of one suite run (used by `dqp bench dense --baseline cvxopt`): `problem` is
 * called after the solvers ran on each generated problem (untimed for our rows), `finish` after
 * the last one; its `json` is merged into the --json line and its `text` printed after the table.
 * Without hooks the output is unchanged.
 */
export interface SuiteHooks {
  problem?(gen: GeneratedProblem): void;
  finish?(rows: readonly SyntheticRow[]): { json: Record<string, unknown>; text: string } | null;
}

/** Resolve after one macrotask (lets signal handlers and timers run). */
const nextMacrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Run a synthetic suite end to end: problems × solvers, progress on stderr, table / JSON on
 * stdout, optional CSV and SVG. Returns the rows and whether options.signal stopped the run
 * early (then `rows` holds the runs finished before it).
 */
/** The `run` of a synthetic suite module (bench/<family>.ts): runSyntheticSuite with its defaults. */
export function syntheticSuiteRunner(defaults: SuiteDefaults): (options: BenchOptions) => Promise<BenchOutcome> {
  return async (options) => ({ interrupted: (await runSyntheticSuite(defaults, options)).interrupted });
}

export async function runSyntheticSuite(
  defaults: SuiteDefaults,
  options: BenchOptions,
  hooks: SuiteHooks = {},
): Promise<{ rows: SyntheticRow[]; interrupted: boolean }> {
  const o = resolveSuiteOptions(defaults, options);
  const log = progress(options.quiet);
  await loadSolvers(o.solvers);
  const rows: SyntheticRow[] = [];
  log(`[${defaults.family}] sizes ${o.sizes.join(', ')}; ${o.samples} problem(s) per size; solvers ${o.solvers.join(', ')}; time limit ${o.timeLimit} s`);
  // warm-up (untimed, not reported), per solver at the smallest size (capped per family so it
  // stays cheap): at least WARMUP_MIN_RUNS problems, then more until WARMUP_MAX_RUNS or
  // WARMUP_SECONDS, so that the timings are steady-state ones (V8 keeps optimizing the solver's
  // and the dQP layer's hot code for a while: measured on chain n = 4 000, the first ~20 forwards
  // take 25–42 ms and the later ones 13–16 ms)
  const warmSize = Math.min(...o.sizes, WARMUP_SIZE_CAP[defaults.family]);
  for (const solver of o.solvers) {
    const t0 = now();
    let w = 0;
    for (; w < WARMUP_MAX_RUNS && (w < WARMUP_MIN_RUNS || now() - t0 < 1000 * WARMUP_SECONDS); w++) {
      runOne(generateProblem(defaults.family, warmSize, o.samples + w), { solver, timeLimit: o.timeLimit });
    }
    log(`[${defaults.family}] ${solver}: warmed up with ${w} untimed run(s) at n = ${warmSize} (${fmt((now() - t0) / 1000)} s)`);
  }
  const total = o.sizes.length * o.samples * o.solvers.length;
  let interrupted = false;
  runs: for (const n of o.sizes) {
    for (let i = 0; i < o.samples; i++) {
      if (options.signal) {
        await nextMacrotask();
        if (options.signal.aborted) {
          interrupted = true;
          break runs;
        }
      }
      const tg = now();
      const gen = generateProblem(defaults.family, n, i);
      const genMs = now() - tg;
      for (const [si, solver] of o.solvers.entries()) {
        if (options.signal && si > 0) {
          await nextMacrotask();
          if (options.signal.aborted) {
            interrupted = true;
            break runs;
          }
        }
        const r = runOne(gen, {
          solver,
          timeLimit: o.timeLimit,
          ...(o.epsActive !== undefined ? { epsActive: o.epsActive } : {}),
          ...(o.epsAbs !== undefined ? { epsAbs: o.epsAbs } : {}),
          ...(o.epsRel !== undefined ? { epsRel: o.epsRel } : {}),
        });
        rows.push(r);
        log(
          `[${defaults.family}] ${gen.name} ${solver}: ${r.status}${r.solved ? '' : ' (FAILED)'}  forward ${fmt(r.forwardMs)} ms  backward ${fmt(r.backwardMs)} ms  accuracy ${fmt(r.accuracy)}` +
            `${r.exactError !== undefined ? `  |z − exact| ${fmt(r.exactError)}` : ''}${r.note ? `  [${r.note}]` : ''}  (generated in ${fmt(genMs)} ms)`,
        );
      }
      hooks.problem?.(gen);
    }
  }
  const note = `interrupted: ${rows.length} of ${total} runs finished (the results cover only those)`;
  if (interrupted) log(`[${defaults.family}] ${note}`);
  const groups = summarizeRows(rows);
  const extra = hooks.finish?.(rows) ?? null;
  if (options.csv) {
    writeRowsCsv(options.csv, rows);
    log(`wrote ${options.csv}`);
  }
  if (options.svg) {
    writeFileAtomic(options.svg, summaryChart(interrupted ? `${defaults.title} (interrupted: ${rows.length} of ${total} runs)` : defaults.title, groups));
    log(`wrote ${options.svg}`);
  }
  if (options.json) {
    printJson({ suite: defaults.family, rows, interrupted, ...(interrupted ? { runs: total } : {}), ...(extra ? extra.json : {}) });
  } else {
    process.stdout.write(`${defaults.title} — median [q1, q3] over solved problems; loss Σz; accuracy max(r_p, r_d, r_g)\n\n`);
    process.stdout.write(`${formatSummaryTable(groups)}\n`);
    if (extra) process.stdout.write(`\n${extra.text}\n`);
    if (interrupted) process.stdout.write(`\n${note}\n`);
  }
  return { rows, interrupted };
}
