/**
 * `dqp refine`: the corner refinement study (paper Fig. 5). For k = 1.1, 1.2, … the corner
 * example (geometry/examples/corner.ts) on an N×N grid, N = ⌊√(10^k)⌋, while N² ≤ --max-vertices
 * (sizes that repeat an earlier N are run once), each solved by the bi-level loop
 * (geometry/embed on optimizer/bilevel) from θ = −1. Per size: vertices, Adam steps, converged, flipped triangles,
 * median forward / backward ms per outer iteration, total ms.
 *
 * Output: a table on stdout; --csv FILE, --svg FILE (scaling plot: time per iteration, total
 * time and iterations vs vertices); --json prints {"rows":[{"vertices","iterations","converged",
 * "flips","forwardMsMedian","backwardMsMedian","totalMs","stopReason","tightSolves","blockedStops",
 * "predictedSolves","factorizationsMedian","adamRestarts",
 * ...}],"interrupted"} as
 * stdout (the table then goes to stderr). --time-limit SEC bounds each size's loop (stopReason
 * 'time-limit'). --sizes N1,N2,… runs only those grids (N×N, N² vertices, each N ≥ 3), in the
 * given order, still skipping any with N² > --max-vertices (k = log10(N²) in the rows).
 * The loop's settings as on `dqp embed`: --lr, --beta2, --eps-abs, --squared / --loss, --adam,
 * --cone-margin (docs/geometry.md#step-count); defaults are the paper's.
 *
 * Exit code 0 when every size converged with 0 flips, 2 otherwise (the outputs are written), 1 on
 * bad input, 130 when interrupted (SIGINT / SIGTERM, cli/interrupt.ts): the study stops after the
 * current iteration of the current size; the finished rows plus the interrupted one (converged
 * false, stopReason 'interrupted') are printed and written to --csv / --svg. A second signal
 * ends the process at once (nothing written then).
 */
import type { CommandModule } from 'yargs';
import { BILEVEL_DEFAULTS } from '../../geometry/embed/driver.ts';
import type { StopReason } from '../../geometry/embed/types.ts';
import { InputError } from '../../optimizer/errors.ts';
import { printJson, progress } from '../../report/console.ts';
import { LOOP_FLAG_OPTIONS, loopFlags } from '../loop-flags.ts';
import { prepareOutputs } from '../../report/outputs.ts';
import { fmt, formatTable, toCsv } from '../../report/table.ts';
import { checkSolverFlag, numberFlag, numberOption, RANGES, type Range } from '../flags.ts';
import { EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, installInterrupt } from '../interrupt.ts';

export interface RefineRow {
  readonly k: number;
  readonly N: number;
  readonly vertices: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly flips: number;
  readonly forwardMsMedian: number;
  readonly backwardMsMedian: number;
  readonly totalMs: number;
  /** why the loop stopped: 'converged', 'max-iter', 'time-limit', 'solver-failed', 'interrupted' */
  readonly stopReason: StopReason;
  /** forwards solved with the tight tolerance (docs/geometry.md#stopping-rule) */
  readonly tightSolves: number;
  /** forwards whose duals passed the dual test on a map that still folded (the loop went on) */
  readonly blockedStops: number;
  /** forwards solved by the predicted active set (no solver call) */
  readonly predictedSolves: number;
  /** median numeric factorizations per forward */
  readonly factorizationsMedian: number;
  /** Adam restarts (--adam-restart) */
  readonly adamRestarts: number;
}

/**
 * The study's sizes: [k, N] for k = 1.1, 1.2, … (k = i/10) with N = ⌊√(10^k)⌋, N ≥ 3 (the
 * corner example's minimum), N² ≤ maxVertices, each N once (its first k).
 */
export function refineSizes(maxVertices: number): { k: number; N: number }[] {
  const out: { k: number; N: number }[] = [];
  for (let i = 11; ; i++) {
    const N = Math.floor(Math.sqrt(10 ** (i / 10)));
    if (N * N > maxVertices) break;
    if (N >= 3 && (out.length === 0 || out[out.length - 1]!.N !== N)) out.push({ k: i / 10, N });
  }
  return out;
}

const CSV_HEADER = ['k', 'N', 'vertices', 'iterations', 'converged', 'flips', 'forwardMsMedian', 'backwardMsMedian', 'totalMs', 'stopReason'] as const;

export function refineCsv(rows: readonly RefineRow[]): string {
  return toCsv(CSV_HEADER, rows.map((r) => CSV_HEADER.map((h) => r[h])));
}

/** The grid sizes N of --sizes: integers in [3, 10000]. */
const SIZE_RANGE: Range = { min: 3, max: 10_000, integer: true };
const MAX_VERTICES_RANGE: Range = { min: 9, max: 1e8 };

/**
 * The sizes of `--sizes N1,N2,…` (each an integer ≥ 3, duplicates run once, given order) as
 * [k, N] with k = log10(N²), keeping those with N² ≤ maxVertices. Throws InputError('--sizes')
 * for anything else.
 */
export function chosenSizes(text: string, maxVertices: number): { k: number; N: number }[] {
  const expected = `a comma-separated list of grid sizes N (integers from ${SIZE_RANGE.min} to ${SIZE_RANGE.max}; N×N grid, N² vertices)`;
  const items = text.split(',').map((s) => s.trim());
  const seen = new Set<number>();
  const out: { k: number; N: number }[] = [];
  for (const it of items) {
    const N = it === '' ? Number.NaN : Number(it);
    if (!(Number.isInteger(N) && N >= SIZE_RANGE.min && N <= SIZE_RANGE.max)) {
      const shown = text.length > 100 ? `${text.slice(0, 100)}…` : text;
      throw new InputError('--sizes', expected, `"${it.length > 40 ? `${it.slice(0, 40)}…` : it}" in "${shown}"`);
    }
    if (seen.has(N)) continue;
    seen.add(N);
    if (N * N <= maxVertices) out.push({ k: Math.round(10 * Math.log10(N * N)) / 10, N });
  }
  return out;
}

export const command: CommandModule = {
  command: 'refine',
  describe: 'corner refinement study: bi-level embedding of the corner example on growing grids (paper Fig. 5)',
  builder: (y) =>
    y
      .option('max-vertices', numberOption('largest grid: N² ≤ this', MAX_VERTICES_RANGE, 10_000))
      .option('sizes', { type: 'string', requiresArg: true, describe: `run only these grid sizes N (comma-separated integers in [${SIZE_RANGE.min}, ${SIZE_RANGE.max}], N² vertices each; those above --max-vertices are skipped), e.g. --sizes 100,224` })
      .option('solver', { type: 'string', default: BILEVEL_DEFAULTS.solver, describe: 'inner QP solver' })
      .option('max-iter', numberOption('maximum Adam steps per size', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter))
      .option('time-limit', numberOption('seconds per size (that size stops with stopReason "time-limit")', RANGES.timeLimit))
      .options(LOOP_FLAG_OPTIONS)
      .option('grid', {
        type: 'string',
        choices: ['anti', 'corners'],
        default: 'anti',
        describe: "cell diagonals of the corner grids: 'anti' all parallel to the one through the reflex corner; 'corners' the other direction except in the corner cells (much slower to converge; see geometry/examples/corner.ts)",
      })
      .option('csv', { type: 'string', describe: 'also write the rows as CSV to this file' })
      .option('svg', { type: 'string', describe: 'also write the scaling plot to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print only {"rows": [...]} as one JSON line on stdout (the table goes to stderr)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Exit code 0 when every size converged with 0 flipped triangles, 2 otherwise (outputs still written), 1 on bad input ' +
          '(flags, --csv/--svg colliding or in an unusable place: found before the study starts, nothing written), ' +
          '130 when interrupted by Ctrl-C / SIGTERM (the study stops after the current iteration; the finished sizes and the ' +
          'interrupted one are printed and written; press Ctrl-C twice to stop at once, nothing is written then).',
      ),
  handler: async (argv) => {
    const quiet = Boolean(argv.quiet);
    const say = progress(quiet);
    const maxVertices = numberFlag(argv, '--max-vertices', MAX_VERTICES_RANGE, 10_000);
    const maxIter = numberFlag(argv, '--max-iter', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter);
    const timeLimit = numberFlag(argv, '--time-limit', RANGES.timeLimit);
    const { loop, coneMargin, shift } = loopFlags(argv);
    const sizes = argv.sizes === undefined ? refineSizes(maxVertices) : chosenSizes(String(argv.sizes), maxVertices);
    if (sizes.length === 0) throw new InputError('--sizes', `at least one grid size N with N² ≤ --max-vertices (${maxVertices})`, `"${String(argv.sizes)}"`);
    const solver = String(argv.solver);
    const { getBackend, loadSolvers, setWarningHandler } = await import('../../optimizer/qp/registry.ts');
    checkSolverFlag('--solver', [solver], getBackend);
    const csvPath = argv.csv === undefined ? undefined : String(argv.csv);
    const svgPath = argv.svg === undefined ? undefined : String(argv.svg);
    const outputs = prepareOutputs({
      outputs: [csvPath === undefined ? undefined : { flag: '--csv', path: csvPath }, svgPath === undefined ? undefined : { flag: '--svg', path: svgPath }],
    });
    await loadSolvers([solver]);
    const [{ EmbeddingQP }, { cornerExample }, { scalingSvg }, { embedBilevelAsync }, tf] = await Promise.all([
      import('../../geometry/embedding-qp.ts'),
      import('../../geometry/examples/corner.ts'),
      import('../../geometry/plots.ts'),
      import('../../geometry/embed/driver.ts'),
      import('../../optimizer/bilevel/tf-runtime.ts').then((m) => m.prepareBilevel()),
    ]);
    tf.enableProdMode();
    const prev = setWarningHandler((m) => {
      if (!quiet) process.stderr.write(`dqp: warning: ${m}\n`);
    });
    const rows: RefineRow[] = [];
    const stop = installInterrupt('the current iteration (the study then ends)');
    let interrupted = false;
    try {
      try {
        for (const { k, N } of sizes) {
          if (stop.signal.aborted) {
            // the signal came after the previous size's loop had ended: start no new size
            interrupted = true;
            break;
          }
          const c = cornerExample(N, argv.grid === 'corners' ? 'corners' : 'anti');
          const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets, { coneMargin, shift });
          const r = await embedBilevelAsync(qp, {
            solver,
            maxIter,
            timeLimit,
            ...loop,
            signal: stop.signal,
            onIteration: quiet
              ? null
              : (x) => {
                  if (x.iteration > 0 && x.iteration % 1000 === 0) {
                    say(`  N = ${N}: iteration ${x.iteration}, loss ${x.loss.toExponential(3)}, max μ ${x.maxDual.toExponential(2)}, forward ${fmt(x.forwardMs)} ms`);
                  }
                },
          });
          const row: RefineRow = {
            k,
            N,
            vertices: r.vertices,
            iterations: r.iterations,
            converged: r.converged,
            flips: r.flips,
            forwardMsMedian: r.forwardMsMedian,
            backwardMsMedian: r.backwardMsMedian,
            totalMs: r.totalMs,
            stopReason: r.stopReason,
            tightSolves: r.tightSolves,
            blockedStops: r.blockedStops,
            predictedSolves: r.predictedSolves,
            factorizationsMedian: r.factorizationsMedian,
            adamRestarts: r.adamRestarts,
          };
          rows.push(row);
          say(
            `k = ${k.toFixed(1)}  N = ${N}  ${row.vertices} vertices: ${row.converged ? 'converged' : r.stopReason} after ${row.iterations} steps, ` +
              `${row.flips} flipped, forward ${fmt(row.forwardMsMedian)} ms, backward ${fmt(row.backwardMsMedian)} ms per step, total ${fmt(row.totalMs / 1000)} s`,
          );
          if (r.stopReason === 'interrupted') {
            interrupted = true;
            break;
          }
        }
      } finally {
        setWarningHandler(prev);
      }
      stop.setStep('writing the outputs');
      if (csvPath !== undefined) outputs.write('--csv', refineCsv(rows));
      if (svgPath !== undefined) outputs.write('--svg', scalingSvg(rows));
      outputs.commit(); // both files, or neither
      // the table: stdout, or stderr with --json (report/console.ts); --quiet --json drops it
      if (!argv.json || !quiet) {
        const table = formatTable(
          ['k', 'N', 'vertices', 'iterations', 'converged', 'flips', 'fwd ms/iter', 'bwd ms/iter', 'total s', 'stop'],
          rows.map((r) => [r.k.toFixed(1), r.N, r.vertices, r.iterations, r.converged ? 'yes' : 'no', r.flips, r.forwardMsMedian, r.backwardMsMedian, r.totalMs / 1000, r.stopReason]),
        );
        process.stdout.write(`${table}\n`);
        if (interrupted) {
          const last = rows[rows.length - 1];
          const finished = last?.stopReason === 'interrupted' ? rows.length - 1 : rows.length;
          process.stdout.write(
            `interrupted: ${finished} of ${sizes.length} sizes finished` +
              (last?.stopReason === 'interrupted' ? `; N = ${last.N} stopped early (last row)` : '') + '\n',
          );
        }
      }
      if (argv.json) printJson({ rows, interrupted });
      if (interrupted) process.exitCode = EXIT_INTERRUPTED;
      else if (!rows.every((r) => r.converged && r.flips === 0)) process.exitCode = EXIT_NOT_CERTIFIED;
    } finally {
      outputs.abort(); // after a failure: the staged files go (no-op after commit)
      stop.dispose();
    }
  },
};
