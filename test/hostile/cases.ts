/**
 * The cases of the hostile replay (test/hostile/replay.ts): malformed meshes, targets, QP files
 * and Matrix Market files, colliding and unwritable outputs, indefinite P, other units and
 * hostile flag values, each a `dqp` command line run in its own folder with the files it needs.
 *
 * A case states the exit codes the README documents for it (0 ok; 1 bad input, nothing written;
 * 2 ran, not certified / not solved) and, where it matters, the flag or file its error message
 * must name and an extra check of its --json output. Everything else (a one-line typed message
 * without a stack trace, time, memory, no file destroyed, nothing written on failure) is checked
 * for every case by the runner.
 */
import { crossExample } from '../../geometry/examples/cross.ts';
import { writeObj } from '../../geometry/obj-write.ts';

/** What the runner measured for one run (the input of a case's extra check). */
export interface RunResult {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallS: number;
  /** peak resident set size, MB (null when it could not be measured) */
  readonly peakMb: number | null;
  /** why the runner killed the child, if it did */
  readonly killed: 'time' | 'memory' | null;
}

export interface HostileCase {
  /** unique name (kebab case) */
  readonly name: string;
  readonly group: 'mesh' | 'target' | 'qp' | 'matrix' | 'diagnose' | 'output' | 'convexity' | 'units' | 'flags';
  /** the `dqp` arguments; relative paths are relative to the case's own folder (the cwd) */
  readonly args: readonly string[];
  /** files created in the case folder before the run (all of them are hashed before and after) */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
  /** folders created in the case folder */
  readonly dirs?: readonly string[];
  /** symbolic links created in the case folder: name → target */
  readonly symlinks?: Readonly<Record<string, string>>;
  /** permissions set after the files and folders are created: name → mode (e.g. 0o000) */
  readonly chmod?: Readonly<Record<string, number>>;
  /** the documented exit codes of this case */
  readonly exit: readonly number[];
  /** the typed error message must contain this (the flag or file the user typed) */
  readonly mention?: string;
  /**
   * 'both' (default): run as given and again with --json; 'plain': as given only; 'json': with
   * --json only (the extra check reads the JSON)
   */
  readonly json?: 'both' | 'plain' | 'json';
  /** pre-existing files a successful run (exit 0 or 2) may replace */
  readonly mayChange?: readonly string[];
  /** an extra contract on the result: null when it holds, else what is wrong */
  readonly check?: (r: RunResult) => string | null;
  /** only when the replay runs as a user without root rights (permissions mean nothing to root) */
  readonly needsNonRoot?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

/** The 13×13 cross (the built-in example) as an OBJ whose vt are the boundary targets, scaled. */
export function crossObj(scale = 1, offset = 0): { mesh: string; target: string } {
  const { mesh, targets } = crossExample(13);
  const VT = Float64Array.from(mesh.V);
  targets.vertices.forEach((v, k) => {
    VT[2 * v] = targets.positions[2 * k]!;
    VT[2 * v + 1] = targets.positions[2 * k + 1]!;
  });
  const V = mesh.V.map((x) => x * scale + offset);
  const T = VT.map((x) => x * scale + offset);
  return { mesh: writeObj(V, 2, mesh.F, { VT: T }), target: writeObj(T, 2, mesh.F) };
}

/** Deterministic pseudo-random bytes (a binary file). */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** Replace the first line starting with `prefix` by `line`. */
function replaceFirst(text: string, prefix: string, line: string): string {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(prefix));
  lines[i] = line;
  return lines.join('\n');
}

/**
 * The reference QP: min ½zᵀPz + qᵀz, P = [[2, ½], [½, 1]], q = (1, −1), s.t. z₁ + z₂ ≤ ½,
 * −2 ≤ z ≤ 2. The row is active: z* = (−0.875, 1.375), μ = 1/16 (exact in binary), bounds inactive.
 */
export const QP_Z = [-0.875, 1.375] as const;
export function qpJson(o: { objective?: number; variable?: number; row?: number } = {}): string {
  const s = o.objective ?? 1; // objective scaled by s: same z
  const t = o.variable ?? 1; // z = t·y: the file is in y
  const r = o.row ?? 1; // the row scaled by r: same z
  return JSON.stringify({
    P: { format: 'dense', shape: [2, 2], data: [[2 * s * t * t, 0.5 * s * t * t], [0.5 * s * t * t, 1 * s * t * t]] },
    q: [1 * s * t, -1 * s * t],
    C: { format: 'dense', shape: [1, 2], data: [[r * t, r * t]] },
    d: [0.5 * r],
    lb: [-2 / t, -2 / t],
    ub: [2 / t, 2 / t],
  });
}

const GOOD_QP = qpJson();
const GOOD_MTX = '%%MatrixMarket matrix coordinate real symmetric\n3 3 4\n1 1 4\n2 1 1\n2 2 3\n3 3 2\n';

/** A QP JSON document with `patch` merged into the reference problem. */
function qpWith(patch: Record<string, unknown>): string {
  return JSON.stringify({ ...(JSON.parse(GOOD_QP) as Record<string, unknown>), ...patch });
}

/** The last line of stdout as JSON, or null. */
export function lastJson(stdout: string): Record<string, unknown> | null {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Check: `dqp solve --json` found z ≈ expected (relative 1e-6). */
function solvedTo(expected: readonly number[]): (r: RunResult) => string | null {
  return (r) => {
    const j = lastJson(r.stdout);
    if (!j) return 'no JSON on stdout';
    if (j.status !== 'solved') return `status ${String(j.status)}, expected solved`;
    const z = j.z as unknown;
    if (!Array.isArray(z) || z.length !== expected.length) return `z ${JSON.stringify(z)}`;
    const err = Math.max(...expected.map((e, i) => Math.abs((z[i] as number) - e) / (1 + Math.abs(e))));
    return err <= 1e-6 ? null : `z = ${JSON.stringify(z)}, expected ${JSON.stringify(expected)} (relative error ${err.toExponential(1)})`;
  };
}

/** Check: an indefinite P is reported as status non_convex with no gradient. */
function nonConvex(r: RunResult): string | null {
  const j = lastJson(r.stdout);
  if (!j) return 'no JSON on stdout';
  if (j.status !== 'non_convex') return `status "${String(j.status)}", expected "non_convex"`;
  if (j.grad !== null && j.grad !== undefined) return 'a gradient was reported at a non-solution';
  return null;
}

/** Check: `dqp embed --json` certified the map. */
function certified(r: RunResult): string | null {
  const j = lastJson(r.stdout);
  if (!j) return 'no JSON on stdout';
  return j.converged === true && j.flips === 0 ? null : `converged ${String(j.converged)}, flips ${String(j.flips)}`;
}

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/** Arguments of runs that take far longer than the time budget unless the outputs are checked up front. */
const SLOW = {
  embed: ['embed', '--lr', '1e-7', '--max-iter', '100000'],
  refine: ['refine', '--max-vertices', '3000'],
  sudoku: ['sudoku', '--train', '2000', '--epochs', '5'],
  simplex: ['bench', 'simplex', '--sizes', '500', '--samples', '100000', '--solver', 'ipm'],
} as const;

/** A place no one can write to, root included (sysfs). */
const UNWRITABLE = '/sys/dqp-hostile';

function meshCases(): HostileCase[] {
  const { mesh, target } = crossObj();
  const lines = mesh.split('\n');
  const mid = lines.findIndex((l, i) => i > lines.length / 2 && l.startsWith('f '));
  const truncated = `${lines.slice(0, mid).join('\n')}\n${lines[mid]!.slice(0, 6)}`;
  const vOnly = lines.filter((l) => l.startsWith('v ') || l.startsWith('vt ')).join('\n');
  const c = (name: string, text: string | Uint8Array, exit: readonly number[] = [1], extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `mesh-${name}`,
    group: 'mesh',
    args: ['embed', 'm.obj', '--out', 'out.obj'],
    files: { 'm.obj': text },
    exit,
    ...extra,
  });
  return [
    c('empty', ''),
    c('truncated', truncated),
    c('binary', noise(4096)),
    c('nan-vertex', replaceFirst(mesh, 'v ', 'v nan nan 0')),
    c('inf-vt', replaceFirst(mesh, 'vt ', 'vt inf 0')),
    c('face-index-out-of-range', `${mesh}f 1/1 2/2 99999/3\n`),
    c('face-index-zero', `${mesh}f 0/0 1/1 2/2\n`),
    c('face-index-huge', `${mesh}f 1/1 2/2 99999999999999999999999/3\n`),
    c('face-index-negative', `${mesh}f -1/-1 -2/-2 -99999/-99999\n`),
    c('face-vt-index-out-of-range', `${mesh}f 1/999 2/2 3/3\n`),
    c('degenerate-face', `${mesh}f 1/1 1/1 2/2\n`),
    c('no-faces', `${vOnly}\n`),
    c('two-components', 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 5 5 0\nv 6 5 0\nv 5 6 0\nvt 0 0\nvt 1 0\nvt 0 1\nvt 5 5\nvt 6 5\nvt 5 6\nf 1/1 2/2 3/3\nf 4/4 5/5 6/6\n'),
    c('closed-surface', 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\nvt 0 0\nvt 1 0\nvt 0 1\nvt 1 1\nf 1/1 3/3 2/2\nf 1/1 2/2 4/4\nf 2/2 3/3 4/4\nf 3/3 1/1 4/4\n'),
    c('nonmanifold-edge', 'v 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 -1 0\nv 1 1 0\nvt 0 0\nvt 1 0\nvt 0 1\nvt 0 -1\nvt 1 1\nf 1/1 2/2 3/3\nf 2/2 1/1 4/4\nf 1/1 2/2 5/5\n'),
    c('long-token', `v 1${'1'.repeat(5_000_000)} 0 0\n${mesh}`),
    c('big-garbage', 'v 0 0 0\n'.repeat(1_000_000)),
    c('no-vt', writeObj(crossExample(13).mesh.V, 2, crossExample(13).mesh.F), [1], { mention: '--target' }),
    c('crlf', mesh.replace(/\n/g, '\r\n'), [0], { json: 'json', check: certified, mayChange: [] }),
    { name: 'mesh-is-directory', group: 'mesh', args: ['embed', 'adir', '--out', 'out.obj'], dirs: ['adir'], exit: [1], mention: 'adir' },
    { name: 'mesh-missing', group: 'mesh', args: ['embed', 'nope.obj', '--out', 'out.obj'], exit: [1], mention: 'nope.obj' },
    { ...c('unreadable', mesh), name: 'mesh-unreadable', chmod: { 'm.obj': 0o000 }, needsNonRoot: true, mention: 'm.obj' },
    // the target file of the other cases, for reference: a valid one makes a run succeed
    { name: 'mesh-with-target-ok', group: 'mesh', args: ['embed', 'm.obj', '--target', 't.obj', '--out', 'out.obj'], files: { 'm.obj': mesh, 't.obj': target }, exit: [0], json: 'json', check: certified },
  ];
}

function targetCases(): HostileCase[] {
  const { mesh, target } = crossObj();
  const small = crossObj().target.split('\n').slice(0, 20).join('\n');
  const lines = target.split('\n');
  const vIdx = lines.map((l, i) => (l.startsWith('v ') ? i : -1)).filter((i) => i >= 0);
  // boundary vertices of the grid: the first N = 13 are the bottom row
  const collapsed = lines.map((l) => (l.startsWith('v ') ? 'v 0 0 0' : l)).join('\n');
  const swapped = lines.slice();
  [swapped[vIdx[1]!], swapped[vIdx[11]!]] = [lines[vIdx[11]!]!, lines[vIdx[1]!]!];
  const mirrored = lines.map((l) => (l.startsWith('v ') ? l.replace(/^v (\S+)/, (_, x: string) => `v ${-Number(x)}`) : l)).join('\n');
  const c = (name: string, text: string | Uint8Array, exit: readonly number[] = [1], extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `target-${name}`,
    group: 'target',
    args: ['embed', 'm.obj', '--target', 't.obj', '--out', 'out.obj'],
    files: { 'm.obj': mesh, 't.obj': text },
    exit,
    ...extra,
  });
  return [
    c('truncated', target.slice(0, Math.floor(target.length / 2))),
    c('fewer-vertices', small),
    c('nan', replaceFirst(target, 'v ', 'v nan nan 0')),
    c('collapsed', collapsed),
    c('binary', noise(4096, 7)),
    c('self-intersecting', swapped.join('\n'), [1, 2]),
    c('mirrored', mirrored, [0, 1, 2]),
    { name: 'target-missing', group: 'target', args: ['embed', 'm.obj', '--target', 'nope.obj', '--out', 'out.obj'], files: { 'm.obj': mesh }, exit: [1], mention: 'nope.obj' },
  ];
}

function qpCases(): HostileCase[] {
  const c = (name: string, text: string | Uint8Array, exit: readonly number[] = [1], extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `qp-${name}`,
    group: 'qp',
    args: ['solve', 'q.json'],
    files: { 'q.json': text },
    exit,
    ...extra,
  });
  const huge = 2e9;
  return [
    c('empty', ''),
    c('truncated', GOOD_QP.slice(0, Math.floor(GOOD_QP.length / 2))),
    c('not-an-object', '[1, 2, 3]'),
    c('binary', noise(2048, 3)),
    c('huge-shape-coo', JSON.stringify({ P: { format: 'coo', shape: [huge, huge], row: [], col: [], val: [] }, q: [1] })),
    c('huge-shape-dense', JSON.stringify({ P: { format: 'dense', shape: [huge, huge], data: [[1]] }, q: [1] })),
    c('huge-C-rows', qpWith({ C: { format: 'coo', shape: [huge, 2], row: [0], col: [0], val: [1] }, d: [1] })),
    c('huge-shape-matching', JSON.stringify({ P: { format: 'coo', shape: [huge, huge], row: [0], col: [0], val: [1] }, q: [1] })),
    c('nan-string', qpWith({ q: ['nan', 1] })),
    c('nan-literal', GOOD_QP.replace('"q":[1,', '"q":[NaN,')),
    c('overflow-number', GOOD_QP.replace('"q":[1,', '"q":[1e999,')),
    c('index-out-of-range', qpWith({ P: { format: 'coo', shape: [2, 2], row: [0, 5], col: [0, 1], val: [1, 1] } })),
    c('index-negative', qpWith({ P: { format: 'coo', shape: [2, 2], row: [0, -1], col: [0, 1], val: [1, 1] } })),
    c('index-fractional', qpWith({ P: { format: 'coo', shape: [2, 2], row: [0, 0.5], col: [0, 1], val: [1, 1] } })),
    c('shape-negative', qpWith({ P: { format: 'dense', shape: [-2, 2], data: [[1, 0], [0, 1]] } })),
    c('shape-fractional', qpWith({ P: { format: 'dense', shape: [1.5, 2], data: [[1, 0], [0, 1]] } })),
    c('dense-ragged', qpWith({ P: { format: 'dense', shape: [2, 2], data: [[1, 0], [0]] } })),
    c('missing-q', JSON.stringify({ P: { format: 'dense', shape: [1, 1], data: [[1]] } }), [1], { mention: 'q' }),
    c('b-without-A', qpWith({ b: [1] })),
    c('d-length-mismatch', qpWith({ d: [1, 2, 3] })),
    c('unknown-key', qpWith({ Q: [1] }), [1], { mention: 'Q' }),
    c('long-number-token', GOOD_QP.replace('"q":[1,', `"q":[1${'1'.repeat(5_000_000)},`)),
    c('deep-nesting', '['.repeat(1_000_000)),
    c('bom', `\uFEFF${GOOD_QP}`, [0, 1]),
    c('lb-above-ub', qpWith({ lb: [1, 1], ub: [0, 0] }), [1, 2]),
    c('infeasible', qpWith({ C: { format: 'dense', shape: [2, 2], data: [[1, 0], [-1, 0]] }, d: [-1, -1] }), [2]),
    c('unbounded', JSON.stringify({ P: { format: 'dense', shape: [2, 2], data: [[0, 0], [0, 0]] }, q: [1, 0] }), [2]),
    { name: 'qp-is-directory', group: 'qp', args: ['solve', 'adir'], dirs: ['adir'], exit: [1], mention: 'adir' },
    { name: 'qp-missing', group: 'qp', args: ['solve', 'nope.json'], exit: [1], mention: 'nope.json' },
    c('ok', GOOD_QP, [0], { json: 'json', check: solvedTo(QP_Z) }),
  ];
}

function matrixCases(): HostileCase[] {
  const head = '%%MatrixMarket matrix coordinate real symmetric\n';
  const c = (name: string, text: string | Uint8Array, exit: readonly number[] = [1]): HostileCase => ({
    name: `mtx-${name}`,
    group: 'matrix',
    args: ['bench', 'ldl', '--matrix', 'a.mtx'],
    files: { 'a.mtx': text },
    exit,
  });
  return [
    c('truncated', `${head}3 3 4\n1 1 4\n2 1`),
    c('huge-declared', `${head}2000000000 2000000000 1\n1 1 1\n`),
    c('huge-nnz', `${head}3 3 1000000000000\n1 1 1\n`),
    c('index-out-of-range', `${head}3 3 1\n4 1 1\n`),
    c('nan', `${head}1 1 1\n1 1 nan\n`),
    c('bad-header', '%%MatrixMarket matrix array complex general\n1 1\n1 0\n'),
    c('not-square', '%%MatrixMarket matrix coordinate real general\n2 3 1\n1 1 1\n'),
    c('binary', noise(1024, 5)),
    c('ok', GOOD_MTX, [0]),
    { name: 'mtx-missing', group: 'matrix', args: ['bench', 'ldl', '--matrix', 'nope.mtx'], exit: [1], mention: 'nope.mtx' },
  ];
}

function diagnoseCases(): HostileCase[] {
  const c = (name: string, file: string, text: string | Uint8Array, exit: readonly number[] = [1]): HostileCase => ({
    name: `diagnose-${name}`,
    group: 'diagnose',
    args: ['diagnose', file],
    files: { [file]: text },
    exit,
  });
  return [
    c('fake-mat', 'x.mat', noise(4096, 11)),
    c('fake-npz', 'x.npz', noise(4096, 13)),
    c('truncated-npz', 'x.npz', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0])),
    c('empty-mat', 'x.mat', ''),
    c('huge-shape-json', 'x.json', JSON.stringify({ P: { format: 'coo', shape: [2e9, 2e9], row: [], col: [], val: [] }, q: [1] })),
    { name: 'diagnose-missing', group: 'diagnose', args: ['diagnose', 'nope.json'], exit: [1], mention: 'nope.json' },
  ];
}

function outputCases(): HostileCase[] {
  const { mesh, target } = crossObj();
  const m = { 'm.obj': mesh };
  const e = (name: string, args: readonly string[], extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `output-${name}`,
    group: 'output',
    args: ['embed', 'm.obj', ...args],
    files: m,
    exit: [1],
    ...extra,
  });
  const slowEmbed = (name: string, args: readonly string[], extra: Partial<HostileCase> = {}): HostileCase => ({
    name: `output-${name}`,
    group: 'output',
    args: [...SLOW.embed, ...args],
    exit: [1],
    ...extra,
  });
  const q = { 'q.json': GOOD_QP };
  return [
    // collisions: an output onto an input or another output, directly or through a link
    e('svg-is-mesh', ['--svg', 'm.obj'], { mention: '--svg' }),
    e('out-is-mesh', ['--out', 'm.obj'], { mention: '--out' }),
    e('out-is-target', ['--target', 't.obj', '--out', 't.obj'], { files: { ...m, 't.obj': target }, mention: '--out' }),
    e('loss-svg-is-mesh', ['--out', 'o.obj', '--loss-svg', 'm.obj'], { mention: '--loss-svg' }),
    e('loss-svg-is-out', ['--out', 'o.obj', '--loss-svg', 'o.obj'], { mention: '--loss-svg' }),
    e('svg-is-out', ['--out', 'o.obj', '--svg', 'o.obj'], { mention: '--svg' }),
    e('out-symlink-to-mesh', ['--out', 'link.obj'], { symlinks: { 'link.obj': 'm.obj' } }),
    e('out-through-folder-link', ['--out', 'here/m.obj'], { symlinks: { here: '.' } }),
    e('out-is-target-through-link', ['--target', 't.obj', '--out', 'tl.obj'], { files: { ...m, 't.obj': target }, symlinks: { 'tl.obj': 't.obj' } }),
    { name: 'output-refine-csv-is-svg', group: 'output', args: [...SLOW.refine, '--csv', 'x', '--svg', 'x'], exit: [1], mention: '--svg' },
    { name: 'output-simplex-csv-is-svg', group: 'output', args: [...SLOW.simplex, '--csv', 'x', '--svg', 'x'], exit: [1], mention: '--svg' },
    { name: 'output-diagnose-svg-is-input', group: 'output', args: ['diagnose', 'q.json', '--svg', 'q.json'], files: q, exit: [1], mention: '--svg' },
    // unwritable or impossible outputs: refused before the work (the slow runs would take minutes)
    slowEmbed('embed-out-unwritable', ['--out', `${UNWRITABLE}.obj`], { mention: '--out' }),
    slowEmbed('embed-out-is-folder', ['--out', 'adir'], { dirs: ['adir'], mention: '--out' }),
    slowEmbed('embed-out-under-a-file', ['--out', 'afile/o.obj'], { files: { afile: 'not a folder\n' }, mention: '--out' }),
    slowEmbed('embed-svg-unwritable', ['--out', 'ok.obj', '--svg', `${UNWRITABLE}.svg`], { mention: '--svg' }),
    slowEmbed('embed-loss-svg-unwritable', ['--out', 'ok.obj', '--loss-svg', `${UNWRITABLE}.svg`], { mention: '--loss-svg' }),
    slowEmbed('embed-out-readonly-folder', ['--out', 'ro/o.obj'], { dirs: ['ro'], chmod: { ro: 0o555 }, needsNonRoot: true, mention: '--out' }),
    { name: 'output-refine-csv-unwritable', group: 'output', args: [...SLOW.refine, '--csv', `${UNWRITABLE}.csv`], exit: [1], mention: '--csv' },
    { name: 'output-refine-svg-unwritable', group: 'output', args: [...SLOW.refine, '--svg', `${UNWRITABLE}.svg`], exit: [1], mention: '--svg' },
    { name: 'output-sudoku-svg-unwritable', group: 'output', args: [...SLOW.sudoku, '--svg', `${UNWRITABLE}.svg`], exit: [1], mention: '--svg' },
    { name: 'output-simplex-csv-unwritable', group: 'output', args: [...SLOW.simplex, '--csv', `${UNWRITABLE}.csv`], exit: [1], mention: '--csv' },
    { name: 'output-simplex-svg-is-folder', group: 'output', args: [...SLOW.simplex, '--svg', 'adir'], dirs: ['adir'], exit: [1], mention: '--svg' },
    { name: 'output-mpc-csv-unwritable', group: 'output', args: ['bench', 'mpc', '--solver', 'ipm', '--csv', `${UNWRITABLE}.csv`], exit: [1], mention: '--csv' },
    { name: 'output-diagnose-svg-unwritable', group: 'output', args: ['diagnose', 'q.json', '--svg', `${UNWRITABLE}.svg`], files: q, exit: [1], mention: '--svg' },
    // bad input never touches an existing output
    {
      name: 'output-kept-on-bad-input',
      group: 'output',
      args: ['embed', 'bad.obj', '--out', 'keep.obj'],
      files: { 'bad.obj': 'v 0 0 0\nf 1 2 3\n', 'keep.obj': mesh, 'keep.svg': '<svg/>\n' },
      exit: [1],
    },
  ];
}

function convexityCases(solvers: readonly string[]): HostileCase[] {
  const problems: Record<string, string> = {
    // a saddle: P = diag(1, −1), no constraints
    saddle: JSON.stringify({ P: { format: 'dense', shape: [2, 2], data: [[1, 0], [0, -1]] }, q: [0, 0] }),
    // the same inside a box (bounded, still not convex)
    'saddle-box': JSON.stringify({ P: { format: 'dense', shape: [2, 2], data: [[1, 0], [0, -1]] }, q: [0.1, 0.1], lb: [-1, -1], ub: [1, 1] }),
    // concave on the plane Σz = 1
    'concave-on-plane': JSON.stringify({
      P: { format: 'dense', shape: [3, 3], data: [[-1, 0, 0], [0, -1, 0], [0, 0, -1]] },
      q: [0, 0, 0],
      A: { format: 'dense', shape: [1, 3], data: [[1, 1, 1]] },
      b: [1],
      lb: [-5, -5, -5],
      ub: [5, 5, 5],
    }),
  };
  return solvers.flatMap((solver) =>
    Object.entries(problems).map(([name, text]): HostileCase => ({
      name: `convexity-${name}-${solver}`,
      group: 'convexity',
      args: ['solve', 'q.json', '--solver', solver],
      files: { 'q.json': text },
      exit: [2],
      json: 'json',
      check: nonConvex,
    })),
  );
}

function unitCases(): HostileCase[] {
  const embed = (name: string, scale: number, offset = 0): HostileCase => ({
    name: `units-${name}`,
    group: 'units',
    args: ['embed', 'm.obj', '--out', 'out.obj'],
    files: { 'm.obj': crossObj(scale, offset).mesh },
    exit: [0],
    json: 'json',
    check: certified,
  });
  const solve = (name: string, text: string, z: readonly number[], extra: readonly string[] = []): HostileCase => ({
    name: `units-${name}`,
    group: 'units',
    args: ['solve', 'q.json', ...extra],
    files: { 'q.json': text },
    exit: [0],
    json: 'json',
    check: solvedTo(z),
  });
  return [
    embed('mesh-micro', 1e-6),
    embed('mesh-mega', 1e6),
    embed('mesh-offset', 1, 1e5),
    solve('objective-1e8', qpJson({ objective: 1e8 }), QP_Z),
    // solver tolerances are absolute (README): an objective scaled by 1e-8 takes --eps-abs scaled
    // likewise (at the default 1e-9 the ipm stops, correctly, at dual residual 3e-11 with z 6 % off)
    solve('objective-1e-8', qpJson({ objective: 1e-8 }), QP_Z, ['--eps-abs', '1e-15']),
    solve('variables-1e4', qpJson({ variable: 1e4 }), QP_Z.map((z) => z / 1e4)),
    solve('variables-1e-4', qpJson({ variable: 1e-4 }), QP_Z.map((z) => z / 1e-4)),
    solve('row-1e8', qpJson({ row: 1e8 }), QP_Z),
  ];
}

function flagCases(): HostileCase[] {
  const f = (command: readonly string[], flag: string, value: string, files: Record<string, string> = {}): HostileCase => ({
    name: `flags-${command[command.length - 1] === 'q.json' ? command[0] : command.join('-')}${flag}=${value || "''"}`,
    group: 'flags',
    args: [...command, flag, value],
    files,
    exit: [1],
    mention: flag,
  });
  const q = { 'q.json': GOOD_QP };
  const embed = ['embed'];
  const solve = ['solve', 'q.json'];
  const refine = ['refine'];
  const sudoku = ['sudoku'];
  const simplex = ['bench', 'simplex'];
  const diagnose = ['diagnose', 'q.json'];
  return [
    ...['1e100', '-1', '0', 'NaN', 'Infinity', 'abc'].map((v) => f(embed, '--lr', v)),
    ...['-5', '1.5', 'NaN'].map((v) => f(embed, '--max-iter', v)),
    ...['NaN', '-1', '0'].map((v) => f(embed, '--time-limit', v)),
    ...['-1', 'NaN'].map((v) => f(embed, '--reg', v)),
    ...['-1', '0', 'NaN'].map((v) => f(embed, '--eps-abs', v)),
    ...['nosuch', ''].map((v) => f(embed, '--solver', v)),
    ...['-1', 'NaN', 'Infinity'].map((v) => f(solve, '--eps-active', v, q)),
    ...['-1', 'NaN'].map((v) => f(solve, '--eps-abs', v, q)),
    f(solve, '--eps-rel', '-1', q),
    f(solve, '--solver', 'nosuch', q),
    f(solve, '--linear-solver', 'bogus', q),
    ...['-1', '0', 'NaN', '1e100', '1.5'].map((v) => f(refine, '--max-vertices', v)),
    ...['NaN', '-1'].map((v) => f(refine, '--time-limit', v)),
    f(refine, '--max-iter', '-1'),
    ...['-1', 'NaN', '1e100'].map((v) => f(sudoku, '--train', v)),
    f(sudoku, '--test', '-1'),
    ...['-1', '1e100'].map((v) => f(sudoku, '--epochs', v)),
    ...['NaN', '1e100'].map((v) => f(sudoku, '--lr', v)),
    ...['-1', 'NaN'].map((v) => f(sudoku, '--init-scale', v)),
    f(sudoku, '--seed', 'NaN'),
    ...['-5', '1e12', 'abc'].map((v) => f(simplex, '--sizes', v)),
    ...['-1', 'NaN', '1e100'].map((v) => f(simplex, '--samples', v)),
    ...['NaN', '-1'].map((v) => f(simplex, '--time-limit', v)),
    f(simplex, '--eps-active', '-1'),
    f(simplex, '--eps-abs', 'NaN'),
    f(simplex, '--solver', 'nosuch'),
    ...['-1', 'NaN'].map((v) => f(diagnose, '--eps', v, q)),
    f(diagnose, '--eps-active', '-1', q),
    f(diagnose, '--time-limit', 'NaN', q),
    f(diagnose, '--seed', 'NaN', q),
    f(diagnose, '--reference', 'nosuch', q),
    { name: 'flags-bench-unknown-suite', group: 'flags', args: ['bench', 'nosuch'], exit: [1], mention: 'nosuch' },
    { name: 'flags-embed-unknown-flag', group: 'flags', args: ['embed', '--frobnicate', '1'], exit: [1], mention: 'frobnicate' },
    { name: 'flags-unknown-command', group: 'flags', args: ['frobnicate'], exit: [1], mention: 'frobnicate' },
  ];
}

/** Every case; `solvers` are the registered QP solvers (the convexity cases run each). */
export function hostileCases(solvers: readonly string[]): HostileCase[] {
  const all = [...meshCases(), ...targetCases(), ...qpCases(), ...matrixCases(), ...diagnoseCases(), ...outputCases(), ...convexityCases(solvers), ...unitCases(), ...flagCases()];
  const seen = new Set<string>();
  for (const c of all) {
    if (seen.has(c.name)) throw new Error(`duplicate hostile case name ${c.name}`);
    seen.add(c.name);
  }
  return all;
}
