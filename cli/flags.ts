/**
 * Up-front validation of the numeric and list flags of the commands. Every check runs before a
 * command does any work; a bad value is an InputError naming the flag as the user typed it
 * (`--lr`), the accepted range, and the value found, e.g.
 *   --lr: expected a positive number ≤ 10, found 1e100
 *
 * Numeric flags reach us as the text typed (numberOption, and number parsing is off in
 * cli/main.ts) so that the message quotes what the user typed ("abc", "1e100"), not yargs' NaN.
 */
import type { Options } from 'yargs';
import type { DualLossKind } from '../optimizer/bilevel/dual-loss.ts';
import { InputError, SolverNotFoundError } from '../optimizer/errors.ts';

/** An accepted range: [min, max], an end open when its *Open flag is set; integers only when integer. */
export interface Range {
  readonly min: number;
  readonly max: number;
  readonly minOpen?: boolean;
  readonly maxOpen?: boolean;
  readonly integer?: boolean;
}

/** "a positive number ≤ 10", "a positive integer ≤ 1000000", "an integer in [0, 10000000]", "a number in [1e-15, 1]" */
export function describeRange(r: Range): string {
  const num = (x: number) => (Number.isFinite(x) ? String(x) : x > 0 ? '∞' : '−∞');
  const upper = Number.isFinite(r.max) ? ` ${r.maxOpen ? '<' : '≤'} ${num(r.max)}` : '';
  if (r.integer && r.min === 1 && !r.minOpen) return `a positive integer${upper}`;
  if (!r.integer && r.min === 0 && r.minOpen) return `a positive number${upper}`;
  const kind = r.integer ? 'an integer' : 'a number';
  return `${kind} in ${r.minOpen ? '(' : '['}${num(r.min)}, ${num(r.max)}${r.maxOpen ? ')' : ']'}`;
}

/**
 * A yargs option for a number flag; its help text ends with the range and the default. No yargs
 * type: with the parser's number parsing off (cli/main.ts) the value stays the text the user
 * typed, for numberFlag to check and quote.
 */
export function numberOption(describe: string, range: Range, defaultValue?: number): Options {
  const d = defaultValue === undefined ? '' : `; default ${defaultValue}`;
  return { describe: `${describe} (${describeRange(range)}${d})`, requiresArg: true };
}

const shown = (v: unknown) => {
  const s = Array.isArray(v) ? `${v.map(String).join(' and ')} (given ${v.length} times)` : String(v);
  return s.length > 100 ? `${s.slice(0, 100)}… (${s.length} characters)` : s === '' ? 'an empty value' : s;
};

function parseIn(flag: string, raw: unknown, r: Range): number {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const x = typeof raw === 'number' ? raw : text === '' ? Number.NaN : Number(text);
  const ok =
    Number.isFinite(x) &&
    (r.integer ? Number.isInteger(x) : true) &&
    (r.minOpen ? x > r.min : x >= r.min) &&
    (r.maxOpen ? x < r.max : x <= r.max);
  if (!ok || Array.isArray(raw)) throw new InputError(flag, describeRange(r), shown(raw));
  return x;
}

/** The flag's value checked against `r`; `fallback` (not checked) when the flag was not given. */
export function numberFlag(argv: Record<string, unknown>, flag: string, r: Range): number | undefined;
export function numberFlag(argv: Record<string, unknown>, flag: string, r: Range, fallback: number): number;
export function numberFlag(argv: Record<string, unknown>, flag: string, r: Range, fallback?: number): number | undefined {
  const raw = argv[flag.replace(/^--/, '')];
  if (raw === undefined) return fallback;
  return parseIn(flag, raw, r);
}

const listExpected = (r: Range) => `a comma-separated list, each ${describeRange(r)}`;

/** A comma-separated list of numbers, each checked against `r`; undefined when not given. */
export function numberListFlag(argv: Record<string, unknown>, flag: string, r: Range): number[] | undefined {
  const raw = argv[flag.replace(/^--/, '')];
  if (raw === undefined) return undefined;
  if (Array.isArray(raw) || typeof raw !== 'string') throw new InputError(flag, listExpected(r), shown(raw));
  const items = raw.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new InputError(flag, listExpected(r), shown(raw));
  return items.map((s) => {
    try {
      return parseIn(flag, s, r);
    } catch {
      throw new InputError(flag, listExpected(r), `"${shown(s)}" in ${shown(raw)}`);
    }
  });
}

/** A comma-separated list of names; undefined when not given. */
export function listFlag(v: unknown): string[] | undefined {
  return v === undefined ? undefined : String(v).split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Check the solver names given to `flag` with `lookup` (the registry's getBackend): an unknown
 * name stays a SolverNotFoundError (listing the registered solvers) whose message starts with
 * the flag, e.g. `--solver: unknown solver "x"; available solvers: ipm, …`.
 */
export function checkSolverFlag(flag: string, names: readonly string[] | undefined, lookup: (name: string) => unknown): void {
  for (const name of names ?? []) {
    try {
      lookup(name);
    } catch (e) {
      if (e instanceof SolverNotFoundError && !e.message.startsWith(`${flag}: `)) e.message = `${flag}: ${e.message}`;
      throw e;
    }
  }
}

/**
 * --loss (norm | squared-norm | log-norm; yargs checks the choices) against --squared: undefined
 * when --loss is absent (the library's default, or squared-norm with --squared); InputError naming
 * both flags when they contradict.
 */
export function lossFlag(argv: Record<string, unknown>): DualLossKind | undefined {
  const raw = argv.loss;
  if (raw === undefined) return undefined;
  const kind = String(raw) as DualLossKind;
  if (argv.squared === true && kind !== 'squared-norm') throw new InputError('--loss', `squared-norm with --squared (or drop --squared)`, `--loss ${kind} --squared`);
  return kind;
}

/** The ranges shared by several commands (stated in --help). */
export const RANGES = {
  /** solver tolerances */
  eps: { min: 1e-15, max: 1 } as Range,
  epsRel: { min: 0, max: 1 } as Range,
  epsActive: { min: 0, max: 1, minOpen: true } as Range,
  /** seconds: up to ~115 days */
  timeLimit: { min: 0, max: 1e7, minOpen: true } as Range,
  maxIter: { min: 0, max: 1e7, integer: true } as Range,
  lr: { min: 0, max: 10, minOpen: true } as Range,
  /** κ of the cone rows' margin (embedding-qp.ts) */
  coneMargin: { min: 0, max: 10 } as Range,
  /** Adam's β₂ */
  beta2: { min: 0, max: 1, maxOpen: true } as Range,
  reg: { min: 0, max: 1e6 } as Range,
  seed: { min: 0, max: 2 ** 32 - 1, integer: true } as Range,
} as const;
