import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchRow,
  fmtQuartiles,
  formatSummaryTable,
  quantile,
  quartiles,
  rowsToCsv,
  summarizeRows,
  summaryChart,
  writeRowsCsv,
} from '../bench/report.ts';
import { csvField, toCsv } from '../report/table.ts';

const row = (over: Partial<BenchRow>): BenchRow => ({
  problem: 'p',
  n: 10,
  solver: 'ipm',
  status: 'solved',
  solved: true,
  solvedStrict: true,
  forwardMs: 1,
  backwardMs: 0.5,
  totalMs: 1.5,
  accuracy: 1e-9,
  ...over,
});

describe('quantiles', () => {
  it('interpolates linearly between order statistics (numpy type 7)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantile([7], 0.3)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
    const q = quartiles([5, Number.NaN, 1, 3, Infinity, 2, 4]);
    expect(q).toEqual({ count: 5, min: 1, q1: 2, median: 3, q3: 4, max: 5 });
  });
});

describe('summarizeRows', () => {
  const rows: BenchRow[] = [
    row({ n: 100, solver: 'admm', forwardMs: 10, accuracy: 1e-4, solvedStrict: false }),
    row({ n: 10, solver: 'ipm', forwardMs: 1 }),
    row({ n: 10, solver: 'ipm', forwardMs: 3 }),
    row({ n: 10, solver: 'ipm', forwardMs: 1000, solved: false, solvedStrict: false, status: 'max_iter' }),
    row({ n: 100, solver: 'ipm', forwardMs: 20 }),
    row({ n: 10, solver: 'admm', forwardMs: 2 }),
  ];
  it('groups by (n, solver), sizes ascending, solvers in first-seen order; stats over solved rows', () => {
    const g = summarizeRows(rows);
    expect(g.map((x) => `${x.n}/${x.solver}`)).toEqual(['10/admm', '10/ipm', '100/admm', '100/ipm']);
    const ipm10 = g[1]!;
    expect([ipm10.problems, ipm10.solved, ipm10.solvedStrict]).toEqual([3, 2, 2]);
    expect(ipm10.forwardMs.median).toBe(2); // the failed 1000 ms run is excluded
    expect(g[2]!.solvedStrict).toBe(0);
  });
  it('formats a markdown table with counts and median [q1, q3]', () => {
    const t = formatSummaryTable(summarizeRows(rows));
    const lines = t.split('\n');
    expect(lines[0]).toMatch(/^\| n +\| solver +\| solved \|/);
    expect(lines[1]).toMatch(/^\|:-+\|:-+\|-+:\|/);
    expect(lines).toHaveLength(6);
    expect(t).toContain('2/3');
    expect(t).toContain('2 [1.5, 2.5]');
    for (const l of lines) expect(l.length).toBe(lines[0]!.length); // aligned
    expect(fmtQuartiles(quartiles([]))).toBe('—');
  });
  it('charts the medians: one forward and one backward series per solver', () => {
    const svg = summaryChart('dense', summarizeRows(rows));
    expect(svg.match(/<g class="series"/g)).toHaveLength(2 * 2 + 2);
    expect(svg).toContain('data-name="ipm backward"');
    expect(svg).not.toMatch(/NaN/);
  });
});

describe('CSV', () => {
  it('quotes fields per RFC 4180 and leaves non-finite numbers empty', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvField(true)).toBe('true');
    expect(toCsv(['x', 'y'], [[1, 'a\nb']])).toBe('x,y\n1,"a\nb"\n');
  });
  it('writes rows with a header and one line per row (round trip of the numbers)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dqp-report-'));
    try {
      const rows = [row({ problem: 'dense-n10-0', accuracy: 3.25e-10 }), row({ problem: 'x', note: 'least-squares, flagged', accuracy: Number.NaN })];
      const path = join(dir, 'sub', 'out.csv');
      writeRowsCsv(path, rows);
      const text = readFileSync(path, 'utf8');
      expect(text).toBe(rowsToCsv(rows));
      const lines = text.trim().split('\n');
      expect(lines[0]).toBe('problem,n,solver,status,solved,solvedStrict,forwardMs,backwardMs,totalMs,accuracy,exactError,note');
      expect(lines).toHaveLength(3);
      expect(Number(lines[1]!.split(',')[9])).toBe(3.25e-10);
      expect(lines[2]).toMatch(/,,,"least-squares, flagged"$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
