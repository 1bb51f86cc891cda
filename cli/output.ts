/**
 * Output helpers shared by the commands: the --json convention (one JSON object, last line of
 * stdout), progress lines on stderr that --quiet silences, and atomic file writes (write to a
 * temporary name in the same folder, then rename, so a failed run never leaves a partial file).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { holdSignals, registerTemporary, releaseTemporary } from './interrupt.ts';

/** Print `value` as one line of JSON on stdout (the last line a command prints). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, jsonReplacer)}\n`);
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) return Array.from(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** A progress reporter: writes to stderr unless quiet. */
export interface Progress {
  (line: string): void;
}

export function progress(quiet: boolean): Progress {
  return quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
}

/**
 * Write `content` to `path` atomically (temporary file `.NAME.PID.TIME.tmp` in the same folder +
 * rename). Creates the folder. A SIGINT / SIGTERM during the write is handled after the rename
 * (cli/interrupt.ts holdSignals), and the temporary file is removed if the process exits before
 * the rename, so `path` is either untouched or complete and no temporary file stays behind.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  holdSignals(() => {
    registerTemporary(tmp);
    try {
      writeFileSync(tmp, content);
      renameSync(tmp, path);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw e;
    } finally {
      releaseTemporary(tmp);
    }
  });
}

/** Format a table of rows (arrays of cells) with right-aligned numeric columns. */
export function formatTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => (r[j] ?? '').length)));
  const line = (r: readonly string[]) => r.map((c, j) => c.padStart(widths[j]!)).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return x.toFixed(a >= 100 ? 1 : a >= 1 ? 2 : 4);
}
