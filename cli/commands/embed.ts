/**
 * `dqp embed [MESH.obj]`: bijective embedding of a disk mesh into a (non-convex) target polygon
 * by bi-level optimization of its Laplacian edge weights (see docs/geometry.md; optimizer/bilevel).
 *
 * Targets (one per boundary vertex): --target FILE.obj (the (x, y) positions of the same
 * vertices in another OBJ with the same faces) when given, else the `vt` of the mesh's boundary
 * vertices. Without MESH: the built-in cross example (13×13 grid → plus-shaped polygon).
 *
 * Output: the final map as an OBJ (embedded positions, z = 0, the input's faces) and an SVG of
 * it (flipped triangles red, reflex corners marked), both ALWAYS written (atomically) once the
 * loop ran, converged or not; optionally the loss curve (--loss-svg). Defaults:
 * outputs/<mesh basename>.obj / .svg (outputs/cross.* for the built-in example), relative to the
 * current directory (outputs/ is created; a folder named by --out/--svg/--loss-svg must exist).
 * Before the loop starts, every path is resolved (report/outputs.ts): an output naming MESH,
 * --target or another output (also through a symbolic link) is refused naming both flags, and
 * every output folder must accept a new file. The files are written together at the end, all
 * or none. Bad input fails before anything is written.
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
 * "forwardMsMedian","backwardMsMedian","output","svg", ...} as the only line of stdout (the
 * report goes to stderr).
 */
import { basename, extname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import type { BoundaryTargets } from '../../geometry/types.ts';
import { BILEVEL_DEFAULTS } from '../../geometry/embed/driver.ts';
import type { BilevelResult, IterationRecord } from '../../geometry/embed/types.ts';
import { FileFormatError, InputError } from '../../optimizer/errors.ts';
import { printJson, progress } from '../../report/console.ts';
import { prepareOutputs } from '../../report/outputs.ts';
import { fmt } from '../../report/table.ts';
import { checkSolverFlag, numberFlag, numberOption, RANGES } from '../flags.ts';
import { EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, installInterrupt } from '../interrupt.ts';

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
export async function loadEmbedInput(mesh: string | undefined, target: string | undefined): Promise<EmbedInput> {
  if (mesh === undefined) {
    if (target !== undefined) throw new InputError('--target', 'a MESH.obj argument (the targets are positions of its vertices)', '--target without MESH');
    const { crossExample } = await import('../../geometry/examples/cross.ts');
    const c = crossExample(13);
    return { F: c.mesh.F, nv: c.mesh.nv, targets: c.targets, source: c.mesh.source ?? 'cross example', stem: 'cross' };
  }
  const stem = outputStem(mesh);
  const { loadEmbeddingInput } = await import('../../geometry/embedding-input.ts');
  const { resolveTarget } = await import('../../report/outputs.ts');
  if (target !== undefined) {
    const same = resolveTarget(target) === resolveTarget(mesh);
    const inp = loadEmbeddingInput({ mesh, targets: same ? 'positions' : target });
    return { F: inp.F, nv: inp.nv, targets: inp.targets, source: mesh, stem };
  }
  const { readObjFile } = await import('../../geometry/obj-read.ts');
  const obj = readObjFile(mesh);
  if (!obj.FT || !obj.VT) {
    throw new FileFormatError(mesh, 'no texture coordinates (vt) on its faces to read the boundary targets from; give the targets with --target FILE.obj (same vertices and faces, target positions as v)');
  }
  const inp = loadEmbeddingInput({ mesh, targets: 'vt' });
  return { F: inp.F, nv: inp.nv, targets: inp.targets, source: mesh, stem };
}

/** The default output name: outputs/<stem>.obj */
function outputStem(mesh: string | undefined): string {
  return mesh === undefined ? 'cross' : basename(mesh, extname(mesh)) || 'embedding';
}

/** One progress line per outer iteration. */
export function iterationLine(r: IterationRecord): string {
  const bwd = r.backwardMs === null ? '-' : fmt(r.backwardMs);
  return (
    `iter ${String(r.iteration).padStart(5)}  loss ${r.loss.toExponential(3)}  max μ ${r.maxDual.toExponential(2)}  ` +
    `active ${r.active}${r.activeChanged ? '*' : ' '}  ipm ${r.solverIterations} it  fwd ${fmt(r.forwardMs)} ms  bwd ${bwd} ms` +
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
    `  total ${fmt(r.totalMs / 1000)} s; per iteration (median): forward ${fmt(r.forwardMsMedian)} ms, backward ${fmt(r.backwardMsMedian)} ms, adam ${fmt(r.adamMsMedian)} ms`,
  ].join('\n');
}

export const command: CommandModule = {
  command: 'embed [mesh]',
  describe: 'bijective embedding of a disk mesh into a non-convex polygon (bi-level learning of Laplacian weights)',
  builder: (y) =>
    y
      .positional('mesh', { type: 'string', describe: 'triangle mesh (OBJ, disk topology); default: the built-in 13×13 cross example' })
      .option('target', { type: 'string', describe: 'OBJ with the same vertices/faces whose (x, y) positions give the boundary targets (default: the vt of MESH)' })
      .option('reg', numberOption('λ_reg, weight of ‖L̂ − L̂₀‖∞ in the loss', RANGES.reg, BILEVEL_DEFAULTS.reg))
      .option('solver', { type: 'string', default: BILEVEL_DEFAULTS.solver, describe: 'inner QP solver (see `dqp solvers`)' })
      .option('lr', numberOption('Adam learning rate', RANGES.lr, BILEVEL_DEFAULTS.lr))
      .option('max-iter', numberOption('maximum Adam steps', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter))
      .option('time-limit', numberOption('stop the loop after this many seconds (stopReason "time-limit", exit code 2; the files are written)', RANGES.timeLimit))
      .option('eps-abs', numberOption('inner solver tolerance during the loop (the paper: 1e-5; rows are re-solved at 1e-9 when inconsistent)', RANGES.eps, BILEVEL_DEFAULTS.epsAbs))
      .option('squared', { type: 'boolean', default: false, describe: 'minimize ‖μ‖₂² (the paper text) instead of ‖μ‖₂ (the authors\' code, default)' })
      .option('out', { type: 'string', describe: 'output OBJ (default outputs/<mesh name>.obj, outputs/cross.obj without MESH; outputs/ is created, a folder you name must exist)' })
      .option('svg', { type: 'string', describe: 'output SVG of the map (default: the OBJ path with .svg)' })
      .option('loss-svg', { type: 'string', describe: 'also write the loss curve (loss and max dual per iteration) to this SVG' })
      .option('json', { type: 'boolean', default: false, describe: 'print only the result as one JSON line on stdout (the report goes to stderr)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Loss: ‖μ‖₂ + λ_reg‖L̂ − L̂₀‖∞ over the inequality duals μ of the inner QP (Adam on one weight per edge). ' +
          'The loop stops when every dual is < 1e-4 (confirmed by a re-solve at tolerance 1e-9) and the map has no ' +
          'flipped triangle (μ = 0: the harmonic map satisfies every cone condition and is bijective). The OBJ and SVG are always written once the loop ran. Exit code 0: ' +
          'converged with 0 flipped triangles; 2: files written but the map is not certified (not converged within ' +
          '--max-iter / --time-limit, or flips remain); 1: bad input, a path collision (an output naming an input or another ' +
          'output, also through a symbolic link) or an unusable output location, all found before the loop starts; nothing written; 130: interrupted by Ctrl-C / ' +
          'SIGTERM (the loop finishes its iteration, the files describe the last map; press Ctrl-C twice to stop at once, ' +
          'nothing is written then).',
      ),
  handler: async (argv) => {
    const quiet = Boolean(argv.quiet);
    const say = progress(quiet);
    // 1. every flag, before any work
    const reg = numberFlag(argv, '--reg', RANGES.reg, BILEVEL_DEFAULTS.reg);
    const lr = numberFlag(argv, '--lr', RANGES.lr, BILEVEL_DEFAULTS.lr);
    const epsAbs = numberFlag(argv, '--eps-abs', RANGES.eps, BILEVEL_DEFAULTS.epsAbs);
    const maxIter = numberFlag(argv, '--max-iter', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter);
    const timeLimit = numberFlag(argv, '--time-limit', RANGES.timeLimit);
    const solver = String(argv.solver ?? BILEVEL_DEFAULTS.solver);
    const { getBackend, loadSolvers, setWarningHandler } = await import('../../optimizer/qp/registry.ts');
    checkSolverFlag('--solver', [solver], getBackend); // SolverNotFoundError lists the available ones

    // 2. every path: collisions and output locations, before any work
    const mesh = argv.mesh as string | undefined;
    const target = argv.target as string | undefined;
    const outGiven = argv.out as string | undefined;
    const outObj = outGiven ?? join('outputs', `${outputStem(mesh)}.obj`);
    const svgGiven = argv.svg as string | undefined;
    const outSvg = svgGiven ?? (extname(outObj) ? outObj.slice(0, -extname(outObj).length) : outObj) + '.svg';
    const lossSvg = argv['loss-svg'] as string | undefined;
    const outputs = prepareOutputs({
      inputs: [mesh === undefined ? undefined : { flag: 'MESH', path: mesh }, target === undefined ? undefined : { flag: '--target', path: target }],
      outputs: [
        { flag: '--out', path: outObj, createFolder: outGiven === undefined },
        { flag: '--svg', path: outSvg, createFolder: outGiven === undefined && svgGiven === undefined },
        lossSvg === undefined ? undefined : { flag: '--loss-svg', path: lossSvg },
      ],
    });

    // 3. the input
    await loadSolvers([solver]);
    const input = await loadEmbedInput(mesh, target);
    const [{ embeddingDomain }, { EmbeddingQP }, { embedBilevelAsync }, { writeObj }, { lossCurveSvg }, { domainSvg }, tf] = await Promise.all([
      import('../../geometry/embedding-domain.ts'),
      import('../../geometry/embedding-qp.ts'),
      import('../../geometry/embed/driver.ts'),
      import('../../geometry/obj-write.ts'),
      import('../../geometry/plots.ts'),
      import('../../geometry/svg.ts'),
      import('../../optimizer/bilevel/tf-runtime.ts').then((m) => m.prepareBilevel()),
    ]);
    const domain = embeddingDomain(input.F, input.nv, input.targets, { source: input.source });
    const qp = EmbeddingQP.build(domain);

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
      outputs.write('--out', writeObj(result.V, 2, input.F, { comment }));
      const C = qp.instance(result.theta).C;
      const title = `${mesh === undefined ? 'cross example' : basename(mesh)}: ${status}, ${result.iterations} steps`;
      outputs.write('--svg', domainSvg(domain, result.V, { C, rowTol: 1e-9, title }));
      if (lossSvg) {
        outputs.write(
          '--loss-svg',
          lossCurveSvg({ loss: result.lossHistory, maxDual: result.maxDualHistory, activeChanges: result.activeChanges, stopTol: BILEVEL_DEFAULTS.stopTol }),
        );
      }
      outputs.commit(); // all three files, or none
      // the human summary: stdout, or stderr with --json (report/console.ts); --quiet --json drops it
      if (!argv.json || !quiet) process.stdout.write(`${resultSummary(result)}\nwrote ${outObj}, ${outSvg}${lossSvg ? `, ${lossSvg}` : ''}\n`);
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
          reg,
          solver,
          loss: result.loss,
          activeChanges: result.activeChanges,
          tightSolves: result.tightSolves,
          blockedStops: result.blockedStops,
          adamMsMedian: result.adamMsMedian,
          warnings,
        });
      }
      if (interrupted) process.exitCode = EXIT_INTERRUPTED;
      else if (!(result.converged && result.flips === 0)) process.exitCode = EXIT_NOT_CERTIFIED;
    } finally {
      outputs.abort(); // after a failure: the staged files go (no-op after commit)
      stop.dispose();
    }
  },
};
