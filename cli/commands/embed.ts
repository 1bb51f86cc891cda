/**
 * `dqp embed [MESH.obj]`: bijective embedding of a disk mesh into a (non-convex) target polygon
 * by bi-level optimization of its Laplacian edge weights (see docs/geometry.md; the loop is
 * geometry/embed on optimizer/bilevel).
 *
 * Where the boundary goes, one of:
 *   --domain D       a polygon (a file: .json, .svg, .txt/.xy/.csv, .obj; or a built-in name) onto
 *                    which the mesh's boundary loop is mapped by arc length
 *                    (geometry/domain-embedding.ts); --corners picks the vertices for the corners
 *   --target T.obj   the (x, y) positions of the same vertices in another OBJ with the same faces
 *   (neither)        the `vt` of the mesh's boundary vertices
 * Without MESH: the built-in 13×13 grid, sent to the plus-shaped cross (or to --domain).
 * MESH may be flat or a 3-D surface patch (disk topology); --weights cotan|mean-value start from
 * weights of its own geometry.
 *
 * Units: the targets are normalized (lower-left corner of their bounding box at 0, its larger side 1) for the
 * loop, whose stop tolerance is absolute, and the map is returned in the targets' own units: the
 * same mesh and domain take the same steps at any scale or position.
 *
 * Output: the final map as an OBJ (embedded positions, z = 0, the input's faces; with --uv the
 * input's own v lines with the map as vt, faces v/vt) and an SVG of it (flipped triangles red,
 * reflex corners marked), both ALWAYS written once the loop ran, converged or not; optionally the
 * loss curve (--loss-svg) and, with --uv, a UV-checker picture (--checker-svg). Defaults:
 * outputs/<mesh basename>.obj / .svg (outputs/cross.* for the built-in example). Before the loop
 * starts, every path is resolved (report/outputs.ts): an output naming MESH, --target, --domain or
 * another output (also through a symbolic link) is refused naming both flags, and every output
 * folder must accept a new file. The files are written together at the end, all or none.
 *
 * Exit codes: 0 = converged to a certified bijective map (all inequality duals < 1e-4 and
 * 0 flipped triangles); 2 = the loop ran and the files were written, but the map is not
 * certified (not converged within --max-iter or --time-limit, duals vanished on a folded map, or
 * flips remain); 1 = bad input / error (message naming the file or flag, nothing written); 130 =
 * interrupted (SIGINT / SIGTERM, see cli/interrupt.ts).
 *
 * --json prints one JSON object as the only line of stdout (the report goes to stderr): the
 * certificate (converged, stopReason, flips, valid, maxDual, boundaryDeviation in the domain's
 * units), timings, the outputs, and for a user domain the corners, split triangles and added
 * vertices and the edges split (1-based, OBJ numbering), `units` {center, scale} and `distortion`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { CommandModule } from 'yargs';
import type { WeightKind } from '../../geometry/edge-weights.ts';
import type { BoundaryTargets } from '../../geometry/types.ts';
import { BILEVEL_DEFAULTS } from '../../geometry/embed/driver.ts';
import type { BilevelResult, IterationRecord } from '../../geometry/embed/types.ts';
import { FileAccessError, FileFormatError, InputError } from '../../optimizer/errors.ts';
import { printJson, progress } from '../../report/console.ts';
import { LOOP_FLAG_OPTIONS, loopFlags } from '../loop-flags.ts';
import { prepareOutputs } from '../../report/outputs.ts';
import { fmt } from '../../report/table.ts';
import { checkSolverFlag, numberFlag, numberOption, RANGES } from '../flags.ts';
import { LOSS_TEXT } from '../../optimizer/bilevel/dual-loss.ts';
import { EXIT_INTERRUPTED, EXIT_NOT_CERTIFIED, installInterrupt } from '../interrupt.ts';

/** The loaded problem: connectivity, rest positions, targets, and where it came from. */
export interface EmbedInput {
  readonly F: Int32Array;
  readonly nv: number;
  /** #V by dim rest positions of the input mesh (dim 2 for a flat mesh) */
  readonly X: Float64Array;
  readonly dim: 2 | 3;
  /** boundary targets in the targets' own units */
  readonly targets: BoundaryTargets;
  /** file name (or example name) for messages */
  readonly source: string;
  /** default output stem: outputs/<stem>.obj */
  readonly stem: string;
}

/** #V by 3 positions → #V by 2 when every z is 0 (a flat mesh), else unchanged. */
function restPositions(V3: Float64Array): { X: Float64Array; dim: 2 | 3 } {
  const nv = V3.length / 3;
  for (let i = 0; i < nv; i++) if (V3[3 * i + 2] !== 0) return { X: V3, dim: 3 };
  const X = new Float64Array(2 * nv);
  for (let i = 0; i < nv; i++) {
    X[2 * i] = V3[3 * i]!;
    X[2 * i + 1] = V3[3 * i + 1]!;
  }
  return { X, dim: 2 };
}

/**
 * Load MESH (+ --target) or the built-in cross. Throws FileFormatError naming the file for a
 * missing/unparsable file, non-triangle faces, a mesh without vt and no --target, a target OBJ
 * with other vertices/faces. With `needTargets` false (a --domain run) the mesh alone is read.
 */
export async function loadEmbedInput(mesh: string | undefined, target: string | undefined, needTargets = true): Promise<EmbedInput> {
  if (mesh === undefined) {
    if (target !== undefined) throw new InputError('--target', 'a MESH.obj argument (the targets are positions of its vertices)', '--target without MESH');
    const { crossExample } = await import('../../geometry/examples/cross.ts');
    const c = crossExample(13);
    return { F: c.mesh.F, nv: c.mesh.nv, X: c.mesh.V, dim: 2, targets: c.targets, source: c.mesh.source ?? 'cross example', stem: 'cross' };
  }
  const stem = outputStem(mesh);
  const { loadEmbeddingInput } = await import('../../geometry/embedding-input.ts');
  const { resolveTarget } = await import('../../report/outputs.ts');
  if (target !== undefined) {
    const same = resolveTarget(target) === resolveTarget(mesh);
    const inp = loadEmbeddingInput({ mesh, targets: same ? 'positions' : target });
    return { F: inp.F, nv: inp.nv, ...restPositions(inp.V), targets: inp.targets, source: mesh, stem };
  }
  const { readObjFile } = await import('../../geometry/obj-read.ts');
  const obj = readObjFile(mesh);
  if (!needTargets) {
    if (obj.F.length === 0) throw new FileFormatError(mesh, 'no triangle faces; expected a triangle mesh with disk topology');
    return { F: obj.F, nv: obj.nv, ...restPositions(obj.V), targets: { vertices: new Int32Array(0), positions: new Float64Array(0) }, source: mesh, stem };
  }
  if (!obj.FT || !obj.VT) {
    throw new FileFormatError(mesh, 'no texture coordinates (vt) on its faces to read the boundary targets from; give a polygon with --domain FILE|NAME, or the targets with --target FILE.obj (same vertices and faces, target positions as v)');
  }
  const inp = loadEmbeddingInput({ mesh, targets: 'vt' });
  return { F: inp.F, nv: inp.nv, ...restPositions(inp.V), targets: inp.targets, source: mesh, stem };
}

/** The default output name: outputs/<stem>.obj */
function outputStem(mesh: string | undefined): string {
  return mesh === undefined ? 'cross' : basename(mesh, extname(mesh)) || 'embedding';
}

/** A --domain polygon: a built-in name, or a file in one of the formats of geometry/polygon-read.ts. */
async function loadDomain(domain: string): Promise<{ corners: Float64Array; merged: readonly number[]; reversed: boolean; source: string; file: boolean }> {
  const { polygonFormatOf, preparePolygon, readPolygon } = await import('../../geometry/polygon-read.ts');
  const { BUILTIN_DOMAIN_NAMES, builtinDomain } = await import('../../geometry/polygon-domains.ts');
  const format = polygonFormatOf(domain);
  if (format === null || (!existsSync(domain) && BUILTIN_DOMAIN_NAMES.includes(domain))) {
    if (!BUILTIN_DOMAIN_NAMES.includes(domain)) {
      throw new InputError('--domain', `a polygon file (.json, .svg, .txt, .xy, .csv, .obj) or a built-in name (${BUILTIN_DOMAIN_NAMES.join(', ')})`, JSON.stringify(domain.slice(0, 100)));
    }
    const p = preparePolygon(builtinDomain(domain), `domain "${domain}"`);
    return { ...p, file: false };
  }
  let text: string;
  try {
    text = readFileSync(domain, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileAccessError(domain, '--domain', code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a polygon file' : `cannot be read (${code ?? String(e)})`);
  }
  return { ...preparePolygon(readPolygon(text, domain, format), domain), file: true };
}

/** --corners "i1,i2,…": 1-based OBJ vertex numbers → 0-based ids. */
function parseCorners(raw: unknown): Int32Array | null {
  if (raw === undefined) return null;
  const text = String(raw);
  const parts = text.split(',').map((t) => t.trim());
  const ids = parts.map((t) => (/^\d+$/.test(t) ? Number(t) : NaN));
  const bad = parts.findIndex((_, k) => !(Number.isSafeInteger(ids[k]!) && ids[k]! >= 1));
  if (bad >= 0) throw new InputError('--corners', 'a comma-separated list of vertex numbers (1-based, as in the OBJ file), one per polygon corner', JSON.stringify(parts[bad]!.slice(0, 100)));
  return Int32Array.from(ids, (v) => v - 1);
}

/** 1-based numbers (OBJ numbering) of 0-based ids, at most 10 shown. */
function oneBased(ids: ArrayLike<number>): string {
  const shown = Array.from(ids).slice(0, 10).map((v) => v + 1).join(', ');
  return ids.length > 10 ? `${shown}, … (${ids.length} in all)` : shown;
}

/** One progress line per outer iteration. */
export function iterationLine(r: IterationRecord): string {
  const bwd = r.backwardMs === null ? '-' : fmt(r.backwardMs);
  return (
    `iter ${String(r.iteration).padStart(5)}  loss ${r.loss.toExponential(3)}  max μ ${r.maxDual.toExponential(2)}  ` +
    `active ${r.active}${r.activeChanged ? '*' : ' '}  ${r.inner.predicted ? 'predicted J' : `solver ${r.solverIterations} it`}, ${r.inner.factorizations} fact.  fwd ${fmt(r.forwardMs)} ms  bwd ${bwd} ms` +
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
      .option('domain', {
        type: 'string',
        requiresArg: true,
        describe:
          'the polygon to embed into: a file (.json {"polygon": [[x, y], …]} or [[x, y], …]; .svg: the first <polygon>, closed <polyline> or straight-segment <path>, y flipped so it looks as drawn; .txt/.xy/.csv: "x y" or "x,y" per line, # comments; .obj: a closed l polyline or the boundary of a flat mesh) or a built-in name (square, L, cross, star, comb). Either orientation; collinear consecutive corners are merged (the boundary runs straight through them); a polygon that is not simple is an error naming the corners. The mesh boundary is mapped onto it by arc length (3-D lengths for surfaces), every corner taking its own boundary vertex',
      })
      .option('corners', { type: 'string', requiresArg: true, describe: 'with --domain: the boundary vertices (1-based OBJ numbers, comma-separated, in polygon order) that take the corners; default: by arc-length proportion, the rotation with the least squared error' })
      .option('weights', { type: 'string', choices: ['uniform', 'cotan', 'mean-value'], default: 'uniform', describe: 'initial Laplacian weights θ₀ (and the --reg reference): uniform (the paper), cotan or mean-value of the input mesh (3-D for surfaces; scaled to the uniform mean, clamped to ≥ 0.02)' })
      .option('flat-triangles', { type: 'string', choices: ['split', 'error'], default: 'split', describe: 'with --domain: an interior edge joining two boundary vertices on one straight polygon edge (e.g. the third edge of a triangle lying on that edge), or cutting off a reflex corner, can never be embedded: split it at its middle (a new vertex, numbered after the input\'s; reported) or stop with an error naming it' })
      .option('uv', { type: 'boolean', default: false, describe: 'write the input mesh unchanged (its v lines) with the map as texture coordinates (vt, faces v/vt) instead of the 2-D map as v' })
      .option('checker-svg', { type: 'string', requiresArg: true, describe: 'with --uv: the UV-checker picture (default: the OBJ path with -checker.svg)' })
      .option('stall-steps', { type: 'string', requiresArg: true, describe: 'stop with "stalled-folded" (exit 2) after this many consecutive steps whose duals all vanished while the map stayed folded with an unchanged flip count (an integer ≥ 1, or inf; default 50); the JSON "folds" says where' })
      .option('strengthen', { type: 'string', choices: ['none', 'reflex-neighbours', 'boundary-directions'], default: 'none', describe: 'extra cone rows (docs/geometry.md#stall): boundary-directions keeps every interior neighbour of a boundary vertex on the inner side of the polygon there (every bijective map satisfies them); reflex-neighbours keeps the interior neighbours of a reflex vertex in its wedge (may exclude valid maps)' })
      .options(LOOP_FLAG_OPTIONS)
      .option('target', { type: 'string', describe: 'OBJ with the same vertices/faces whose (x, y) positions give the boundary targets (default: the vt of MESH)' })
      .option('reg', numberOption('λ_reg, weight of ‖L̂ − L̂₀‖∞ in the loss', RANGES.reg, BILEVEL_DEFAULTS.reg))
      .option('solver', { type: 'string', default: BILEVEL_DEFAULTS.solver, describe: 'inner QP solver (see `dqp solvers`)' })
      .option('max-iter', numberOption('maximum Adam steps', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter))
      .option('time-limit', numberOption('stop the loop after this many seconds (stopReason "time-limit", exit code 2; the files are written)', RANGES.timeLimit))
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
    const { loop, coneMargin, shift } = loopFlags(argv);
    const maxIter = numberFlag(argv, '--max-iter', RANGES.maxIter, BILEVEL_DEFAULTS.maxIter);
    const timeLimit = numberFlag(argv, '--time-limit', RANGES.timeLimit);
    const solver = String(argv.solver ?? BILEVEL_DEFAULTS.solver);
    const stallRaw = argv['stall-steps'];
    const stallSteps = stallRaw === undefined || String(stallRaw) === 'inf' ? (stallRaw === undefined ? undefined : Infinity) : numberFlag(argv, '--stall-steps', { min: 1, max: 1e7, integer: true });
    const strengthen = String(argv.strengthen ?? 'none') as 'none' | 'reflex-neighbours' | 'boundary-directions';
    const { getBackend, loadSolvers, setWarningHandler } = await import('../../optimizer/qp/registry.ts');
    checkSolverFlag('--solver', [solver], getBackend); // SolverNotFoundError lists the available ones

    // 2. every path: collisions and output locations, before any work
    const mesh = argv.mesh as string | undefined;
    const target = argv.target as string | undefined;
    const domainArg = argv.domain as string | undefined;
    const cornersGiven = parseCorners(argv.corners);
    const weights = String(argv.weights ?? 'uniform') as WeightKind;
    const uv = Boolean(argv.uv);
    if (domainArg !== undefined && target !== undefined) throw new InputError('--target', 'either --domain or --target, not both', `--target ${target} with --domain ${domainArg}`);
    if (cornersGiven && domainArg === undefined) throw new InputError('--corners', 'a --domain polygon whose corners they take', '--corners without --domain');
    if (argv['checker-svg'] !== undefined && !uv) throw new InputError('--checker-svg', '--uv (the picture shows the map used as texture coordinates)', '--checker-svg without --uv');
    const outGiven = argv.out as string | undefined;
    const outObj = outGiven ?? join('outputs', `${outputStem(mesh)}.obj`);
    const stemOf = (path: string) => (extname(path) ? path.slice(0, -extname(path).length) : path);
    const svgGiven = argv.svg as string | undefined;
    const outSvg = svgGiven ?? stemOf(outObj) + '.svg';
    const lossSvg = argv['loss-svg'] as string | undefined;
    const checkerGiven = argv['checker-svg'] as string | undefined;
    const checkerSvg = uv ? (checkerGiven ?? `${stemOf(outObj)}-checker.svg`) : undefined;
    const domainIsFile = domainArg !== undefined && existsSync(domainArg);
    const outputs = prepareOutputs({
      inputs: [
        mesh === undefined ? undefined : { flag: 'MESH', path: mesh },
        target === undefined ? undefined : { flag: '--target', path: target },
        domainIsFile ? { flag: '--domain', path: domainArg } : undefined,
      ],
      outputs: [
        { flag: '--out', path: outObj, createFolder: outGiven === undefined },
        { flag: '--svg', path: outSvg, createFolder: outGiven === undefined && svgGiven === undefined },
        lossSvg === undefined ? undefined : { flag: '--loss-svg', path: lossSvg },
        checkerSvg === undefined ? undefined : { flag: '--checker-svg', path: checkerSvg, createFolder: outGiven === undefined && checkerGiven === undefined },
      ],
    });

    // 3. the input, its targets in normalized units, θ₀
    await loadSolvers([solver]);
    const input = await loadEmbedInput(mesh, target, domainArg === undefined);
    const [{ embeddingDomain }, { EmbeddingQP }, { embedBilevelAsync }, { writeObj }, { lossCurveSvg }, { domainSvg }, prep, tf] = await Promise.all([
      import('../../geometry/embedding-domain.ts'),
      import('../../geometry/embedding-qp.ts'),
      import('../../geometry/embed/driver.ts'),
      import('../../geometry/obj-write.ts'),
      import('../../geometry/plots.ts'),
      import('../../geometry/svg.ts'),
      import('../../geometry/domain-embedding.ts'),
      import('../../optimizer/bilevel/tf-runtime.ts').then((m) => m.prepareBilevel()),
    ]);
    const domainPolygon = domainArg === undefined ? null : await loadDomain(domainArg);
    const problem = domainPolygon
      ? prep.prepareDomainEmbedding({ V: input.X, dim: input.dim, F: input.F, source: input.source }, domainPolygon.corners, {
          corners: cornersGiven,
          weights,
          flatTriangles: argv['flat-triangles'] === 'error' ? 'error' : 'split',
        })
      : prep.normalizedEmbedding({ V: input.X, dim: input.dim, F: input.F, source: input.source }, input.targets, weights);
    const F = problem.F;
    const nv = problem.nv;
    const domain = embeddingDomain(F, nv, problem.targets, { source: input.source });
    const qp = EmbeddingQP.build(domain, { strengthen, coneMargin, shift });
    if (problem.added.length > 0) {
      say(`${input.source}: split ${problem.added.length} interior edge(s) joining two boundary vertices on one straight polygon edge${problem.splitFaces.length ? ` (${problem.splitFaces.length} triangle(s) flat on a polygon edge: faces ${oneBased(problem.splitFaces)})` : ''}; new vertices ${oneBased(problem.added)}`);
    }
    if (domainPolygon) {
      say(`domain ${domainPolygon.source}: ${domainPolygon.corners.length / 2} corners${domainPolygon.merged.length ? ` (${domainPolygon.merged.length} collinear merged)` : ''}${domainPolygon.reversed ? ', made counter-clockwise' : ''}; corner vertices ${oneBased(problem.cornerVertex ?? [])}`);
    }
    say(`${input.source}: ${nv} vertices, ${F.length / 3} faces, ${domain.loop.length} boundary vertices, ${domain.corners.count} reflex corners (${qp.m} cone rows); solver ${solver}`);
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
          theta0: problem.theta0,
          ...loop,
          stallSteps,
          solver,
          reg,
          maxIter,
          timeLimit,
          signal: stop.signal,
          onIteration: quiet ? null : (r) => say(iterationLine(r)),
        });
      } finally {
        setWarningHandler(prevHandler);
      }
      stop.setStep('writing the outputs');
      const interrupted = result.stopReason === 'interrupted';

      const status = result.converged && result.flips === 0 ? 'bijective' : `not certified (${result.stopReason}, ${result.flips} flipped)`;
      const map = problem.toDomainUnits(result.V); // #V by 2 in the targets' own units
      const { mapDistortion } = await import('../../geometry/distortion.ts');
      const dist = mapDistortion(problem.V, problem.dim, result.V, F);
      const distortion = { conformalMax: dist.conformalMax, conformalMean: dist.conformalMean, areaMax: dist.areaMax, areaMean: dist.areaMean };
      const comment = [
        `dqp embed: ${input.source}${domainPolygon ? ` into ${domainPolygon.source}` : ''}`,
        ...(interrupted ? [`interrupted (SIGINT/SIGTERM) after ${result.iterations} Adam steps: the map of the last iteration`] : []),
        `${status}; ${result.iterations} Adam steps, λ_reg = ${reg ?? 0}, weights ${weights}, solver ${solver}, loss ${LOSS_TEXT[result.loss]}`,
        ...(problem.added.length ? [`vertices ${oneBased(problem.added)} were added (splitting edges that join two boundary vertices on one straight polygon edge)`] : []),
        uv ? 'v: the input positions; vt: the embedding (texture coordinates); faces v/vt' : 'v: embedded positions (z = 0); faces as in the input',
      ].join('\n');
      outputs.write('--out', uv ? writeObj(problem.V, problem.dim, F, { comment, VT: map }) : writeObj(map, 2, F, { comment }));
      const C = qp.instance(result.theta).C;
      const title = `${mesh === undefined ? 'cross example' : basename(mesh)}: ${status}, ${result.iterations} steps`;
      outputs.write('--svg', domainSvg(domain, result.V, { C, rowTol: 1e-9, title }));
      if (lossSvg) {
        outputs.write(
          '--loss-svg',
          lossCurveSvg({ loss: result.lossHistory, maxDual: result.maxDualHistory, activeChanges: result.activeChanges, stopTol: BILEVEL_DEFAULTS.stopTol }),
        );
      }
      if (checkerSvg) {
        const { uvCheckerSvg } = await import('../../geometry/uv-checker.ts');
        outputs.write('--checker-svg', uvCheckerSvg(problem.V, problem.dim, F, map, { polygon: domainPolygon?.corners ?? null, title }));
      }
      outputs.commit(); // all files, or none
      const written = [outObj, outSvg, lossSvg, checkerSvg].filter((f) => f !== undefined).join(', ');
      const folds = result.folds;
      const at = (x: number, k: number) => fmt(x * problem.scale + problem.origin[k]!);
      const foldsLine = folds
        ? `  folds: ${folds.count} flipped triangle(s) in [${at(folds.bbox[0], 0)}, ${at(folds.bbox[1], 1)}]–[${at(folds.bbox[2], 0)}, ${at(folds.bbox[3], 1)}]` +
          (folds.nearestCorner ? `, ${fmt(folds.nearestCorner.distance * problem.scale)} from the reflex corner at vertex ${folds.nearestCorner.vertex + 1}` : '') +
          '\n'
        : '';
      // the human summary: stdout, or stderr with --json (report/console.ts); --quiet --json drops it
      if (!argv.json || !quiet) {
        process.stdout.write(
          `${resultSummary(result)}\n  distortion: conformal (σ₁/σ₂) mean ${fmt(dist.conformalMean)}, max ${fmt(dist.conformalMax)}; area (σ₁σ₂ / total ratio) max ${fmt(dist.areaMax)}\n${foldsLine}wrote ${written}\n`,
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
          checkerSvg: checkerSvg ?? null,
          valid: result.valid,
          stopReason: result.stopReason,
          interrupted,
          timeLimit: timeLimit ?? null,
          boundaryDeviation: result.boundaryDeviation * problem.scale,
          reg,
          weights,
          solver,
          loss: result.loss,
          activeChanges: result.activeChanges,
          tightSolves: result.tightSolves,
          blockedStops: result.blockedStops,
          predictedSolves: result.predictedSolves,
          factorizationsMedian: result.factorizationsMedian,
          adamRestarts: result.adamRestarts,
          longestBlockedRun: result.longestBlockedRun,
          strengthen,
          coneMargin,
          shift,
          beta2: loop.beta2,
          // where the final map folds, in the domain's units (1-based faces and vertex)
          folds: result.folds
            ? {
                count: result.folds.count,
                faces: Array.from(result.folds.faces, (f) => f + 1),
                bbox: result.folds.bbox.map((x, k) => x * problem.scale + problem.origin[k % 2]!),
                nearestCorner: result.folds.nearestCorner ? { vertex: result.folds.nearestCorner.vertex + 1, distance: result.folds.nearestCorner.distance * problem.scale } : null,
              }
            : null,
          adamMsMedian: result.adamMsMedian,
          units: { origin: problem.origin, scale: problem.scale },
          distortion,
          domain: domainPolygon
            ? { source: domainPolygon.source, corners: domainPolygon.corners.length / 2, mergedCorners: domainPolygon.merged.map((k) => k + 1), reversed: domainPolygon.reversed }
            : null,
          cornerVertices: problem.cornerVertex ? Array.from(problem.cornerVertex, (v) => v + 1) : null,
          flatTriangles: Array.from(problem.splitFaces, (f) => f + 1),
          splitEdges: Array.from({ length: problem.splitEdges.length / 2 }, (_, k) => [problem.splitEdges[2 * k]! + 1, problem.splitEdges[2 * k + 1]! + 1]),
          addedVertices: Array.from(problem.added, (v) => v + 1),
          uv,
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
