/**
 * Dependency-free SVG charts for the benchmarks, `dqp diagnose`, `dqp sudoku` and the geometry
 * loss curves: line and scatter plots with linear or log axes, several series, markers,
 * a legend, and vertical/horizontal reference lines. The output is a standalone SVG document
 * (a string); write it with writeFileAtomic.
 *
 *   const svg = lineChart({
 *     title: 'Simplex projection', xLabel: 'n', yLabel: 'time [ms]', xLog: true, yLog: true,
 *     series: [{ name: 'ipm forward', x: [10, 100, 1000], y: [0.2, 1.1, 9.5], markers: true },
 *              { name: 'ipm backward', x: [10, 100, 1000], y: [0.05, 0.2, 1.4], dashed: true }],
 *     vlines: [{ x: 100, label: 'n = 100' }],
 *   });
 *   writeFileAtomic('out.svg', chartGrid([svg, otherSvg], 2));
 *
 * Points that cannot be drawn (NaN, ±Infinity, or ≤ 0 on a log axis) are skipped and break the
 * line into pieces; they never produce NaN coordinates. Series are drawn in order, colours
 * and marker shapes cycle through a fixed palette unless given.
 */

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross';

export interface ChartSeries {
  /** legend entry */
  readonly name: string;
  /** x coordinates (same length as y) */
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** connect the points (default true) */
  readonly line?: boolean;
  /** draw a marker at each point: true = the series' default shape (default: false for lines, true for scatter) */
  readonly markers?: boolean | MarkerShape;
  readonly dashed?: boolean;
  /** CSS colour (default: palette by series index) */
  readonly color?: string;
}

export interface ReferenceLine {
  /** x for a vertical line, y for a horizontal one */
  readonly at: number;
  readonly label?: string;
  readonly color?: string;
}

export interface ChartOptions {
  readonly title?: string;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly xLog?: boolean;
  readonly yLog?: boolean;
  readonly series: readonly ChartSeries[];
  /** vertical reference lines (e.g. an epoch, a size); outside the x range they are dropped */
  readonly vlines?: readonly ReferenceLine[];
  /** horizontal reference lines (e.g. a tolerance) */
  readonly hlines?: readonly ReferenceLine[];
  /** fixed axis ranges [min, max] (default: the data, padded; decades on log axes) */
  readonly xRange?: readonly [number, number];
  readonly yRange?: readonly [number, number];
  /** size in px (default 640 × 400) */
  readonly width?: number;
  readonly height?: number;
  /** legend placement (default 'right'; 'none' hides it) */
  readonly legend?: 'right' | 'none';
}

/** Categorical palette (colour-blind friendly order). */
export const PALETTE: readonly string[] = [
  '#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];
const SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond', 'cross'];

/** Escape text for SVG/XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const f2 = (v: number): string => (Math.round(v * 100) / 100).toString();

// ---------------------------------------------------------------------------------------------
// Axes
// ---------------------------------------------------------------------------------------------

interface Axis {
  readonly log: boolean;
  /** domain in data units */
  readonly min: number;
  readonly max: number;
  /** major ticks in data units */
  readonly ticks: number[];
  /** minor ticks (log axes) */
  readonly minor: number[];
  /** data value → [0, 1] */
  readonly frac: (v: number) => number;
}

/** Nice step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

function makeAxis(values: number[], log: boolean, range: readonly [number, number] | undefined, target: number): Axis {
  let lo: number, hi: number;
  if (range) [lo, hi] = range;
  else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!Number.isFinite(lo)) [lo, hi] = log ? [1, 10] : [0, 1];
  }
  if (log) {
    let e0 = Math.floor(Math.log10(lo) + 1e-9);
    let e1 = Math.ceil(Math.log10(hi) - 1e-9);
    if (e1 <= e0) e1 = e0 + 1;
    if (range) [e0, e1] = [Math.log10(lo), Math.log10(hi)];
    const stride = Math.max(1, Math.ceil((Math.ceil(e1) - Math.floor(e0)) / 8));
    const ticks: number[] = [];
    for (let e = Math.ceil(e0 - 1e-9); e <= e1 + 1e-9; e += stride) ticks.push(10 ** e);
    const minor: number[] = [];
    if (e1 - e0 <= 6) {
      for (let e = Math.floor(e0); e < e1; e++) for (let m = 2; m <= 9; m++) {
        const v = m * 10 ** e;
        if (Math.log10(v) > e0 && Math.log10(v) < e1) minor.push(v);
      }
    }
    const a = e0, b = e1;
    return { log, min: 10 ** a, max: 10 ** b, ticks, minor, frac: (v) => (Math.log10(v) - a) / (b - a) };
  }
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const step = niceStep(hi - lo, target);
  if (!range) {
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
  }
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  const a = lo, b = hi;
  return { log, min: a, max: b, ticks, minor: [], frac: (v) => (v - a) / (b - a) };
}

/** Tick label: powers of ten as 1e-5 … 1e5 (plain between 0.001 and 10000), others compactly. */
export function formatTick(v: number, log: boolean): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (log) {
    const e = Math.round(Math.log10(a));
    if (Math.abs(10 ** e - a) <= 1e-9 * a) return e >= -3 && e <= 4 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
  }
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(4)));
}

// ---------------------------------------------------------------------------------------------
// Markers
// ---------------------------------------------------------------------------------------------

function marker(shape: MarkerShape, x: number, y: number, color: string, r = 3.5): string {
  switch (shape) {
    case 'circle':
      return `<circle cx="${f2(x)}" cy="${f2(y)}" r="${r}" fill="${color}"/>`;
    case 'square':
      return `<rect x="${f2(x - r)}" y="${f2(y - r)}" width="${2 * r}" height="${2 * r}" fill="${color}"/>`;
    case 'triangle':
      return `<polygon points="${f2(x)},${f2(y - r * 1.2)} ${f2(x - r * 1.1)},${f2(y + r * 0.8)} ${f2(x + r * 1.1)},${f2(y + r * 0.8)}" fill="${color}"/>`;
    case 'diamond':
      return `<polygon points="${f2(x)},${f2(y - r * 1.3)} ${f2(x + r)},${f2(y)} ${f2(x)},${f2(y + r * 1.3)} ${f2(x - r)},${f2(y)}" fill="${color}"/>`;
    case 'cross':
      return `<path d="M${f2(x - r)},${f2(y - r)}L${f2(x + r)},${f2(y + r)}M${f2(x - r)},${f2(y + r)}L${f2(x + r)},${f2(y - r)}" stroke="${color}" stroke-width="1.8"/>`;
  }
}

// ---------------------------------------------------------------------------------------------
// Charts
// ---------------------------------------------------------------------------------------------

/** A line chart (each series drawn as a polyline, optional markers). Returns an SVG document. */
export function lineChart(options: ChartOptions): string {
  const W = options.width ?? 640;
  const H = options.height ?? 400;
  const xLog = options.xLog ?? false;
  const yLog = options.yLog ?? false;
  const ok = (v: number, log: boolean) => Number.isFinite(v) && (!log || v > 0);
  const series = options.series;

  const xs: number[] = [], ys: number[] = [];
  for (const s of series) {
    const len = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < len; i++) {
      if (ok(s.x[i]!, xLog) && ok(s.y[i]!, yLog)) {
        xs.push(s.x[i]!);
        ys.push(s.y[i]!);
      }
    }
  }
  for (const l of options.hlines ?? []) if (ok(l.at, yLog) && !options.yRange) ys.push(l.at);

  const showLegend = (options.legend ?? 'right') !== 'none' && series.length > 0;
  const legendW = showLegend ? Math.min(260, 36 + 7.4 * Math.max(...series.map((s) => s.name.length))) : 0;
  const left = 66, right = 16 + legendW, top = options.title ? 34 : 14, bottom = options.xLabel ? 48 : 32;
  const pw = Math.max(10, W - left - right), ph = Math.max(10, H - top - bottom);
  const xAxis = makeAxis(xs, xLog, options.xRange, Math.max(2, Math.round(pw / 90)));
  const yAxis = makeAxis(ys, yLog, options.yRange, Math.max(2, Math.round(ph / 55)));
  const px = (v: number) => left + xAxis.frac(v) * pw;
  const py = (v: number) => top + (1 - yAxis.frac(v)) * ph;
  const inX = (v: number) => ok(v, xLog) && v >= xAxis.min - 1e-12 * Math.abs(xAxis.min) && v <= xAxis.max * (1 + 1e-12) + 1e-300;
  const inY = (v: number) => ok(v, yLog) && v >= yAxis.min - 1e-12 * Math.abs(yAxis.min) && v <= yAxis.max * (1 + 1e-12) + 1e-300;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  if (options.title) out.push(`<text x="${f2(left + pw / 2)}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`);
  out.push(`<defs><clipPath id="plot-area"><rect x="${left}" y="${top}" width="${pw}" height="${ph}"/></clipPath></defs>`);

  // grid and ticks
  const grid: string[] = [];
  for (const t of xAxis.minor) grid.push(`<line x1="${f2(px(t))}" y1="${top}" x2="${f2(px(t))}" y2="${top + ph}" stroke="#f0f0f0"/>`);
  for (const t of yAxis.minor) grid.push(`<line x1="${left}" y1="${f2(py(t))}" x2="${left + pw}" y2="${f2(py(t))}" stroke="#f0f0f0"/>`);
  for (const t of xAxis.ticks) {
    const x = f2(px(t));
    grid.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="#dddddd"/>`);
    grid.push(`<text x="${x}" y="${top + ph + 16}" text-anchor="middle">${escapeXml(formatTick(t, xLog))}</text>`);
  }
  for (const t of yAxis.ticks) {
    const y = f2(py(t));
    grid.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#dddddd"/>`);
    grid.push(`<text x="${left - 6}" y="${f2(py(t) + 4)}" text-anchor="end">${escapeXml(formatTick(t, yLog))}</text>`);
  }
  out.push(`<g class="grid">${grid.join('')}</g>`);
  out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333333"/>`);
  if (options.xLabel) out.push(`<text x="${f2(left + pw / 2)}" y="${H - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel) out.push(`<text x="14" y="${f2(top + ph / 2)}" text-anchor="middle" transform="rotate(-90 14 ${f2(top + ph / 2)})">${escapeXml(options.yLabel)}</text>`);

  // reference lines
  const refs: string[] = [];
  for (const l of options.vlines ?? []) {
    if (!inX(l.at)) continue;
    const x = f2(px(l.at));
    const c = l.color ?? '#555555';
    refs.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${top + ph}" stroke="${c}" stroke-dasharray="2,3"/>`);
    if (l.label) refs.push(`<text x="${f2(px(l.at) + 3)}" y="${top + 12}" fill="${c}" font-size="10">${escapeXml(l.label)}</text>`);
  }
  for (const l of options.hlines ?? []) {
    if (!inY(l.at)) continue;
    const y = f2(py(l.at));
    const c = l.color ?? '#555555';
    refs.push(`<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="${c}" stroke-dasharray="2,3"/>`);
    if (l.label) refs.push(`<text x="${left + pw - 3}" y="${f2(py(l.at) - 3)}" text-anchor="end" fill="${c}" font-size="10">${escapeXml(l.label)}</text>`);
  }
  if (refs.length > 0) out.push(`<g class="reference">${refs.join('')}</g>`);

  // series
  series.forEach((s, si) => {
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    const drawLine = s.line ?? true;
    const shape: MarkerShape | null = s.markers === undefined || s.markers === false ? (drawLine ? null : SHAPES[si % SHAPES.length]!) : s.markers === true ? SHAPES[si % SHAPES.length]! : s.markers;
    const parts: string[] = [];
    let d = '';
    let pen = false;
    const len = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < len; i++) {
      const x = s.x[i]!, y = s.y[i]!;
      if (!(ok(x, xLog) && ok(y, yLog))) {
        pen = false;
        continue;
      }
      const X = px(x), Y = py(y);
      if (drawLine) {
        d += `${pen ? 'L' : 'M'}${f2(X)},${f2(Y)}`;
        pen = true;
      }
      if (shape && inX(x) && inY(y)) parts.push(marker(shape, X, Y, color));
    }
    const dash = s.dashed ? ' stroke-dasharray="6,4"' : '';
    // lines are clipped to the plot area; markers (only drawn for in-range points) are not, so
    // a point on the frame stays whole
    const path = drawLine && d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"${dash} clip-path="url(#plot-area)"/>` : '';
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">${path}${parts.join('')}</g>`);
  });

  // legend
  if (showLegend) {
    const lx = left + pw + 12;
    const items: string[] = [];
    series.forEach((s, si) => {
      const color = s.color ?? PALETTE[si % PALETTE.length]!;
      const y = top + 8 + si * 18;
      const drawLine = s.line ?? true;
      const shape: MarkerShape | null = s.markers === undefined || s.markers === false ? (drawLine ? null : SHAPES[si % SHAPES.length]!) : s.markers === true ? SHAPES[si % SHAPES.length]! : s.markers;
      const dash = s.dashed ? ' stroke-dasharray="6,4"' : '';
      if (drawLine) items.push(`<line x1="${lx}" y1="${y}" x2="${lx + 22}" y2="${y}" stroke="${color}" stroke-width="1.8"${dash}/>`);
      if (shape) items.push(marker(shape, lx + 11, y, color));
      items.push(`<text x="${lx + 28}" y="${y + 4}">${escapeXml(s.name)}</text>`);
    });
    out.push(`<g class="legend">${items.join('')}</g>`);
  }
  out.push('</svg>');
  return out.join('\n');
}

/** A scatter chart: every series as markers only (no connecting lines). */
export function scatterChart(options: ChartOptions): string {
  return lineChart({ ...options, series: options.series.map((s) => ({ ...s, line: false, markers: s.markers ?? true })) });
}

/**
 * Lay out several chart documents (as returned by lineChart) in a grid of `columns`, as one SVG
 * document (nested <svg> elements). Clip-path ids are made unique per panel.
 */
export function chartGrid(charts: readonly string[], columns = 2): string {
  const sizes = charts.map((c) => {
    const m = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(c);
    return m ? [Number(m[1]), Number(m[2])] : [640, 400];
  });
  const cols = Math.max(1, Math.min(columns, charts.length));
  const cellW = Math.max(0, ...sizes.map((s) => s[0]!));
  const cellH = Math.max(0, ...sizes.map((s) => s[1]!));
  const rows = Math.ceil(charts.length / cols);
  const W = cellW * cols, H = cellH * rows;
  const parts = charts.map((c, i) => {
    const x = (i % cols) * cellW, y = Math.floor(i / cols) * cellH;
    return c
      .replace(/plot-area/g, `plot-area-${i}`)
      .replace(/^<svg /, `<svg x="${x}" y="${y}" `);
  });
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`, ...parts, '</svg>'].join('\n');
}
