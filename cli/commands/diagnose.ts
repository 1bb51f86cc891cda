/**
 * `dqp diagnose FILE`: which solver to use for this QP? (paper App. D; bench/diagnostic.ts)
 * Runs every available solver (or --solver a,b) at ε ∈ {1e-8, 1e-5, 1e-2} (or --eps), times the
 * dQP forward and backward passes, measures ‖z − z_ref‖∞ against a tight reference solve
 * (--reference, default ipm at 1e-10), and compares dQP's reduced-KKT derivative with the
 * full-KKT derivative at the same solution, for a random linear loss gᵀz (g ~ N(0,1), --seed).
 *
 * FILE: a JSON problem (optimizer/qp/json-format.ts), a Maros–Meszaros .mat or an MPC .npz.
 * Output: a table; with --json the only line of stdout (the table goes to stderr) is
 *   {"file","n","p","m","reference":{...},"rows":[{"solver","eps","status","forwardMs",
 *    "backwardMs","fullBackwardMs","accuracy","residual","gradDiff","gradError","active"}]}
 * --svg writes time, accuracy and gradient-difference vs ε per solver.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { CommandModule } from 'yargs';
import { DEFAULT_EPS, runDiagnostic, type DiagnosticRow } from '../../bench/diagnostic.ts';
import { FileAccessError } from '../../optimizer/errors.ts';
import { readProblemJson } from '../../optimizer/qp/json-format.ts';
import { readMarosMeszaros, readMpc } from '../../optimizer/qp/readers.ts';
import type { QPProblem } from '../../optimizer/qp/types.ts';
import { chartGrid, lineChart, PALETTE, type ChartSeries } from '../../report/chart.ts';
import { printJson, progress } from '../../report/console.ts';
import { fsReason, prepareOutputs } from '../../report/outputs.ts';
import { fmt, markdownTable } from '../../report/table.ts';
import { checkSolverFlag, listFlag, numberFlag, numberListFlag, numberOption, RANGES } from '../flags.ts';

/** Read a QP from a .json, .mat (Maros–Meszaros) or .npz (MPC) file. */
export function readProblemFile(file: string): QPProblem {
  const ext = extname(file).toLowerCase();
  if (ext === '.mat') return readMarosMeszaros(file).problem;
  if (ext === '.npz') return readMpc(file).problem;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FileAccessError(file, 'FILE', `cannot be read: ${fsReason(e)}`);
  }
  return readProblemJson(text, file).problem;
}

function diagnosticChart(file: string, rows: readonly DiagnosticRow[]): string {
  const solvers = [...new Set(rows.map((r) => r.solver))];
  const bySolver = (s: string) => rows.filter((r) => r.solver === s).sort((a, b) => a.eps - b.eps);
  const per = (key: 'accuracy' | 'gradDiff'): ChartSeries[] =>
    solvers.map((s, i) => {
      const rs = bySolver(s);
      return { name: s, x: rs.map((r) => r.eps), y: rs.map((r) => r[key]), markers: true, color: PALETTE[i % PALETTE.length]! };
    });
  // a solver's forward (solid) and backward (dashed) lines share its colour
  const time: ChartSeries[] = solvers.flatMap((s, i) => {
    const rs = bySolver(s);
    const color = PALETTE[i % PALETTE.length]!;
    return [
      { name: `${s} forward`, x: rs.map((r) => r.eps), y: rs.map((r) => r.forwardMs), markers: 'circle' as const, color },
      { name: `${s} backward`, x: rs.map((r) => r.eps), y: rs.map((r) => r.backwardMs), markers: 'square' as const, dashed: true, color },
    ];
  });
  const common = { xLabel: 'solver tolerance ε', xLog: true, yLog: true } as const;
  return chartGrid(
    [
      lineChart({ ...common, title: `${basename(file)}: time`, yLabel: 'ms', series: time }),
      lineChart({ ...common, title: 'accuracy vs reference', yLabel: '‖z − z_ref‖∞', series: per('accuracy') }),
      lineChart({ ...common, title: 'reduced vs full KKT derivative', yLabel: 'relative difference', series: per('gradDiff') }),
    ],
    2,
  );
}

export const command: CommandModule = {
  command: 'diagnose <file>',
  describe: 'compare every solver on one QP: time, accuracy, reduced- vs full-KKT derivative (paper App. D)',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'a QP: .json problem, Maros–Meszaros .mat or MPC .npz' })
      .option('solver', { type: 'string', describe: 'comma-separated solvers (default: every available one)' })
      .option('eps', { type: 'string', requiresArg: true, describe: `comma-separated solver tolerances, each in [${RANGES.eps.min}, ${RANGES.eps.max}] (default ${DEFAULT_EPS.join(',')})` })
      .option('eps-active', numberOption('active-set threshold ε_J', RANGES.epsActive, 1e-5))
      .option('reference', { type: 'string', default: 'ipm', describe: 'solver of the tight (1e-10) reference solve' })
      .option('time-limit', numberOption('seconds per solve', RANGES.timeLimit, 60))
      .option('seed', numberOption('seed of the random linear loss', RANGES.seed, 0))
      .option('svg', { type: 'string', describe: 'write the charts to this SVG file (its folder must exist)' })
      .option('json', { type: 'boolean', default: false, describe: 'print only the result as one JSON line on stdout (the table goes to stderr)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' }),
  handler: async (argv) => {
    const file = String(argv.file);
    const eps = numberListFlag(argv, '--eps', RANGES.eps);
    const epsActive = numberFlag(argv, '--eps-active', RANGES.epsActive, 1e-5);
    const timeLimit = numberFlag(argv, '--time-limit', RANGES.timeLimit, 60);
    const seed = numberFlag(argv, '--seed', RANGES.seed, 0);
    const solvers = listFlag(argv.solver);
    const reference = String(argv.reference);
    const { getBackend } = await import('../../optimizer/qp/registry.ts');
    checkSolverFlag('--solver', solvers, getBackend);
    checkSolverFlag('--reference', [reference], getBackend);
    const svg = argv.svg === undefined ? undefined : String(argv.svg);
    const outputs = prepareOutputs({ inputs: [{ flag: 'FILE', path: file }], outputs: [svg === undefined ? undefined : { flag: '--svg', path: svg }] });
    const log = progress(Boolean(argv.quiet));
    const problem = readProblemFile(file);
    log(`diagnose ${file}: n = ${problem.P.ncols}`);
    const result = await runDiagnostic(problem, {
      ...(solvers ? { solvers } : {}),
      ...(eps ? { eps } : {}),
      epsActive,
      reference,
      timeLimit,
      seed,
      onRow: (r) =>
        log(`  ${r.solver} ε=${r.eps}: ${r.status}  forward ${fmt(r.forwardMs)} ms  backward ${fmt(r.backwardMs)} ms  ‖z − z_ref‖ ${fmt(r.accuracy)}  gradDiff ${fmt(r.gradDiff)}${r.note ? `  [${r.note}]` : ''}`),
    });
    if (svg !== undefined) {
      outputs.write('--svg', diagnosticChart(file, result.rows));
      outputs.commit();
      log(`wrote ${svg}`);
    }
    // the table: stdout, or stderr with --json (report/console.ts); --quiet --json drops it
    if (!argv.json || !argv.quiet) {
      const ref = result.reference;
      process.stdout.write(
        `${file}: n = ${result.n}, p = ${result.p}, m = ${result.m} (bounds as rows); reference ${ref.solver} at 1e-10: ${ref.status}, max residual ${fmt(ref.residual)}\n` +
          `loss gᵀz with g ~ N(0,1); gradDiff = ‖∇reduced − ∇full‖∞/‖∇full‖∞, gradError = vs the reference gradient, over (∇q, ∇b, ∇d)\n\n`,
      );
      const header = ['solver', 'ε', 'status', 'forward ms', 'backward ms', 'full-KKT ms', '‖z − z_ref‖∞', 'residual', 'gradDiff', 'gradError', '|J|'];
      const rows = result.rows.map((r) => [r.solver, r.eps.toExponential(0), r.status, fmt(r.forwardMs), fmt(r.backwardMs), fmt(r.fullBackwardMs), fmt(r.accuracy), fmt(r.residual), fmt(r.gradDiff), fmt(r.gradError), String(r.active)]);
      process.stdout.write(`${markdownTable(header, rows, 3)}\n`);
    }
    if (argv.json) printJson({ file, n: result.n, p: result.p, m: result.m, reference: result.reference, rows: result.rows });
  },
};
