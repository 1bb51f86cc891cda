/**
 * `dqp bench dense`: random dense QPs (P = QᵀQ + 1e-4 I, m = n inequalities, ⌈n/2⌉ equalities;
 * bench/generators.ts randomDenseQP), forward + backward through the dQP layer per solver.
 * Paper sizes: 10 … 4600 (--sizes); the default stops at 450 so a run takes a few minutes.
 *
 * --baseline cvxopt: after our solvers ran on a problem, the same problem is written as a JSON
 * QP file (the format `dqp solve` reads) and bench/baselines/cvxopt_dense.py solves it in a
 * child Python process (cvxopt.solvers.qp forward, LU of the reduced KKT backward: the dQP
 * Python pipeline; see that file). Our runs and the baseline's alternate problem by problem, so
 * both see the same machine load. A second table gives per size the medians of forward /
 * backward / total for each of our solvers and for cvxopt + LU, with ours ÷ cvxopt; --json gets
 * a "baseline" object. Python: $DQP_PYTHON, else /usr/bin/python3 when it exists, else python3.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../optimizer/errors.ts';
import { baselinePython, baselineScript } from './baselines/locate.ts';
import { writeProblemJson } from '../optimizer/qp/json-format.ts';
import { progress } from '../report/console.ts';
import { fmt, markdownTable } from '../report/table.ts';
import type { GeneratedProblem } from './generators.ts';
import type { BenchOptions, BenchOutcome } from './options.ts';
import { quartiles } from './report.ts';
import { runSyntheticSuite, type SuiteDefaults, type SuiteHooks, type SyntheticRow } from './synthetic.ts';

export const DEFAULTS: SuiteDefaults = {
  family: 'dense',
  title: 'Random dense QP',
  sizes: [10, 20, 50, 100, 220, 450],
  samples: 5,
  solvers: ['ipm', 'quadprog'],
  timeLimit: 60,
};

/** the baselines --baseline accepts */
export const BASELINES = ['cvxopt'] as const;

/** run() honours options.signal (stops between problems, bench/synthetic.ts) */
export const interruptible = true;

export async function run(options: BenchOptions): Promise<BenchOutcome> {
  if (options.baseline === undefined) return { interrupted: (await runSyntheticSuite(DEFAULTS, options)).interrupted };
  if (!(BASELINES as readonly string[]).includes(options.baseline)) throw new InputError('--baseline', BASELINES.join(', '), JSON.stringify(options.baseline));
  const baseline = new CvxoptBaseline(options.quiet);
  try {
    return { interrupted: (await runSyntheticSuite(DEFAULTS, options, baseline.hooks())).interrupted };
  } finally {
    baseline.dispose();
  }
}

/** One problem as cvxopt_dense.py reports it. */
interface BaselineProblem {
  readonly file: string;
  readonly n: number;
  readonly status: string;
  readonly iterations: number;
  readonly objective: number;
  readonly active: number;
  readonly forwardMs: number;
  readonly backwardMs: number;
}

/** cvxopt + LU on each generated problem, in a child Python process per problem. */
class CvxoptBaseline {
  private readonly python = baselinePython();
  private readonly script = baselineScript('cvxopt_dense.py');
  private readonly dir = mkdtempSync(join(tmpdir(), 'dqp-bench-dense-'));
  private readonly results = new Map<string, BaselineProblem>();
  private versions: Record<string, string> = {};
  private readonly log: (line: string) => void;

  constructor(quiet: boolean) {
    this.log = progress(quiet);
    const r = spawnSync(this.python, ['-c', 'import numpy, scipy, cvxopt'], { encoding: 'utf8' });
    if (r.status !== 0) {
      this.dispose();
      const why = r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop() || `exit code ${r.status}`;
      throw new InputError('--baseline', `a Python 3 with numpy, scipy and cvxopt (${this.python}; set DQP_PYTHON to choose another)`, why);
    }
  }

  hooks(): SuiteHooks {
    return { problem: (gen) => this.solve(gen), finish: (rows) => this.summary(rows) };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private solve(gen: GeneratedProblem): void {
    const file = join(this.dir, `${gen.name}.json`);
    writeFileSync(file, writeProblemJson(gen.problem));
    const r = spawnSync(this.python, [this.script, '--warmup', file], { encoding: 'utf8', maxBuffer: 1 << 24 });
    rmSync(file, { force: true });
    const last = (r.stdout || '').trim().split('\n').pop() ?? '';
    let out: { error?: string; problems?: BaselineProblem[] } & Record<string, unknown>;
    try {
      out = JSON.parse(last) as typeof out;
    } catch {
      this.log(`[dense] ${gen.name} cvxopt: FAILED (${(r.stderr || r.error?.message || 'no output').trim().split('\n').pop()})`);
      return;
    }
    if (out.error || !out.problems?.[0]) {
      this.log(`[dense] ${gen.name} cvxopt: FAILED (${out.error ?? 'no result'})`);
      return;
    }
    const p = out.problems[0];
    for (const k of ['python', 'cvxopt', 'numpy', 'scipy', 'blas']) if (typeof out[k] === 'string') this.versions[k] = out[k] as string;
    this.results.set(gen.name, p);
    this.log(`[dense] ${gen.name} cvxopt + LU: ${p.status}  forward ${fmt(p.forwardMs)} ms  backward ${fmt(p.backwardMs)} ms  (${p.iterations} iterations, ${p.active} active)`);
  }

  private summary(rows: readonly SyntheticRow[]): { json: Record<string, unknown>; text: string } {
    const sizes = [...new Set(rows.map((r) => r.n))];
    const solvers = [...new Set(rows.map((r) => r.solver))];
    const table: string[][] = [];
    const json: Record<string, unknown>[] = [];
    const med = (v: number[]) => quartiles(v).median;
    for (const n of sizes) {
      const base = rows.filter((r) => r.n === n && r.solver === solvers[0]).map((r) => this.results.get(r.problem)).filter((p): p is BaselineProblem => p !== undefined);
      const bf = med(base.map((p) => p.forwardMs));
      const bb = med(base.map((p) => p.backwardMs));
      const bt = med(base.map((p) => p.forwardMs + p.backwardMs));
      for (const s of solvers) {
        const mine = rows.filter((r) => r.n === n && r.solver === s && r.solved);
        const f = med(mine.map((r) => r.forwardMs));
        const b = med(mine.map((r) => r.backwardMs));
        const t = med(mine.map((r) => r.totalMs));
        table.push([String(n), s, `${mine.length}`, fmt(f), fmt(b), fmt(t), `${fmt(t / bt)}×`]);
        json.push({ n, solver: s, solved: mine.length, forwardMs: f, backwardMs: b, totalMs: t, ratio: t / bt });
      }
      const ok = base.filter((p) => p.status === 'optimal').length;
      table.push([String(n), 'cvxopt + LU', `${ok}/${base.length} optimal`, fmt(bf), fmt(bb), fmt(bt), '1×']);
      json.push({ n, solver: 'cvxopt', problems: base.length, optimal: ok, forwardMs: bf, backwardMs: bb, totalMs: bt, ratio: 1 });
    }
    const v = this.versions;
    const header = `Ours vs cvxopt + LU on the same problems (medians; ratio = our total ÷ cvxopt's total; cvxopt ${v['cvxopt'] ?? '?'}, BLAS ${v['blas'] ?? '?'})`;
    const text = `${header}\n\n${markdownTable(['n', 'solver', 'solved', 'forward ms', 'backward ms', 'total ms', 'ratio'], table, 2)}`;
    return { json: { baseline: { name: 'cvxopt', versions: v, rows: json, problems: [...this.results.entries()].map(([problem, p]) => ({ ...p, problem, file: undefined })) } }, text };
  }
}
