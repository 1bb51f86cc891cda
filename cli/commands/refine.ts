/**
 * `dqp refine`: the corner refinement study (paper Fig. 5). For k = 1.1, 1.2, … the corner
 * example (geometry/examples/corner.ts) on an N×N grid, N = ⌊√(10^k)⌋, while N² ≤ --max-vertices
 * (sizes that repeat an earlier N are run once), each solved by the bi-level loop
 * (optimizer/bilevel) from θ = −1. Per size: vertices, Adam steps, converged, flipped triangles,
 * median forward / backward ms per outer iteration, total ms.
 *
 * Output: a table on stdout; --csv FILE, --svg FILE (scaling plot: time per iteration, total
 * time and iterations vs vertices); --json prints {"rows":[{"vertices","iterations","converged",
 * "flips","forwardMsMedian","backwardMsMedian","totalMs","stopReason", ...}],"interrupted"} as
 * the last line of stdout. --time-limit SEC bounds each size's loop (stopReason 'time-limit').
 *
 * Exit code 0 when every size converged with 0 flips, 2 otherwise (the outputs are written), 1 on
 * bad input, 130 when interrupted (SIGINT / SIGTERM, cli/interrupt.ts): the study stops after the
 * current iteration of the current size; the finished rows plus the interrupted one (converged
 * false, stopReason 'interrupted') are printed and written to --csv / --svg. A second signal
 * ends the process at once (nothing written then).
 */
import * as tf from '@tensorflow/tfjs';
import type { CommandModule } from 'yargs';
import { EmbeddingQP } from '../../geometry/embedding-qp.ts';
import { cornerExample } from '../../geometry/examples/corner.ts';
import { scalingSvg } from '../../geometry/plots.ts';
import { BILEVEL_DEFAULTS, embedBilevelAsync } from '../../geometry/embed/driver.ts';
import type { StopReason } from '../../geometry/embed/types.ts';
import { InputError } from '../../optimizer/errors.ts';
import { getBackend, loadSolvers, setWarningHandler } from '../../optimizer/qp/registry.ts';
import { EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, installInterrupt } from '../interrupt.ts';
import { formatNumber, formatTable, printJson, progress, writeFileAtomic } from '../output.ts';

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
  const lines = [CSV_HEADER.join(',')];
  for (const r of rows) lines.push(CSV_HEADER.map((h) => String(r[h])).join(','));
  return `${lines.join('\n')}\n`;
}

export const command: CommandModule = {
  command: 'refine',
  describe: 'corner refinement study: bi-level embedding of the corner example on growing grids (paper Fig. 5)',
  builder: (y) =>
    y
      .option('max-vertices', { type: 'number', default: 10_000, describe: 'largest grid: N² ≤ this' })
      .option('solver', { type: 'string', default: BILEVEL_DEFAULTS.solver, describe: 'inner QP solver' })
      .option('max-iter', { type: 'number', default: BILEVEL_DEFAULTS.maxIter, describe: 'maximum Adam steps per size' })
      .option('time-limit', { type: 'number', describe: 'seconds per size (that size stops with stopReason "time-limit")' })
      .option('grid', {
        type: 'string',
        choices: ['anti', 'corners'],
        default: 'anti',
        describe: "cell diagonals of the corner grids: 'anti' all parallel to the one through the reflex corner; 'corners' the other direction except in the corner cells (much slower to converge; see geometry/examples/corner.ts)",
      })
      .option('csv', { type: 'string', describe: 'also write the rows as CSV to this file' })
      .option('svg', { type: 'string', describe: 'also write the scaling plot to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"rows": [...]} as JSON (last line of stdout)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Exit code 0 when every size converged with 0 flipped triangles, 2 otherwise (outputs still written), 1 on bad input, ' +
          '130 when interrupted by Ctrl-C / SIGTERM (the study stops after the current iteration; the finished sizes and the ' +
          'interrupted one are printed and written; press Ctrl-C twice to stop at once, nothing is written then).',
      ),
  handler: async (argv) => {
    const quiet = Boolean(argv.quiet);
    const say = progress(quiet);
    const maxVertices = Number(argv['max-vertices']);
    if (!(Number.isFinite(maxVertices) && maxVertices >= 9)) throw new InputError('--max-vertices', 'a number ≥ 9 (the smallest grid is 3×3)', String(argv['max-vertices']));
    const maxIter = Number(argv['max-iter']);
    if (!(Number.isInteger(maxIter) && maxIter >= 0)) throw new InputError('--max-iter', 'an integer ≥ 0', String(argv['max-iter']));
    const timeLimit = argv['time-limit'] === undefined ? undefined : Number(argv['time-limit']);
    if (timeLimit !== undefined && !(Number.isFinite(timeLimit) && timeLimit > 0)) throw new InputError('--time-limit', 'a number of seconds > 0', String(argv['time-limit']));
    const solver = String(argv.solver);
    getBackend(solver);
    await loadSolvers([solver]);
    tf.enableProdMode();
    const prev = setWarningHandler((m) => {
      if (!quiet) process.stderr.write(`dqp: warning: ${m}\n`);
    });
    const rows: RefineRow[] = [];
    const stop = installInterrupt('the current iteration (the study then ends)');
    let interrupted = false;
    try {
      try {
        for (const { k, N } of refineSizes(maxVertices)) {
          if (stop.signal.aborted) {
            // the signal came after the previous size's loop had ended: start no new size
            interrupted = true;
            break;
          }
          const c = cornerExample(N, argv.grid === 'corners' ? 'corners' : 'anti');
          const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
          const r = await embedBilevelAsync(qp, {
            solver,
            maxIter,
            timeLimit,
            signal: stop.signal,
            onIteration: quiet
              ? null
              : (x) => {
                  if (x.iteration > 0 && x.iteration % 1000 === 0) {
                    say(`  N = ${N}: iteration ${x.iteration}, loss ${x.loss.toExponential(3)}, max μ ${x.maxDual.toExponential(2)}, forward ${formatNumber(x.forwardMs)} ms`);
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
          };
          rows.push(row);
          say(
            `k = ${k.toFixed(1)}  N = ${N}  ${row.vertices} vertices: ${row.converged ? 'converged' : r.stopReason} after ${row.iterations} steps, ` +
              `${row.flips} flipped, forward ${formatNumber(row.forwardMsMedian)} ms, backward ${formatNumber(row.backwardMsMedian)} ms per step, total ${formatNumber(row.totalMs / 1000)} s`,
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
      if (argv.csv) writeFileAtomic(String(argv.csv), refineCsv(rows));
      if (argv.svg) writeFileAtomic(String(argv.svg), scalingSvg(rows));
      if (argv.json) {
        printJson({ rows, interrupted });
      } else {
        const table = formatTable(
          ['k', 'N', 'vertices', 'iterations', 'converged', 'flips', 'fwd ms/iter', 'bwd ms/iter', 'total s', 'stop'],
          rows.map((r) => [r.k.toFixed(1), r.N, r.vertices, r.iterations, r.converged ? 'yes' : 'no', r.flips, r.forwardMsMedian, r.backwardMsMedian, r.totalMs / 1000, r.stopReason]),
        );
        process.stdout.write(`${table}\n`);
        if (interrupted) {
          const last = rows[rows.length - 1];
          const finished = last?.stopReason === 'interrupted' ? rows.length - 1 : rows.length;
          process.stdout.write(
            `interrupted: ${finished} of ${refineSizes(maxVertices).length} sizes finished` +
              (last?.stopReason === 'interrupted' ? `; N = ${last.N} stopped early (last row)` : '') + '\n',
          );
        }
      }
      if (interrupted) process.exitCode = EXIT_INTERRUPTED;
      else if (!rows.every((r) => r.converged && r.flips === 0)) process.exitCode = EXIT_NOT_CERTIFIED;
    } finally {
      stop.dispose();
    }
  },
};
