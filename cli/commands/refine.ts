/**
 * `dqp refine`: the corner refinement study (paper Fig. 5). For k = 1.1, 1.2, … the corner
 * example (geometry/examples/corner.ts) on an N×N grid, N = ⌊√(10^k)⌋, while N² ≤ --max-vertices
 * (sizes that repeat an earlier N are run once), each solved by the bi-level loop
 * (optimizer/bilevel) from θ = −1. Per size: vertices, Adam steps, converged, flipped triangles,
 * median forward / backward ms per outer iteration, total ms.
 *
 * Output: a table on stdout; --csv FILE, --svg FILE (scaling plot: time per iteration, total
 * time and iterations vs vertices); --json prints {"rows":[{"vertices","iterations","converged",
 * "flips","forwardMsMedian","backwardMsMedian","totalMs", ...}]} as the last line of stdout.
 * Exit code 0 when every size converged with 0 flips, 2 otherwise (the outputs are written).
 */
import * as tf from '@tensorflow/tfjs';
import type { CommandModule } from 'yargs';
import { EmbeddingQP } from '../../geometry/embedding-qp.ts';
import { cornerExample } from '../../geometry/examples/corner.ts';
import { scalingSvg } from '../../geometry/plots.ts';
import { BILEVEL_DEFAULTS, embedBilevel } from '../../optimizer/bilevel/outer-loop.ts';
import { InputError } from '../../optimizer/errors.ts';
import { getBackend, loadSolvers, setWarningHandler } from '../../optimizer/qp/registry.ts';
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

const CSV_HEADER = ['k', 'N', 'vertices', 'iterations', 'converged', 'flips', 'forwardMsMedian', 'backwardMsMedian', 'totalMs'] as const;

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
      .option('csv', { type: 'string', describe: 'also write the rows as CSV to this file' })
      .option('svg', { type: 'string', describe: 'also write the scaling plot to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"rows": [...]} as JSON (last line of stdout)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue('Exit code 0 when every size converged with 0 flipped triangles, 2 otherwise (outputs still written), 1 on bad input.'),
  handler: async (argv) => {
    const quiet = Boolean(argv.quiet);
    const say = progress(quiet);
    const maxVertices = Number(argv['max-vertices']);
    if (!(Number.isFinite(maxVertices) && maxVertices >= 9)) throw new InputError('--max-vertices', 'a number ≥ 9 (the smallest grid is 3×3)', String(argv['max-vertices']));
    const maxIter = Number(argv['max-iter']);
    if (!(Number.isInteger(maxIter) && maxIter >= 0)) throw new InputError('--max-iter', 'an integer ≥ 0', String(argv['max-iter']));
    const solver = String(argv.solver);
    getBackend(solver);
    await loadSolvers([solver]);
    tf.enableProdMode();
    const prev = setWarningHandler((m) => {
      if (!quiet) process.stderr.write(`dqp: warning: ${m}\n`);
    });
    const rows: RefineRow[] = [];
    try {
      for (const { k, N } of refineSizes(maxVertices)) {
        const c = cornerExample(N);
        const qp = EmbeddingQP.fromMesh(c.mesh.F, c.mesh.nv, c.targets);
        const r = embedBilevel(qp, {
          solver,
          maxIter,
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
        };
        rows.push(row);
        say(
          `k = ${k.toFixed(1)}  N = ${N}  ${row.vertices} vertices: ${row.converged ? 'converged' : r.stopReason} after ${row.iterations} steps, ` +
            `${row.flips} flipped, forward ${formatNumber(row.forwardMsMedian)} ms, backward ${formatNumber(row.backwardMsMedian)} ms per step, total ${formatNumber(row.totalMs / 1000)} s`,
        );
      }
    } finally {
      setWarningHandler(prev);
    }
    if (argv.csv) writeFileAtomic(String(argv.csv), refineCsv(rows));
    if (argv.svg) writeFileAtomic(String(argv.svg), scalingSvg(rows));
    if (argv.json) {
      printJson({ rows });
    } else {
      const table = formatTable(
        ['k', 'N', 'vertices', 'iterations', 'converged', 'flips', 'fwd ms/iter', 'bwd ms/iter', 'total s'],
        rows.map((r) => [r.k.toFixed(1), r.N, r.vertices, r.iterations, r.converged ? 'yes' : 'no', r.flips, r.forwardMsMedian, r.backwardMsMedian, r.totalMs / 1000]),
      );
      process.stdout.write(`${table}\n`);
    }
    if (!rows.every((r) => r.converged && r.flips === 0)) process.exitCode = 2;
  },
};
