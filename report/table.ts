/**
 * Text tables and number formatting for the human reports of the commands and benchmarks.
 *
 *   fmt(x)                          one number, compactly (3 significant digits)
 *   formatTable(header, rows)       a plain aligned table (numbers right-aligned, via fmt)
 *   markdownTable(header, rows, k)  a markdown table (first k columns left-aligned)
 *   toCsv(header, rows)             RFC 4180 CSV (csvField quotes one field)
 *
 * Pure functions of their arguments: no Node built-ins, nothing written.
 */

/**
 * Compact number for tables: integers exactly (below 1e15), otherwise 3 significant digits,
 * exponent form outside [1e-3, 1e6); '—' for NaN and ±Infinity.
 */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e15) return String(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(1);
  if (a >= 100) return x.toFixed(0);
  return String(Number(x.toPrecision(3)));
}

/** A plain table: header, a rule of dashes, the rows; every column right-aligned, numbers through fmt. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? fmt(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, j) => c.padStart(widths[j]!)).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A markdown table with aligned columns (right-aligned except the first `leftColumns`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 0): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length), 3));
  const pad = (c: string, j: number) => (j < leftColumns ? c.padEnd(widths[j]!) : c.padStart(widths[j]!));
  const line = (r: readonly string[]) => `| ${r.map((c, j) => pad(c, j)).join(' | ')} |`;
  const rule = `|${widths.map((w, j) => (j < leftColumns ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** One CSV field (RFC 4180): quoted when it holds a comma, quote or newline; numbers as JS prints them (non-finite → empty). */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text: the header line, one line per row, a final newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null | undefined)[])[]): string {
  return [header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n';
}
