import { describe, expect, it } from 'vitest';
import { chartGrid, escapeXml, formatTick, lineChart, scatterChart } from '../report/chart.ts';

/** Minimal XML well-formedness check: balanced, properly nested tags; quoted attributes; no stray '<' or '&'. */
function checkWellFormed(xml: string): string[] {
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const opened: string[] = [];
  while ((m = tagRe.exec(xml))) {
    const between = xml.slice(last, m.index);
    if (between.includes('<') || between.includes('>')) throw new Error(`malformed markup near: ${between.slice(0, 60)}`);
    if (/&(?!amp;|lt;|gt;|quot;|apos;)/.test(between)) throw new Error(`unescaped & in text: ${between}`);
    last = tagRe.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      const top = stack.pop();
      if (top !== name) throw new Error(`</${name}> closes <${top}>`);
    } else if (!selfClose) {
      stack.push(name!);
      opened.push(name!);
    } else opened.push(name!);
  }
  const rest = xml.slice(last);
  if (rest.trim().length > 0) throw new Error(`trailing content: ${rest.slice(0, 60)}`);
  if (stack.length > 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  return opened;
}

const numbersIn = (svg: string) => [...svg.matchAll(/\s(?:x|y|x1|x2|y1|y2|cx|cy|r|width|height)="([^"]*)"/g)].map((m) => Number(m[1]));
/** the markup of the i-th series group (0-based) */
const seriesGroup = (svg: string, i: number) => svg.split('<g class="series"')[i + 1]!.split('</g>')[0]!;

describe('lineChart', () => {
  const n = [10, 100, 1000, 10000];
  const svg = lineChart({
    title: 'Time <vs> n & more',
    xLabel: 'n',
    yLabel: 'ms',
    xLog: true,
    yLog: true,
    series: [
      { name: 'ipm forward', x: n, y: [0.1, 1, 10, 100], markers: true },
      { name: 'admm "fast"', x: n, y: [0.2, Number.NaN, 20, 200], dashed: true },
    ],
    vlines: [{ at: 1000, label: 'n=1000' }],
    hlines: [{ at: 5, label: 'budget' }],
  });

  it('is a well-formed SVG document with one group per series, legend and escaped text', () => {
    const tags = checkWellFormed(svg);
    expect(tags[0]).toBe('svg');
    expect(svg.match(/<g class="series"/g)).toHaveLength(2);
    expect(svg).toContain('data-name="ipm forward"');
    expect(svg).toContain('admm &quot;fast&quot;');
    expect(svg).toContain('Time &lt;vs&gt; n &amp; more');
    expect(svg).toContain('>n=1000<');
    expect(svg).toContain('>budget<');
    expect(svg).toMatch(/<g class="legend">/);
    expect(svg).toContain('stroke-dasharray="6,4"');
  });
  it('uses decade ticks on log axes and never emits NaN coordinates', () => {
    for (const label of ['10', '100', '1000', '10000', '0.1', '1']) expect(svg).toContain(`>${label}</text>`);
    for (const v of numbersIn(svg)) expect(Number.isFinite(v)).toBe(true);
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
  it('breaks a line at a missing point: two subpaths for the NaN series', () => {
    const g = seriesGroup(svg, 1);
    const d = /<path d="([^"]*)"/.exec(g)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(1);
    // ipm forward: 4 points, 4 circle markers
    const g1 = seriesGroup(svg, 0);
    expect(g1.match(/<circle/g)).toHaveLength(4);
  });
  it('maps data monotonically: larger y is higher on the page (smaller svg y)', () => {
    const g1 = seriesGroup(svg, 0);
    const cy = [...g1.matchAll(/cy="([^"]*)"/g)].map((m) => Number(m[1]));
    for (let i = 1; i < cy.length; i++) expect(cy[i]).toBeLessThan(cy[i - 1]!);
    // equal decades are equally spaced on a log axis
    expect(cy[0]! - cy[1]!).toBeCloseTo(cy[1]! - cy[2]!, 1);
  });
  it('skips non-positive values on a log axis, keeps them on a linear one', () => {
    const s = { name: 's', x: [1, 2, 3], y: [0, 1, 2], markers: true as const };
    const logSvg = lineChart({ yLog: true, series: [s] });
    const linSvg = lineChart({ series: [s] });
    expect(seriesGroup(logSvg, 0).match(/<circle/g)).toHaveLength(2);
    expect(seriesGroup(linSvg, 0).match(/<circle/g)).toHaveLength(3);
    checkWellFormed(logSvg);
    checkWellFormed(linSvg);
  });
  it('handles empty and constant data without NaN', () => {
    const empty = lineChart({ title: 'nothing', series: [] });
    checkWellFormed(empty);
    expect(empty).not.toMatch(/NaN/);
    const flat = lineChart({ series: [{ name: 'c', x: [1, 2], y: [3, 3] }] });
    checkWellFormed(flat);
    expect(flat).not.toMatch(/NaN/);
  });
});

describe('scatterChart and chartGrid', () => {
  it('scatter draws markers only; the grid nests panels with unique clip ids', () => {
    const a = scatterChart({ series: [{ name: 'a', x: [1, 2, 3], y: [1, 4, 9] }] });
    expect(seriesGroup(a, 0)).not.toContain('<path');
    const b = lineChart({ series: [{ name: 'b', x: [1, 2], y: [2, 1] }], width: 300, height: 200 });
    const grid = chartGrid([a, b, a], 2);
    checkWellFormed(grid);
    expect(grid.match(/<svg/g)).toHaveLength(4);
    expect(grid).toContain('id="plot-area-0"');
    expect(grid).toContain('id="plot-area-2"');
    expect(grid).toContain('url(#plot-area-1)');
    expect(grid).toMatch(/^<svg [^>]*width="1280" height="800"/);
  });
});

describe('formatting', () => {
  it('formats ticks and escapes XML', () => {
    expect(formatTick(1e-5, true)).toBe('1e-5');
    expect(formatTick(0.001, true)).toBe('0.001');
    expect(formatTick(1e6, true)).toBe('1e6');
    expect(formatTick(2.5, false)).toBe('2.5');
    expect(formatTick(0, false)).toBe('0');
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;');
  });
});
