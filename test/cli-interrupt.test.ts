/**
 * Stopping long commands (cli/interrupt.ts): SIGINT / SIGTERM / SIGKILL sent to `node bin/dqp.js …`
 * child processes once they print progress, and --time-limit. Every run writes into its own
 * temporary folder; the checks: exit status, the stopReason / interrupted flags of the JSON, the
 * output files (complete and parsable, or absent) and no `.NAME.PID.TIME.tmp` left behind.
 *
 * A slow embedding that keeps printing progress: the built-in cross with --lr 1e-7 (Adam barely
 * moves the weights, so the loop would run to --max-iter 100000, about a minute).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readObjFile } from '../geometry/obj-read.ts';
import { itData } from './data.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(repo, 'bin', 'dqp.js');
const fixture = join(repo, 'test', 'cli-interrupt-fixture.ts');
const tmpRoot = mkdtempSync(join(tmpdir(), 'dqp-interrupt-'));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));

const SLOW_EMBED = ['embed', '--lr', '1e-7', '--max-iter', '100000'];
/** the first progress line of an outer iteration */
const ITERATION_LINE = /^iter\s+\d+/m;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running child: its output so far, a wait for a pattern, and its exit. */
class Child {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  private readonly proc: ChildProcess;
  private readonly watchers: (() => void)[] = [];

  constructor(args: string[], cwd: string) {
    this.proc = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d;
      this.notify();
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d;
      this.notify();
    });
    // never leave a child behind if a test fails before it ends
    const guard = setTimeout(() => this.proc.kill('SIGKILL'), 90_000);
    this.exited = new Promise((res) =>
      this.proc.on('close', (code, signal) => {
        clearTimeout(guard);
        this.notify();
        res({ code, signal, stdout: this.stdout, stderr: this.stderr });
      }),
    );
  }

  private notify(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Resolve once `stream` matches `re`; reject if the child ends first. */
  waitFor(re: RegExp, stream: 'stdout' | 'stderr' = 'stderr'): Promise<void> {
    return new Promise((res, rej) => {
      const check = () => {
        if (re.test(this[stream])) {
          this.watchers.splice(this.watchers.indexOf(check), 1);
          res();
        } else if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
          this.watchers.splice(this.watchers.indexOf(check), 1);
          rej(new Error(`the child ended before ${re} appeared on ${stream}:\n${this.stderr.slice(-2000)}\n${this.stdout.slice(-2000)}`));
        }
      };
      this.watchers.push(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }
}

const dqp = (args: string[], cwd: string) => new Child([bin, ...args], cwd);

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
}

/** An empty working directory with an empty folder out/ (a folder named by --out must exist). */
function freshDir(): string {
  const d = mkdtempSync(join(tmpRoot, 'case-'));
  mkdirSync(join(d, 'out'));
  return d;
}

/** Every file below `dir` whose name ends in .tmp (writeFileAtomic's temporaries). */
function temporaries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.tmp'));
}

/** The exit status a shell would report: 128 + signal number when killed by a signal. */
function shellStatus(e: Exit): number | null {
  if (e.code !== null) return e.code;
  return e.signal === 'SIGINT' ? 130 : e.signal === 'SIGTERM' ? 143 : e.signal === 'SIGKILL' ? 137 : null;
}

/** The cross example's OBJ: complete (169 vertices, 288 triangles). */
function expectCompleteCrossObj(path: string): void {
  const obj = readObjFile(path);
  expect(obj.nv).toBe(169);
  expect(obj.F.length).toBe(3 * 288);
  for (let i = 0; i < obj.V.length; i++) expect(Number.isFinite(obj.V[i]!)).toBe(true);
}

describe('dqp embed, interrupted', () => {
  it('SIGINT after the first iteration: exit 130, stopReason "interrupted", the OBJ/SVG of the last map, no temporary file', async () => {
    const cwd = freshDir();
    const c = dqp([...SLOW_EMBED, '--json', '--out', 'out/cross.obj', '--loss-svg', 'out/loss.svg'], cwd);
    await c.waitFor(ITERATION_LINE);
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.signal).toBeNull();
    expect(e.code).toBe(130);
    expect(e.stderr).toMatch(/dqp: interrupted \(SIGINT\) — finishing the current iteration; press Ctrl-C again to stop now/);
    const j = lastJson(e.stdout);
    expect(j.stopReason).toBe('interrupted');
    expect(j.interrupted).toBe(true);
    expect(j.converged).toBe(false);
    expect(j.vertices).toBe(169);
    const steps = j.iterations as number;
    expect(steps).toBeGreaterThanOrEqual(1);
    expect(steps).toBeLessThan(100_000);
    // the OBJ describes the last map and says so in its comment
    const objPath = join(cwd, 'out', 'cross.obj');
    expectCompleteCrossObj(objPath);
    const text = readFileSync(objPath, 'utf8');
    expect(text).toMatch(new RegExp(`^# interrupted \\(SIGINT/SIGTERM\\) after ${steps} Adam steps`, 'm'));
    expect(text).toMatch(/not certified \(interrupted, \d+ flipped\)/);
    expect(readFileSync(join(cwd, 'out', 'cross.svg'), 'utf8')).toMatch(/<\/svg>\s*$/);
    expect(readFileSync(join(cwd, 'out', 'loss.svg'), 'utf8')).toMatch(/<\/svg>\s*$/);
    expect(temporaries(cwd)).toEqual([]);
  });

  it('SIGTERM: the same, and the human summary says "interrupted"', async () => {
    const cwd = freshDir();
    const c = dqp([...SLOW_EMBED, '--out', 'o.obj'], cwd);
    await c.waitFor(ITERATION_LINE);
    c.kill('SIGTERM');
    const e = await c.exited;
    expect(e.code).toBe(130);
    expect(e.stderr).toMatch(/dqp: interrupted \(SIGTERM\)/);
    expect(e.stdout).toMatch(/^interrupted after \d+ Adam steps: NOT certified/m);
    expect(e.stdout).toMatch(/wrote o\.obj, o\.svg/);
    expectCompleteCrossObj(join(cwd, 'o.obj'));
    expect(temporaries(cwd)).toEqual([]);
  });

  it('a second SIGINT right after the first: status 130, no temporary file, the OBJ absent or complete', async () => {
    const cwd = freshDir();
    const c = dqp([...SLOW_EMBED, '--json', '--out', 'out/cross.obj'], cwd);
    await c.waitFor(ITERATION_LINE);
    c.kill('SIGINT');
    // the second signal must come after the first was delivered (the kernel merges a signal that
    // is still pending): wait for the handler's message
    await c.waitFor(/dqp: interrupted/);
    c.kill('SIGINT');
    const e = await c.exited;
    // exit(130): the run ended before the second signal or JavaScript still listened;
    // killed by SIGINT (a shell's 130): the second signal ended it at once
    expect(shellStatus(e)).toBe(130);
    // two outcomes, each with its whole contract: the run finished its iteration and wrote
    // everything (the JSON says interrupted, the OBJ is complete), or it stopped at once (no
    // JSON; the OBJ, written by rename only, is absent or complete)
    const objPath = join(cwd, 'out', 'cross.obj');
    const finished = e.stdout.includes('"stopReason"');
    if (finished) {
      expect(e.code).toBe(130);
      expect(lastJson(e.stdout).stopReason).toBe('interrupted');
      expectCompleteCrossObj(objPath);
    } else {
      expect(e.stdout.trim()).toBe('');
      if (existsSync(objPath)) expectCompleteCrossObj(objPath);
      else expect(existsSync(join(cwd, 'out', 'cross.svg'))).toBe(false);
    }
    expect(temporaries(cwd)).toEqual([]);
  });

  it('SIGKILL during the loop: the output path holds no file (outputs are only written at the end)', async () => {
    const cwd = freshDir();
    const c = dqp([...SLOW_EMBED, '--json', '--out', 'out/cross.obj'], cwd);
    await c.waitFor(ITERATION_LINE);
    c.kill('SIGKILL');
    const e = await c.exited;
    expect(e.signal).toBe('SIGKILL');
    expect(existsSync(join(cwd, 'out', 'cross.obj'))).toBe(false);
    expect(existsSync(join(cwd, 'out', 'cross.svg'))).toBe(false);
    expect(temporaries(cwd)).toEqual([]);
  });

  it('--time-limit: stopReason "time-limit", exit 2, files written', async () => {
    const cwd = freshDir();
    const e = await dqp([...SLOW_EMBED, '--time-limit', '0.5', '--json', '--quiet', '--out', 'out/cross.obj'], cwd).exited;
    expect(e.code).toBe(2);
    const j = lastJson(e.stdout);
    expect(j.stopReason).toBe('time-limit');
    expect(j.interrupted).toBe(false);
    expect(j.timeLimit).toBe(0.5);
    expect(j.totalMs as number).toBeGreaterThan(500);
    expectCompleteCrossObj(join(cwd, 'out', 'cross.obj'));
    expect(existsSync(join(cwd, 'out', 'cross.svg'))).toBe(true);
    expect(temporaries(cwd)).toEqual([]);
  });
});

describe('dqp refine, interrupted', () => {
  it('SIGINT after the first size: exit 130, the finished rows plus the interrupted one in JSON and CSV', async () => {
    const cwd = freshDir();
    const c = dqp(['refine', '--max-vertices', '3000', '--json', '--csv', 'r.csv', '--svg', 'r.svg'], cwd);
    await c.waitFor(/^k = 1\.1 /m);
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.code).toBe(130);
    const j = lastJson(e.stdout);
    expect(j.interrupted).toBe(true);
    const rows = j.rows as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(21); // refineSizes(3000) has 21 sizes
    // every row but the last converged; the last one converged or was interrupted
    for (const r of rows.slice(0, -1)) expect(r.stopReason).toBe('converged');
    const last = rows[rows.length - 1]!;
    expect(['converged', 'interrupted']).toContain(last.stopReason);
    expect(last.converged).toBe(last.stopReason === 'converged');
    const csv = readFileSync(join(cwd, 'r.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(rows.length + 1);
    expect(csv[csv.length - 1]!.endsWith(`,${String(last.stopReason)}`)).toBe(true);
    expect(readFileSync(join(cwd, 'r.svg'), 'utf8')).toMatch(/<\/svg>\s*$/);
    expect(temporaries(cwd)).toEqual([]);
  });
});

describe('dqp bench simplex, interrupted', () => {
  it('SIGINT after the first problem: exit 130, the rows finished so far (complete) in JSON and CSV', async () => {
    const cwd = freshDir();
    const c = dqp(['bench', 'simplex', '--sizes', '500', '--samples', '100000', '--solver', 'ipm', '--json', '--csv', 'b.csv', '--svg', 'b.svg'], cwd);
    await c.waitFor(/^\[simplex\] simplex-n500-0 ipm: /m);
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.code).toBe(130);
    expect(e.stderr).toMatch(/finishing the current problem/);
    const j = lastJson(e.stdout);
    expect(j.interrupted).toBe(true);
    expect(j.runs).toBe(100_000);
    const rows = j.rows as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(100_000);
    rows.forEach((r, i) => {
      expect(r.problem).toBe(`simplex-n500-${i}`);
      expect(r.n).toBe(500);
      expect(r.solver).toBe('ipm');
      expect(r.solved).toBe(true);
      for (const k of ['forwardMs', 'backwardMs', 'totalMs', 'accuracy', 'exactError']) expect(Number.isFinite(r[k] as number)).toBe(true);
    });
    expect(readFileSync(join(cwd, 'b.csv'), 'utf8').trim().split('\n').length).toBe(rows.length + 1);
    expect(readFileSync(join(cwd, 'b.svg'), 'utf8')).toMatch(/interrupted: \d+ of 100000 runs/);
    expect(temporaries(cwd)).toEqual([]);
  });
});

describe('dqp bench mpc (a file suite, runs in a worker), interrupted', () => {
  itData('mpc_qpbenchmark', 'SIGINT after the first problem: exit 130, the finished rows in JSON and CSV, the run in progress dropped', async () => {
    // the data folder is found from the repository root, whatever the working directory
    const out = freshDir();
    const c = dqp(['bench', 'mpc', '--solver', 'ipm', '--json', '--csv', 'm.csv'], out);
    await c.waitFor(/^\[mpc\] 1\/\d+ /m);
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.code).toBe(130);
    const j = lastJson(e.stdout);
    expect(j.interrupted).toBe(true);
    const rows = j.rows as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThan(62);
    for (const r of rows) expect(['solved', 'solved_inaccurate', 'time_limit', 'max_iter', 'error']).toContain(r.status);
    expect(readFileSync(join(out, 'm.csv'), 'utf8').trim().split('\n').length).toBe(rows.length + 1);
    expect(temporaries(out)).toEqual([]);
  });
});

describe('dqp sudoku, interrupted', () => {
  it('SIGINT during training: exit 130, the curves so far', async () => {
    const cwd = freshDir();
    const c = dqp(['sudoku', '--train', '150', '--test', '10', '--epochs', '3', '--json', '--svg', 's.svg'], cwd);
    await c.waitFor(/^epoch 0: /m);
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.code).toBe(130);
    const j = lastJson(e.stdout);
    expect(j.interrupted).toBe(true);
    const trainLoss = j.trainLoss as number[];
    const testLoss = j.testLoss as number[];
    const epoch = j.epoch as number[];
    expect(trainLoss.length).toBeGreaterThanOrEqual(1);
    expect(testLoss.length).toBe(trainLoss.length);
    expect(epoch.length).toBe(trainLoss.length);
    expect(epoch[0]).toBe(0);
    expect(j.boardsTrained as number).toBeLessThan(450);
    // the last entry sits at the (possibly fractional) epoch that matches the boards trained
    // (0 boards: the untrained entry at epoch 0)
    expect(epoch[epoch.length - 1]).toBeCloseTo((j.boardsTrained as number) / 150, 12);
    for (const v of [...trainLoss, ...testLoss]) expect(Number.isFinite(v)).toBe(true);
    expect(readFileSync(join(cwd, 's.svg'), 'utf8')).toMatch(/<\/svg>\s*$/);
    expect(temporaries(cwd)).toEqual([]);
  });
});

describe('cli/interrupt.ts mechanics', () => {
  const run = (args: string[]) => new Child(['--import', 'tsx', fixture, ...args], repo);

  it('a second signal during a long synchronous step ends the process at once (killed by SIGINT)', async () => {
    const c = run(['busy']);
    await c.waitFor(/^ready$/m, 'stdout');
    c.kill('SIGINT');
    await c.waitFor(/^busy$/m, 'stdout');
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.signal).toBe('SIGINT');
    expect(e.stdout).not.toMatch(/busy done/); // the 30 s step did not finish
  });

  it('a signal during holdSignals waits for it, then exits 130 and removes registered temporary files', async () => {
    const tmp = join(freshDir(), '.x.tmp');
    const c = run(['hold', tmp]);
    await c.waitFor(/^ready$/m, 'stdout');
    c.kill('SIGINT');
    await c.waitFor(/^holding$/m, 'stdout');
    c.kill('SIGINT');
    const e = await c.exited;
    expect(e.code).toBe(130);
    expect(e.stdout).toMatch(/^held done$/m); // the held section finished first
    expect(e.stdout).not.toMatch(/^end$/m);
    expect(existsSync(tmp)).toBe(false);
  });
});
