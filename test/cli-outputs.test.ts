/**
 * The command line as a contract, run as child processes (`node bin/dqp.js …` in a temporary
 * working directory): path collisions and unusable output locations are refused before any
 * work, outputs are written all-or-nothing, --json prints exactly one stdout line (the result or
 * the error object), --version, hostile flag values named as typed, refine --sizes.
 *
 * "Before any work" is observed, not timed: without --quiet the embedding loop prints one
 * progress line per iteration ("iter …") and refine one line per size ("k = …"); a refused run
 * has none of them, and leaves no file behind.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unitSquareGrid } from '../geometry/examples/grid.ts';
import { writeObj } from '../geometry/obj-write.ts';
import { FileAccessError, OutputCollisionError } from '../optimizer/errors.ts';
import { prepareOutputs } from '../report/outputs.ts';
import { dqp, repo, type Run } from './cli-run.ts';

const tmpRoot = mkdtempSync(join(tmpdir(), 'dqp-outputs-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

function freshDir(): string {
  return mkdtempSync(join(tmpRoot, 'case-'));
}

/** Every entry below `dir` (relative paths, sorted). */
function listing(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort();
}

/** stdout is exactly one line holding one JSON object; returns it. */
function onlyJsonLine(stdout: string): Record<string, unknown> {
  expect(stdout.endsWith('\n'), `stdout: ${stdout.slice(0, 300)}`).toBe(true);
  expect(stdout.indexOf('\n'), `stdout has more than one line: ${stdout.slice(0, 300)}`).toBe(stdout.length - 1);
  const v = JSON.parse(stdout) as unknown;
  expect(typeof v === 'object' && v !== null && !Array.isArray(v)).toBe(true);
  return v as Record<string, unknown>;
}

/** A 4×4 grid OBJ whose vt on the boundary are the unit square itself (a valid, tiny input). */
function tinyMesh(): string {
  const g = unitSquareGrid(4);
  const VT = new Float64Array(2 * g.nv);
  for (let v = 0; v < g.nv; v++) {
    VT[2 * v] = g.V[2 * v]!;
    VT[2 * v + 1] = g.V[2 * v + 1]!;
  }
  return writeObj(g.V, 2, g.F, { VT });
}

/** A refused run: exit 1, a typed one-line message (no stack trace), the loop never started. */
function expectRefused(r: Run, ...phrases: (string | RegExp)[]): void {
  expect(r.code, r.stderr).toBe(1);
  for (const p of phrases) {
    if (typeof p === 'string') expect(r.stderr).toContain(p);
    else expect(r.stderr).toMatch(p);
  }
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/^iter /m); // embed: no iteration ran
  expect(r.stderr).not.toMatch(/^k = /m); // refine: no size ran
}

// ---------------------------------------------------------------------------------------------
// collisions
// ---------------------------------------------------------------------------------------------

describe.concurrent('an output that names an input or another output is refused before the work', () => {
  it('embed m.obj --svg m.obj: the mesh is untouched, message names --svg and MESH', async () => {
    const cwd = freshDir();
    const mesh = tinyMesh();
    writeFileSync(join(cwd, 'm.obj'), mesh);
    const r = await dqp(['embed', 'm.obj', '--svg', 'm.obj'], cwd);
    expectRefused(r, 'OutputCollisionError', '--svg m.obj', 'MESH m.obj');
    expect(readFileSync(join(cwd, 'm.obj'), 'utf8')).toBe(mesh);
    expect(listing(cwd)).toEqual(['m.obj']);
  });

  it('embed m.obj --out link.obj where link.obj → m.obj (symbolic link)', async () => {
    const cwd = freshDir();
    const mesh = tinyMesh();
    writeFileSync(join(cwd, 'm.obj'), mesh);
    symlinkSync('m.obj', join(cwd, 'link.obj'));
    const r = await dqp(['embed', 'm.obj', '--out', 'link.obj'], cwd);
    expectRefused(r, '--out link.obj', 'MESH m.obj', 'symbolic link');
    expect(readFileSync(join(cwd, 'm.obj'), 'utf8')).toBe(mesh);
    expect(listing(cwd)).toEqual(['link.obj', 'm.obj']);
  });

  it('embed through a linked folder: --out sub/m.obj where sub → .', async () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'm.obj'), tinyMesh());
    symlinkSync('.', join(cwd, 'sub'));
    const r = await dqp(['embed', 'm.obj', '--out', 'sub/m.obj'], cwd);
    expectRefused(r, '--out sub/m.obj', 'MESH m.obj');
  });

  it('embed --out equal to --target', async () => {
    const cwd = freshDir();
    const mesh = tinyMesh();
    writeFileSync(join(cwd, 'm.obj'), mesh);
    writeFileSync(join(cwd, 't.obj'), mesh);
    const r = await dqp(['embed', 'm.obj', '--target', 't.obj', '--out', './t.obj'], cwd);
    expectRefused(r, '--out ./t.obj', '--target t.obj');
    expect(readFileSync(join(cwd, 't.obj'), 'utf8')).toBe(mesh);
  });

  it('embed --loss-svg equal to --out, and --svg equal to --out', async () => {
    const cwd = freshDir();
    const a = await dqp(['embed', '--out', 'a.obj', '--loss-svg', 'a.obj'], cwd);
    expectRefused(a, '--loss-svg a.obj', '--out a.obj');
    const b = await dqp(['embed', '--out', 'a.svg'], cwd); // the default --svg is a.svg too
    expectRefused(b, '--svg a.svg', '--out a.svg');
    expect(listing(cwd)).toEqual([]);
  });

  it('refine --csv x --svg x', async () => {
    const cwd = freshDir();
    const r = await dqp(['refine', '--max-vertices', '9', '--csv', 'x', '--svg', 'x'], cwd);
    expectRefused(r, '--svg x', '--csv x');
    expect(listing(cwd)).toEqual([]);
  });

  it('bench --csv and --svg naming one file, bench ldl --csv naming --matrix', async () => {
    const cwd = freshDir();
    const r = await dqp(['bench', 'simplex', '--sizes', '10', '--samples', '1', '--csv', 'b.csv', '--svg', './b.csv'], cwd);
    expectRefused(r, '--svg ./b.csv', '--csv b.csv');
    expect(r.stdout).toBe('');
    const mtx = '%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 4\n2 2 5\n';
    writeFileSync(join(cwd, 'k.mtx'), mtx);
    const l = await dqp(['bench', 'ldl', '--matrix', 'k.mtx', '--csv', 'k.mtx'], cwd);
    expectRefused(l, '--csv k.mtx', '--matrix k.mtx');
    expect(readFileSync(join(cwd, 'k.mtx'), 'utf8')).toBe(mtx);
    expect(listing(cwd)).toEqual(['k.mtx']);
  });

  it('diagnose FILE --svg FILE', async () => {
    const cwd = freshDir();
    const qp = JSON.stringify({ P: { format: 'dense', shape: [1, 1], data: [[1]] }, q: [1] });
    writeFileSync(join(cwd, 'q.json'), qp);
    const r = await dqp(['diagnose', 'q.json', '--svg', 'q.json'], cwd);
    expectRefused(r, '--svg q.json', 'FILE q.json');
    expect(readFileSync(join(cwd, 'q.json'), 'utf8')).toBe(qp);
  });
});

// ---------------------------------------------------------------------------------------------
// output locations
// ---------------------------------------------------------------------------------------------

describe.concurrent('an unusable output location is found before the work, and nothing is written', () => {
  it('a folder that does not exist', async () => {
    const cwd = freshDir();
    const r = await dqp(['embed', '--svg', 'nodir/x.svg'], cwd);
    expectRefused(r, 'FileAccessError', '--svg nodir/x.svg', 'nodir does not exist');
    expect(listing(cwd)).toEqual([]); // not even the default outputs/ folder
  });

  it('a folder that is a file, and an output that is a folder', async () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'plain'), 'x');
    mkdirSync(join(cwd, 'dir'));
    const a = await dqp(['embed', '--out', 'plain/m.obj'], cwd);
    expectRefused(a, '--out plain/m.obj', 'not a folder');
    const b = await dqp(['refine', '--max-vertices', '9', '--csv', 'dir'], cwd);
    expectRefused(b, '--csv dir', 'is a folder');
    expect(listing(cwd)).toEqual(['dir', 'plain']);
  });

  it('a folder that accepts no new file (/proc, even for root)', async () => {
    const cwd = freshDir();
    const r = await dqp(['sudoku', '--train', '5', '--test', '2', '--epochs', '1', '--svg', '/proc/dqp-test.svg'], cwd);
    expectRefused(r, '--svg /proc/dqp-test.svg', 'cannot create a file');
    expect(r.stderr).not.toMatch(/^epoch /m); // training never started
  });

  it('all or nothing: --out in a good place, --svg in a bad one → exit 1, no OBJ, an old OBJ unchanged', async () => {
    const cwd = freshDir();
    const r = await dqp(['embed', '--out', 'ok.obj', '--svg', '/proc/dqp-test.svg'], cwd);
    expectRefused(r, '--svg /proc/dqp-test.svg');
    expect(listing(cwd)).toEqual([]);
    writeFileSync(join(cwd, 'ok.obj'), 'previous result\n');
    const again = await dqp(['embed', '--out', 'ok.obj', '--loss-svg', 'missing/l.svg'], cwd);
    expectRefused(again, '--loss-svg missing/l.svg');
    expect(readFileSync(join(cwd, 'ok.obj'), 'utf8')).toBe('previous result\n');
    expect(listing(cwd)).toEqual(['ok.obj']);
  });

  it('a missing input is named with its flag', async () => {
    const cwd = freshDir();
    writeFileSync(join(cwd, 'm.obj'), tinyMesh());
    const r = await dqp(['embed', 'm.obj', '--target', 'gone.obj'], cwd);
    expectRefused(r, '--target gone.obj', 'not found');
    const d = await dqp(['bench', 'ldl', '--matrix', 'gone.mtx'], cwd);
    expectRefused(d, '--matrix gone.mtx', 'not found');
    expect(listing(cwd)).toEqual(['m.obj']);
  });
});

describe('OutputPlan.commit: a failing rename restores every output (in-process)', () => {
  it('the first output gets its previous content back, the new one is removed, no temporary is left', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a.txt'), 'old a');
    const plan = prepareOutputs({
      inputs: [],
      outputs: [
        { flag: '--a', path: join(dir, 'a.txt') },
        { flag: '--b', path: join(dir, 'b.txt') },
        { flag: '--c', path: join(dir, 'c.txt') },
      ],
    });
    plan.write('--a', 'new a');
    plan.write('--b', 'new b');
    plan.write('--c', 'new c');
    // after the checks, c.txt becomes a non-empty folder: its rename must fail
    mkdirSync(join(dir, 'c.txt'));
    writeFileSync(join(dir, 'c.txt', 'keep'), 'k');
    let err: unknown;
    try {
      plan.commit();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FileAccessError);
    expect((err as FileAccessError).flag).toBe('--c');
    expect((err as Error).message).toMatch(/no output was written/);
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('old a');
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
    expect(listing(dir)).toEqual(['a.txt', 'c.txt', join('c.txt', 'keep')]);
  });

  it('commit replaces all outputs on success; collisions are typed errors naming both flags', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'a.txt'), 'old a');
    const plan = prepareOutputs({ outputs: [{ flag: '--a', path: join(dir, 'a.txt') }, { flag: '--b', path: join(dir, 'b.txt') }] });
    plan.write('--a', 'new a');
    plan.write('--b', 'new b');
    plan.commit();
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('new a');
    expect(readFileSync(join(dir, 'b.txt'), 'utf8')).toBe('new b');
    expect(listing(dir)).toEqual(['a.txt', 'b.txt']);
    let err: unknown;
    try {
      prepareOutputs({ inputs: [{ flag: 'MESH', path: join(dir, 'a.txt') }], outputs: [{ flag: '--out', path: join(dir, '.', 'a.txt') }] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutputCollisionError);
    expect([(err as OutputCollisionError).flag, (err as OutputCollisionError).otherFlag]).toEqual(['--out', 'MESH']);
  });
});

// ---------------------------------------------------------------------------------------------
// --json, --version, flags
// ---------------------------------------------------------------------------------------------

describe.concurrent('--json: stdout is exactly one JSON line', () => {
  it('on success (embed with progress and summary, which go to stderr)', async () => {
    const cwd = freshDir();
    const r = await dqp(['embed', '--max-iter', '2', '--json'], cwd);
    expect(r.code).toBe(2); // not converged in 2 steps
    const j = onlyJsonLine(r.stdout);
    expect(j.iterations).toBe(2);
    expect(j.converged).toBe(false);
    expect(r.stderr).toMatch(/^iter +0 /m);
    expect(r.stderr).toContain('NOT certified');
    expect(existsSync(join(cwd, 'outputs', 'cross.obj'))).toBe(true);
  });

  it('on success (solvers)', async () => {
    const r = await dqp(['solvers', '--json'], freshDir());
    expect(r.code).toBe(0);
    const j = onlyJsonLine(r.stdout);
    expect((j.solvers as { name: string }[]).map((s) => s.name)).toContain('ipm');
  });

  it('on failure: {"error": {type, message, exitCode}}, the message on stderr too', async () => {
    const cwd = freshDir();
    const r = await dqp(['embed', '--lr', '1e100', '--json'], cwd);
    expect(r.code).toBe(1);
    const e = onlyJsonLine(r.stdout).error as Record<string, unknown>;
    expect(e).toEqual({ type: 'InputError', message: '--lr: expected a positive number ≤ 10, found 1e100', exitCode: 1 });
    expect(r.stderr).toContain('--lr: expected a positive number ≤ 10, found 1e100');
    const u = await dqp(['solve', 'x.json', '--json', '--bogus-flag'], cwd);
    expect(u.code).toBe(1);
    const ue = onlyJsonLine(u.stdout).error as Record<string, unknown>;
    expect(ue.type).toBe('UsageError');
    expect(ue.message).toMatch(/bogus-flag/);
    const c = await dqp(['refine', '--csv', 'x', '--svg', 'x', '--json'], cwd);
    expect((onlyJsonLine(c.stdout).error as Record<string, unknown>).type).toBe('OutputCollisionError');
    expect(listing(cwd)).toEqual([]);
  });
});

describe.concurrent('--version and hostile flag values', () => {
  it('dqp --version prints the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const r = await dqp(['--version'], freshDir());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  const cases: [string[], string, string][] = [
    [['embed', '--lr', '1e100'], '--lr', 'a positive number ≤ 10, found 1e100'],
    [['embed', '--lr', '0'], '--lr', 'found 0'],
    [['embed', '--reg', 'NaN'], '--reg', 'found NaN'],
    [['embed', '--max-iter', '1.5'], '--max-iter', 'an integer in [0, 10000000], found 1.5'],
    [['embed', '--time-limit', 'soon'], '--time-limit', 'found soon'],
    [['embed', '--eps-abs', '-1'], '--eps-abs', 'found -1'],
    [['refine', '--max-vertices', 'Infinity'], '--max-vertices', 'found Infinity'],
    [['solve', 'x.json', '--eps-active', '-1'], '--eps-active', 'a positive number ≤ 1, found -1'],
    [['solve', 'x.json', '--eps-rel', '2'], '--eps-rel', 'found 2'],
    [['bench', 'simplex', '--samples', '0'], '--samples', 'found 0'],
    [['bench', 'simplex', '--sizes', '10,abc'], '--sizes', 'abc'],
    [['bench', 'dense', '--time-limit', '1e300'], '--time-limit', 'found 1e300'],
    [['sudoku', '--train', '1e9'], '--train', 'found 1e9'],
    [['diagnose', 'x.json', '--eps', '1e-3,0'], '--eps', '"0"'],
  ];
  it.each(cases)('%j names %s', async (args, flag, phrase) => {
    const r = await dqp(args, freshDir());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${flag}: expected`);
    expect(r.stderr).toContain(phrase);
    expect(r.stderr).not.toMatch(/options\.|epsActive|timeLimit|maxIter|\n\s+at /);
  });
});

// ---------------------------------------------------------------------------------------------
// refine --sizes
// ---------------------------------------------------------------------------------------------

describe.concurrent('refine --sizes', () => {
  it('runs only the chosen grids, in the given order, within --max-vertices', async () => {
    const cwd = freshDir();
    const r = await dqp(['refine', '--sizes', '4,3', '--json', '--quiet', '--csv', 'r.csv'], cwd);
    expect(r.code, r.stderr).toBe(0);
    const rows = onlyJsonLine(r.stdout).rows as Record<string, number>[];
    expect(rows.map((x) => [x.N, x.vertices])).toEqual([
      [4, 16],
      [3, 9],
    ]);
    expect(rows.map((x) => x.k)).toEqual([1.2, 1]); // log10(N²), one decimal
    const csv = readFileSync(join(cwd, 'r.csv'), 'utf8').trim().split('\n');
    expect(csv.map((l) => l.split(',')[1])).toEqual(['N', '4', '3']);
    const capped = await dqp(['refine', '--sizes', '3,5', '--max-vertices', '20', '--json', '--quiet'], cwd);
    expect((onlyJsonLine(capped.stdout).rows as Record<string, number>[]).map((x) => x.N)).toEqual([3]);
  });

  it.each([['2'], ['3,,4'], ['3.5'], ['x'], ['']])('rejects --sizes %j naming the flag', async (v) => {
    const r = await dqp(['refine', '--sizes', v], freshDir());
    expectRefused(r, '--sizes: expected');
  });

  it('rejects a list whose sizes are all above --max-vertices', async () => {
    const r = await dqp(['refine', '--sizes', '5', '--max-vertices', '20'], freshDir());
    expectRefused(r, '--sizes: expected at least one grid size');
  });
});
