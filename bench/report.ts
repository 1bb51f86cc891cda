/**
 * Benchmark reporting: per-problem rows → per-(size, solver) medians and quartiles (the layout
 * of the paper's Tables 2–5), markdown tables, CSV files and SVG charts.
 *
 * Conventions
 *  - A row is one (problem, solver) run. `solved` is the paper's App. G criterion: finished
 *    within the time limit, r_p, r_d, r_g < 1, and the derivative computed without a fatal error;
 *    `solvedStrict` additionally asks accuracy < 1e-5 (STRICT_ACCURACY).
 *  - Summaries of times and accuracy are taken over the SOLVED rows of a group (a failure has no
 *    meaningful time); the counts say how many that is.
 *  - Quartiles use linear interpolation between order statistics (type 7, numpy's default).
 */
import { chartGrid, lineChart, PALETTE, type ChartSeries } from '../report/chart.ts';
import { writeFileAtomic } from '../report/outputs.ts';
import { fmt, markdownTable, toCsv } from '../report/table.ts';

/** The accuracy threshold of the stricter success count. */
export const STRICT_ACCURACY = 1e-5;
/** The coarse success threshold on max(r_p, r_d, r_g) (paper App. G). */
export const COARSE_ACCURACY = 1;

/** One (problem, solver) run. Times in milliseconds; NaN when not measured. */
export interface BenchRow {
  readonly problem: string;
  readonly n: number;
  readonly solver: string;
  /** the solver's QPStatus, or 'error' / 'time_limit' / 'skipped' */
  readonly status: string;
  readonly solved: boolean;
  readonly solvedStrict: boolean;
  readonly forwardMs: number;
  readonly backwardMs: number;
  readonly totalMs: number;
  /** max(r_p, r_d, r_g), NaN when unavailable */
  readonly accuracy: number;
  /** free text: an error message, a flag such as "least-squares" */
  readonly note?: string;
  /** ‖z − z_exact‖∞ when the family has a closed-form solution (simplex) */
  readonly exactError?: number;
}

/** Summary statistics of a sample (non-finite values dropped; all NaN when none is left). */
export interface Quartiles {
  readonly count: number;
  readonly min: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly max: number;
}

/** p-quantile (0 ≤ p ≤ 1) of an ascending sample by linear interpolation; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function quartiles(values: ArrayLike<number>): Quartiles {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) v.push(values[i]!);
  v.sort((a, b) => a - b);
  return {
    count: v.length,
    min: v.length ? v[0]! : Number.NaN,
    q1: quantile(v, 0.25),
    median: quantile(v, 0.5),
    q3: quantile(v, 0.75),
    max: v.length ? v[v.length - 1]! : Number.NaN,
  };
}

/** Statistics of one (n, solver) group. */
export interface GroupSummary {
  readonly n: number;
  readonly solver: string;
  readonly problems: number;
  readonly solved: number;
  readonly solvedStrict: number;
  /** over the solved rows */
  readonly forwardMs: Quartiles;
  readonly backwardMs: Quartiles;
  readonly totalMs: Quartiles;
  readonly accuracy: Quartiles;
}

/** Group rows by (n, solver): sizes ascending, solvers in order of first appearance. */
export function summarizeRows(rows: readonly BenchRow[]): GroupSummary[] {
  const solverOrder: string[] = [];
  const groups = new Map<string, BenchRow[]>();
  for (const r of rows) {
    if (!solverOrder.includes(r.solver)) solverOrder.push(r.solver);
    const key = `${r.n}\u0000${r.solver}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(r);
  }
  const out: GroupSummary[] = [];
  for (const g of groups.values()) {
    const ok = g.filter((r) => r.solved);
    out.push({
      n: g[0]!.n,
      solver: g[0]!.solver,
      problems: g.length,
      solved: ok.length,
      solvedStrict: g.filter((r) => r.solvedStrict).length,
      forwardMs: quartiles(ok.map((r) => r.forwardMs)),
      backwardMs: quartiles(ok.map((r) => r.backwardMs)),
      totalMs: quartiles(ok.map((r) => r.totalMs)),
      accuracy: quartiles(ok.map((r) => r.accuracy)),
    });
  }
  out.sort((a, b) => a.n - b.n || solverOrder.indexOf(a.solver) - solverOrder.indexOf(b.solver));
  return out;
}

/** "median [q1, q3]" */
export function fmtQuartiles(q: Quartiles): string {
  if (q.count === 0) return '—';
  if (q.count === 1) return fmt(q.median);
  return `${fmt(q.median)} [${fmt(q.q1)}, ${fmt(q.q3)}]`;
}

/**
 * The paper-style table: per size and solver, solved counts and median [q1, q3] of the forward,
 * backward and total times and of the accuracy, over the solved problems.
 */
export function formatSummaryTable(groups: readonly GroupSummary[]): string {
  const header = ['n', 'solver', 'solved', `acc<${STRICT_ACCURACY.toExponential(0)}`, 'forward ms', 'backward ms', 'total ms', 'accuracy'];
  const rows = groups.map((g) => [
    String(g.n),
    g.solver,
    `${g.solved}/${g.problems}`,
    `${g.solvedStrict}/${g.problems}`,
    fmtQuartiles(g.forwardMs),
    fmtQuartiles(g.backwardMs),
    fmtQuartiles(g.totalMs),
    fmtQuartiles(g.accuracy),
  ]);
  return markdownTable(header, rows, 2);
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

export const ROW_COLUMNS = ['problem', 'n', 'solver', 'status', 'solved', 'solvedStrict', 'forwardMs', 'backwardMs', 'totalMs', 'accuracy', 'exactError', 'note'] as const;

/** CSV of bench rows, one line per (problem, solver), columns ROW_COLUMNS. */
export function rowsToCsv(rows: readonly BenchRow[]): string {
  return toCsv(ROW_COLUMNS, rows.map((r) => ROW_COLUMNS.map((c) => r[c])));
}

/** Write the rows as CSV atomically. */
export function writeRowsCsv(path: string, rows: readonly BenchRow[]): void {
  writeFileAtomic(path, rowsToCsv(rows));
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

/**
 * Two panels: median forward (solid) and backward (dashed) time vs n per solver, and median
 * accuracy vs n per solver (log–log), from the group summaries.
 */
export function summaryChart(title: string, groups: readonly GroupSummary[]): string {
  const solvers = [...new Set(groups.map((g) => g.solver))];
  const timeSeries: ChartSeries[] = [];
  const accSeries: ChartSeries[] = [];
  solvers.forEach((s, i) => {
    const g = groups.filter((x) => x.solver === s);
    const n = g.map((x) => x.n);
    timeSeries.push({ name: `${s} forward`, x: n, y: g.map((x) => x.forwardMs.median), markers: 'circle', color: palette(i) });
    timeSeries.push({ name: `${s} backward`, x: n, y: g.map((x) => x.backwardMs.median), markers: 'square', dashed: true, color: palette(i) });
    accSeries.push({ name: s, x: n, y: g.map((x) => x.accuracy.median), markers: true, color: palette(i) });
  });
  const time = lineChart({ title: `${title}: median time`, xLabel: 'n', yLabel: 'time [ms]', xLog: true, yLog: true, series: timeSeries });
  const acc = lineChart({
    title: `${title}: median accuracy`,
    xLabel: 'n',
    yLabel: 'max(r_p, r_d, r_g)',
    xLog: true,
    yLog: true,
    series: accSeries,
    hlines: [{ at: STRICT_ACCURACY, label: STRICT_ACCURACY.toExponential(0) }],
  });
  return chartGrid([time, acc], 2);
}

function palette(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
