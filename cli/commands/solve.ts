/**
 * `dqp solve FILE.json`: solve a QP given in the JSON problem format (optimizer/qp/json-format.ts)
 * with the dQP layer, and differentiate the loss Σ z (cotangent z = ones, none on λ, μ).
 *
 * Prints a human summary; with --json it goes to stderr and the only line of stdout is
 *   {"status", "solver", "z", "lambda", "mu", "muLb", "muUb", "active": [rows of C],
 *    "activeLb", "activeUb", "flags": {...}, "objective", "residuals": {...},
 *    "grad": {"P": Mat, "q": [...], "A": Mat|null, "b": [...]|null, "C": Mat|null, "d": [...]|null,
 *             "lb": [...]|null, "ub": [...]|null} | null}
 * where each gradient Mat has the same format, shape and entry order as the input matrix (COO
 * input → COO gradient with the input's row/col arrays). "grad" is null unless the status is
 * "solved": any other status (infeasible, max_iter, non_convex, …) is reported with exit code 2
 * and no gradient. An unreadable or invalid file or a bad flag is an error (exit code 1).
 */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { dqpBackward } from '../../optimizer/dqp/backward.ts';
import { dqpForward } from '../../optimizer/dqp/forward.ts';
import type { DqpGradients, DqpOptions, LinearSolverChoice } from '../../optimizer/dqp/types.ts';
import { FileAccessError } from '../../optimizer/errors.ts';
import { gradientToJson, readProblemJson } from '../../optimizer/qp/json-format.ts';
import { DEFAULT_SOLVER, getBackend, loadSolvers } from '../../optimizer/qp/registry.ts';
import { printJson } from '../../report/console.ts';
import { fsReason, prepareOutputs } from '../../report/outputs.ts';
import { fmt } from '../../report/table.ts';
import { checkSolverFlag, numberFlag, numberOption, RANGES } from '../flags.ts';
import { EXIT_NOT_CERTIFIED } from '../interrupt.ts';

const normInf = (v: Float64Array | undefined) => (v ? v.reduce((m, x) => Math.max(m, Math.abs(x)), 0) : 0);

function preview(v: ArrayLike<number>, max = 8): string {
  const items = Array.from(v).slice(0, max).map((x) => fmt(x));
  return `[${items.join(', ')}${v.length > max ? `, … (${v.length} in all)` : ''}]`;
}

export const command: CommandModule = {
  command: 'solve <file>',
  describe: 'solve a QP from a JSON file with the dQP layer and differentiate Σ z',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'problem in the JSON format (see optimizer/qp/json-format.ts)' })
      .option('solver', { type: 'string', default: DEFAULT_SOLVER, describe: 'forward QP solver (see `dqp solvers`)' })
      .option('eps-active', numberOption('active-set threshold ε_J', RANGES.epsActive, 1e-5))
      .option('eps-abs', numberOption('solver absolute tolerance', RANGES.eps, 1e-9))
      .option('eps-rel', numberOption('solver relative tolerance', RANGES.epsRel, 0))
      .option('linear-solver', { type: 'string', choices: ['auto', 'sparse-ldl', 'dense', 'lstsq'], default: 'auto', describe: 'factorization of the reduced KKT matrix' })
      .option('normalize', { type: 'boolean', default: false, describe: 'normalize the rows of A and C' })
      .option('refine-active-set', { type: 'boolean', default: false, describe: 'refine the active set (paper App. B heuristic)' })
      .option('json', { type: 'boolean', default: false, describe: 'print only the result as one JSON line on stdout (the report goes to stderr)' }),
  handler: async (argv) => {
    const file = String(argv.file);
    const epsActive = numberFlag(argv, '--eps-active', RANGES.epsActive, 1e-5);
    const epsAbs = numberFlag(argv, '--eps-abs', RANGES.eps);
    const epsRel = numberFlag(argv, '--eps-rel', RANGES.epsRel);
    const solver = String(argv.solver);
    checkSolverFlag('--solver', [solver], getBackend);
    prepareOutputs({ inputs: [{ flag: 'FILE', path: file }], outputs: [] });
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new FileAccessError(file, 'FILE', `cannot be read: ${fsReason(e)}`);
    }
    const { problem, layout } = readProblemJson(text, file);
    const backend = getBackend(solver);
    if (!backend.isReady() && backend.load) await loadSolvers([solver]);
    const options: DqpOptions = {
      solver,
      epsActive,
      linearSolver: argv['linear-solver'] as LinearSolverChoice,
      normalize: Boolean(argv.normalize),
      refineActiveSet: Boolean(argv['refine-active-set']),
      ...(epsAbs !== undefined ? { epsAbs } : {}),
      ...(epsRel !== undefined ? { epsRel } : {}),
    };
    const fwd = dqpForward(problem, options);
    const n = problem.P.ncols;
    let grads: DqpGradients | null = null;
    // a gradient only at a solution: any other status (non_convex, infeasible, max_iter, …) → exit 2
    const solved = (fwd.status as string) === 'solved';
    if (solved && fwd.context) grads = dqpBackward(fwd, { z: new Float64Array(n).fill(1) });
    else process.exitCode = EXIT_NOT_CERTIFIED;

    const t = fwd.timings;
    const r = fwd.solution.residuals;
    const lines = [
      `problem   ${file}: n = ${n}, p = ${problem.A ? problem.A.nrows : 0}, m = ${problem.C ? problem.C.nrows : 0}${problem.lb || problem.ub ? ', with bounds' : ''}`,
      `status    ${fwd.status} (solver ${fwd.solution.solver}, ${fwd.solution.iterations} iterations)`,
      `objective ${fmt(fwd.solution.objective)}   residuals r_p ${fmt(r.primal)}, r_d ${fmt(r.dual)}, r_g ${fmt(r.gap)}`,
      `z         ${preview(fwd.z)}`,
      `active    ${fwd.active.length} row(s) of C ${preview(fwd.active, 12)}${fwd.activeLb.length + fwd.activeUb.length > 0 ? `, ${fwd.activeLb.length} lower / ${fwd.activeUb.length} upper bound(s)` : ''}`,
      `K_J       ${fwd.kktSolver ?? '-'}; flags: ${
        Object.entries(fwd.flags)
          .filter(([k, v]) => v === true && k !== 'weaklyActive')
          .map(([k]) => k)
          .join(', ') || 'none'
      }`,
      `timings   solve ${fmt(t.solveMs)} ms, active set ${fmt(t.activeSetMs)} ms, factor ${fmt(t.factorMs)} ms`,
    ];
    if (grads) {
      const g = grads;
      const parts = (['P', 'q', 'A', 'b', 'C', 'd', 'lb', 'ub'] as const).filter((k) => g[k]).map((k) => `‖∇${k}‖∞ = ${fmt(normInf(g[k]))}`);
      lines.push(`gradient  of Σz: ${parts.join(', ')}`);
    } else lines.push(`gradient  none (status ${fwd.status}: no solution to differentiate at)`);
    process.stdout.write(`${lines.join('\n')}\n`);

    if (argv.json) {
      const vec = (v: Float64Array | undefined) => (v ? Array.from(v) : null);
      printJson({
        status: fwd.status,
        solver: fwd.solution.solver,
        z: fwd.z,
        lambda: fwd.lambda,
        mu: fwd.mu,
        muLb: fwd.muLb,
        muUb: fwd.muUb,
        active: fwd.active,
        activeLb: fwd.activeLb,
        activeUb: fwd.activeUb,
        flags: fwd.flags,
        objective: fwd.solution.objective,
        residuals: r,
        grad: grads
          ? {
              P: gradientToJson(layout.P, grads.P!),
              q: vec(grads.q),
              A: layout.A && grads.A ? gradientToJson(layout.A, grads.A) : null,
              b: vec(grads.b),
              C: layout.C && grads.C ? gradientToJson(layout.C, grads.C) : null,
              d: vec(grads.d),
              lb: vec(grads.lb),
              ub: vec(grads.ub),
            }
          : null,
      });
    }
  },
};
