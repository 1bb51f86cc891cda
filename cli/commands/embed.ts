/**
 * `dqp embed [MESH.obj]`: bijective embedding of a disk mesh into a (non-convex) target polygon
 * by bi-level optimization of its Laplacian edge weights (geometry-spec.md; optimizer/bilevel).
 *
 * Targets (one per boundary vertex): --target FILE.obj (the (x, y) positions of the same
 * vertices in another OBJ with the same faces) when given, else the `vt` of the mesh's boundary
 * vertices. Without MESH: the built-in cross example (13×13 grid → plus-shaped polygon).
 *
 * Output: the final map as an OBJ (embedded positions, z = 0, the input's faces) and an SVG of
 * it (flipped triangles red, reflex corners marked), both ALWAYS written (atomically) once the
 * loop ran, converged or not; optionally the loss curve (--loss-svg). Defaults:
 * outputs/<mesh basename>.obj / .svg (outputs/cross.* for the built-in example), relative to the
 * current directory. Bad input fails before anything is written.
 *
 * Exit codes: 0 = converged to a certified bijective map (all inequality duals < 1e-4 and
 * 0 flipped triangles); 2 = the loop ran and the files were written, but the map is not
 * certified (not converged within --max-iter or --time-limit, or flips remain); 1 = bad input /
 * error (message naming the file, nothing written); 130 = interrupted (SIGINT / SIGTERM, see
 * cli/interrupt.ts): the loop stopped after the current iteration, the files and the summary
 * describe the last map (certified as usual, stopReason "interrupted"). A second signal ends
 * the process at once (no files are written then; the outputs are either absent or complete).
 *
 * --json prints {"converged","iterations","flips","maxDual","vertices","constraints","totalMs",
 * "forwardMsMedian","backwardMsMedian","output","svg", ...} as the last line of stdout.
 */
import { basename, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { CommandModule } from 'yargs';
import { embeddingDomain } from '../../geometry/embedding-domain.ts';
import { loadEmbeddingInput } from '../../geometry/embedding-input.ts';
import { EmbeddingQP } from '../../geometry/embedding-qp.ts';
import { crossExample } from '../../geometry/examples/cross.ts';
import { readObjFile } from '../../geometry/obj-read.ts';
import { writeObj } from '../../geometry/obj-write.ts';
import { lossCurveSvg } from '../../geometry/plots.ts';
import { domainSvg } from '../../geometry/svg.ts';
import type { BoundaryTargets } from '../../geometry/types.ts';
import { BILEVEL_DEFAULTS, embedBilevelAsync } from '../../geometry/embed/driver.ts';
import type { BilevelResult, IterationRecord } from '../../geometry/embed/types.ts';
import { FileFormatError, InputError } from '../../optimizer/errors.ts';
import { getBackend, loadSolvers, setWarningHandler } from '../../optimizer/qp/registry.ts';
import { EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, installInterrupt } from '../interrupt.ts';
import { formatNumber, printJson, progress, writeFileAtomic } from '../output.ts';

/** The loaded problem: connectivity, targets, and where it came from. */
export interface EmbedInput {
  readonly F: Int32Array;
  readonly nv: number;
  readonly targets: BoundaryTargets;
  /** file name (or example name) for messages */
  readonly source: string;
  /** default output stem: outputs/<stem>.obj */
  readonly stem: string;
}

/**
 * Load MESH (+ --target) or the built-in cross. Throws FileFormatError naming the file for a
 * missing/unparsable file, non-triangle faces, a mesh without vt and no --target, a target OBJ
 * with other vertices/faces.
 */
export function loadEmbedInput(mesh: string | undefined, target: string | undefined): EmbedInput {
  if (mesh === undefined) {
    if (target !== undefined) throw new InputError('--target', 'a MESH.obj argument (the targets are positions of its vertices)', '--target without MESH');
    const c = crossExample(13);
    return { F: c.mesh.F, nv: c.mesh.nv, targets: c.targets, source: c.mesh.source ?? 'cross example', stem: 'cross' };
  }
  const stem = basename(mesh, extname(mesh)) || 'embedding';
  if (target !== undefined) {
    const same = resolve(target) === resolve(mesh);
    const inp = loadEmbeddingInput({ mesh, targets: same ? 'positions' : target });
    return { F: inp.F, nv: inp.nv, targets: inp.targets, source: mesh, stem };
  }
  const obj = readObjFile(mesh);
  if (!obj.FT || !obj.VT) {
    throw new FileFormatError(mesh, 'no texture coordinates (vt) on its faces to read the boundary targets from; give the targets with --target FILE.obj (same vertices and faces, target positions as v)');
  }
  const inp = loadEmbeddingInput({ mesh, targets: 'vt' });
  return { F: inp.F, nv: inp.nv, targets: inp.targets, source: mesh, stem };
}

function checkNumber(flag: string, v: unknown, ok: (x: number) => boolean, expected: string): number | undefined {
  if (v === undefined) return undefined;
  const x = typeof v === 'number' ? v : Number(v);
  if (!ok(x)) throw new InputError(flag, expected, String(v));
  return x;
}

/** One progress line per outer iteration. */
export function iterationLine(r: IterationRecord): string {
  const bwd = r.backwardMs === null ? '-' : formatNumber(r.backwardMs);
  return (
    `iter ${String(r.iteration).padStart(5)}  loss ${r.loss.toExponential(3)}  max μ ${r.maxDual.toExponential(2)}  ` +
    `active ${r.active}${r.activeChanged ? '*' : ' '}  ipm ${r.solverIterations} it  fwd ${formatNumber(r.forwardMs)} ms  bwd ${bwd} ms` +
    (r.tight ? "  [tight re-solve]" : "") + (r.status === "solved" ? "" : `  [${r.status}]`)
  );
}

/** Human summary of a run. */
export function resultSummary(r: BilevelResult): string {
  const cert = r.converged && r.flips === 0 ? 'bijective embedding (0 flipped triangles, all cone duals < tolerance)' : 'NOT certified';
  const why = r.stopReason === 'interrupted' ? 'interrupted' : `stopped (${r.stopReason})`;
  return [
    `${r.converged ? 'converged' : why} after ${r.iterations} Adam steps: ${cert}`,
    `  vertices ${r.vertices}, cone rows ${r.constraints}, flipped ${r.flips}, max dual ${r.maxDual.toExponential(2)}, boundary deviation ${r.boundaryDeviation.toExponential(1)}`,
    `  total ${formatNumber(r.totalMs / 1000)} s; per iteration (median): forward ${formatNumber(r.forwardMsMedian)} ms, backward ${formatNumber(r.backwardMsMedian)} ms, adam ${formatNumber(r.adamMsMedian)} ms`,
  ].join('\n');
}

export const command: CommandModule = {
  command: 'embed [mesh]',
  describe: 'bijective embedding of a disk mesh into a non-convex polygon (bi-level learning of Laplacian weights)',
  builder: (y) =>
    y
      .positional('mesh', { type: 'string', describe: 'triangle mesh (OBJ, disk topology); default: the built-in 13×13 cross example' })
      .option('target', { type: 'string', describe: 'OBJ with the same vertices/faces whose (x, y) positions give the boundary targets (default: the vt of MESH)' })
      .option('reg', { type: 'number', default: BILEVEL_DEFAULTS.reg, describe: 'λ_reg, weight of ‖L̂ − L̂₀‖∞ in the loss' })
      .option('solver', { type: 'string', default: BILEVEL_DEFAULTS.solver, describe: 'inner QP solver (see `dqp solvers`)' })
      .option('lr', { type: 'number', default: BILEVEL_DEFAULTS.lr, describe: 'Adam learning rate' })
      .option('max-iter', { type: 'number', default: BILEVEL_DEFAULTS.maxIter, describe: 'maximum Adam steps' })
      .option('time-limit', { type: 'number', describe: 'stop the loop after this many seconds (stopReason "time-limit", exit code 2; the files are written)' })
      .option('eps-abs', { type: 'number', default: BILEVEL_DEFAULTS.epsAbs, describe: 'inner solver tolerance during the loop (the paper: 1e-5; rows are re-solved at 1e-9 when inconsistent)' })
      .option('squared', { type: 'boolean', default: false, describe: 'minimize ‖μ‖₂² (the paper text) instead of ‖μ‖₂ (the authors\' code, default)' })
      .option('out', { type: 'string', describe: 'output OBJ (default outputs/<mesh name>.obj, outputs/cross.obj without MESH)' })
      .option('svg', { type: 'string', describe: 'output SVG of the map (default: the OBJ path with .svg)' })
      .option('loss-svg', { type: 'string', describe: 'also write the loss curve (loss and max dual per iteration) to this SVG' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON (last line of stdout)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Loss: ‖μ‖₂ + λ_reg‖L̂ − L̂₀‖∞ over the inequality duals μ of the inner QP (Adam on one weight per edge). ' +
          'The loop stops when every dual is < 1e-4 (confirmed by a re-solve at tolerance 1e-9) and the map has no ' +
          'flipped triangle (μ = 0: the harmonic map satisfies every cone condition and is bijective). The OBJ and SVG are always written once the loop ran. Exit code 0: ' +
          'converged with 0 flipped triangles; 2: files written but the map is not certified (not converged within ' +
          '--max-iter / --time-limit, or flips remain); 1: bad input (nothing written); 130: interrupted by Ctrl-C / ' +
          'SIGTERM (the loop finishes its iteration, the files describe the last map; press Ctrl-C twice to stop at once, ' +
          'nothing is written then).',
      ),
  handler: async (argv) => {
    const quiet = Boolean(argv.quiet);
    const say = progress(quiet);
    const reg = checkNumber('--reg', argv.reg, (x) => Number.isFinite(x) && x >= 0, 'a number ≥ 0');
    const lr = checkNumber('--lr', argv.lr, (x) => Number.isFinite(x) && x > 0, 'a number > 0');
    const epsAbs = checkNumber('--eps-abs', argv['eps-abs'], (x) => Number.isFinite(x) && x > 0, 'a number > 0');
    const maxIter = checkNumber('--max-iter', argv['max-iter'], (x) => Number.isInteger(x) && x >= 0, 'an integer ≥ 0');
    const timeLimit = checkNumber('--time-limit', argv['time-limit'], (x) => Number.isFinite(x) && x > 0, 'a number of seconds > 0');
    const solver = String(argv.solver ?? BILEVEL_DEFAULTS.solver);
    getBackend(solver); // SolverNotFoundError lists the available ones
    await loadSolvers([solver]);

    const mesh = argv.mesh as string | undefined;
    const input = loadEmbedInput(mesh, argv.target as string | undefined);
    const domain = embeddingDomain(input.F, input.nv, input.targets, { source: input.source });
    const qp = EmbeddingQP.build(domain);
    const outObj = (argv.out as string | undefined) ?? join('outputs', `${input.stem}.obj`);
    const outSvg = (argv.svg as string | undefined) ?? (extname(outObj) ? outObj.slice(0, -extname(outObj).length) : outObj) + '.svg';
    const lossSvg = argv['loss-svg'] as string | undefined;
    if (resolve(outObj) === resolve(outSvg)) throw new InputError('--svg', 'a path different from the OBJ output', outSvg);
    if (mesh !== undefined && resolve(outObj) === resolve(mesh)) throw new InputError('--out', 'a path different from the input mesh', outObj);

    say(`${input.source}: ${input.nv} vertices, ${input.F.length / 3} faces, ${domain.loop.length} boundary vertices, ${domain.corners.count} reflex corners (${qp.m} cone rows); solver ${solver}`);
    const warnings: string[] = [];
    const prevHandler = setWarningHandler((m) => {
      warnings.push(m);
      if (!quiet) process.stderr.write(`dqp: warning: ${m}\n`);
    });
    tf.enableProdMode(); // silences tfjs's "install the node backend" banner (stderr)
    const stop = installInterrupt('the current iteration');
    try {
      let result: BilevelResult;
      try {
        result = await embedBilevelAsync(qp, {
          solver,
          reg,
          lr,
          maxIter,
          epsAbs,
          timeLimit,
          signal: stop.signal,
          squared: Boolean(argv.squared),
          onIteration: quiet ? null : (r) => say(iterationLine(r)),
        });
      } finally {
        setWarningHandler(prevHandler);
      }
      stop.setStep('writing the outputs');
      const interrupted = result.stopReason === 'interrupted';

      const status = result.converged && result.flips === 0 ? 'bijective' : `not certified (${result.stopReason}, ${result.flips} flipped)`;
      const comment = [
        `dqp embed: ${input.source}`,
        ...(interrupted ? [`interrupted (SIGINT/SIGTERM) after ${result.iterations} Adam steps: the map of the last iteration`] : []),
        `${status}; ${result.iterations} Adam steps, λ_reg = ${reg ?? 0}, solver ${solver}, loss ${result.loss === 'norm' ? '‖μ‖₂' : '‖μ‖₂²'}`,
        'v: embedded positions (z = 0); faces as in the input',
      ].join('\n');
      writeFileAtomic(outObj, writeObj(result.V, 2, input.F, { comment }));
      const C = qp.instance(result.theta).C;
      const title = `${mesh === undefined ? 'cross example' : basename(mesh)}: ${status}, ${result.iterations} steps`;
      writeFileAtomic(outSvg, domainSvg(domain, result.V, { C, rowTol: 1e-9, title }));
      if (lossSvg) {
        writeFileAtomic(
          lossSvg,
          lossCurveSvg({ loss: result.lossHistory, maxDual: result.maxDualHistory, activeChanges: result.activeChanges, stopTol: BILEVEL_DEFAULTS.stopTol }),
        );
      }
      if (argv.json) {
        printJson({
          converged: result.converged,
          iterations: result.iterations,
          flips: result.flips,
          maxDual: result.maxDual,
          vertices: result.vertices,
          constraints: result.constraints,
          totalMs: result.totalMs,
          forwardMsMedian: result.forwardMsMedian,
          backwardMsMedian: result.backwardMsMedian,
          output: outObj,
          svg: outSvg,
          lossSvg: lossSvg ?? null,
          valid: result.valid,
          stopReason: result.stopReason,
          interrupted,
          timeLimit: timeLimit ?? null,
          boundaryDeviation: result.boundaryDeviation,
          reg: reg ?? 0,
          solver,
          loss: result.loss,
          activeChanges: result.activeChanges,
          tightSolves: result.tightSolves,
          blockedStops: result.blockedStops,
          adamMsMedian: result.adamMsMedian,
          warnings,
        });
      } else {
        process.stdout.write(`${resultSummary(result)}\nwrote ${outObj}, ${outSvg}${lossSvg ? `, ${lossSvg}` : ''}\n`);
      }
      if (interrupted) process.exitCode = EXIT_INTERRUPTED;
      else if (!(result.converged && result.flips === 0)) process.exitCode = EXIT_NOT_CERTIFIED;
    } finally {
      stop.dispose();
    }
  },
};
