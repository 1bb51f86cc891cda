/**
 * Charts of the bi-level embedding (SVG documents, via the chart module report/chart.ts).
 *
 *   lossCurveSvg(history, options?)   loss and max dual per outer iteration, log y (paper Fig. 11);
 *                                     dashed verticals where the active set changed
 *   scalingSvg(rows, options?)        corner refinement study (paper Fig. 5), three panels vs #V:
 *                                     forward/backward ms per outer iteration (log–log), total
 *                                     seconds (log–log), Adam steps to convergence
 *
 * Inputs are plain arrays (not modified). Zero values (the last loss of a converged run) cannot
 * be drawn on a log axis and are skipped by the chart module; the caption gives the count.
 */
import { chartGrid, lineChart } from '../report/chart.ts';
import type { ReferenceLine } from '../report/chart.ts';

export interface LossCurveInput {
  /** loss at every forward (iteration k = index) */
  readonly loss: readonly number[];
  /** max inequality dual at every forward (same length), optional */
  readonly maxDual?: readonly number[] | null;
  /** iterations where the active set changed */
  readonly activeChanges?: readonly number[] | null;
  /** stop tolerance on the duals, drawn as a horizontal line */
  readonly stopTol?: number | null;
}

/** At most this many active-set-change markers are drawn (evenly thinned beyond). */
const MAX_MARKERS = 40;

export function lossCurveSvg(h: LossCurveInput, options: { title?: string; width?: number; height?: number } = {}): string {
  const n = h.loss.length;
  const x = Array.from({ length: n }, (_, k) => k);
  const series = [{ name: 'loss', x, y: h.loss }];
  if (h.maxDual && h.maxDual.length === n) series.push({ name: 'max μ', x, y: h.maxDual });
  const changes = h.activeChanges ?? [];
  const stride = Math.max(1, Math.ceil(changes.length / MAX_MARKERS));
  const vlines: ReferenceLine[] = [];
  for (let i = 0; i < changes.length; i += stride) vlines.push({ at: changes[i]!, color: '#999999' });
  const hlines: ReferenceLine[] = h.stopTol ? [{ at: h.stopTol, label: `stop: μ < ${h.stopTol}`, color: '#2ca02c' }] : [];
  const last = n > 0 ? h.loss[n - 1]! : NaN;
  return lineChart({
    title: options.title ?? `Bi-level loss (${n - 1} Adam steps, final loss ${last === 0 ? '0' : last.toExponential(2)})`,
    xLabel: `outer iteration${changes.length ? ' (dashed: active set changed)' : ''}`,
    yLabel: 'value',
    yLog: true,
    series,
    vlines,
    hlines,
    width: options.width ?? 720,
    height: options.height ?? 420,
  });
}

/** One size of the refinement study. */
export interface ScalingRow {
  readonly vertices: number;
  readonly iterations: number;
  readonly forwardMsMedian: number;
  readonly backwardMsMedian: number;
  readonly totalMs: number;
  /** false: the size hit the iteration limit (drawn as a separate series); default true */
  readonly converged?: boolean;
}

export function scalingSvg(rows: readonly ScalingRow[], options: { title?: string } = {}): string {
  const v = rows.map((r) => r.vertices);
  const time = lineChart({
    title: options.title ?? 'Corner refinement: time per outer iteration',
    xLabel: 'vertices',
    yLabel: 'ms',
    xLog: true,
    yLog: true,
    series: [
      { name: 'forward / iter', x: v, y: rows.map((r) => r.forwardMsMedian), markers: true },
      { name: 'backward / iter', x: v, y: rows.map((r) => r.backwardMsMedian), markers: true, dashed: true },
    ],
  });
  const total = lineChart({
    title: 'Total time to convergence',
    xLabel: 'vertices',
    yLabel: 's',
    xLog: true,
    yLog: true,
    series: [{ name: 'total', x: v, y: rows.map((r) => r.totalMs / 1000), markers: true }],
  });
  const iters = lineChart({
    title: 'Adam steps to convergence',
    xLabel: 'vertices',
    yLabel: 'iterations',
    xLog: true,
    series: [
      { name: 'iterations', x: v, y: rows.map((r) => r.iterations), markers: true },
      ...(rows.some((r) => r.converged === false)
        ? [{ name: 'not converged', x: v, y: rows.map((r) => (r.converged === false ? r.iterations : NaN)), line: false, markers: 'cross' as const, color: '#d62728' }]
        : []),
    ],
  });
  return chartGrid([time, total, iters], 3);
}
