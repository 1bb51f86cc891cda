/**
 * Small helpers shared by test files (not a test file itself): the seeded generator, the error
 * catcher, a stdout capture and warning captures.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resetDqpWarnings, setDqpWarningHandler, type DqpWarning } from '../optimizer/dqp/warnings.ts';
import { resetWarnOnce, setWarningHandler } from '../optimizer/qp/warnings.ts';

/** The CLI launcher, by absolute path: child processes need not run from the repository root. */
export const DQP_BIN: string = fileURLToPath(new URL('../bin/dqp.js', import.meta.url));

/** mulberry32 (optimizer/util/random.ts): seeded, uniform in [0, 1); rng(seed) returns a fresh stream. */
export { mulberry32 as rng } from '../optimizer/util/random.ts';

/** The error thrown by fn(); throws (failing the test) when fn returns normally. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

/** Run `fn` with process.stdout.write captured; returns what it printed. */
export async function captureStdout(fn: () => Promise<unknown>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

/**
 * The dQP-layer warnings raised while `fn` runs, and its result. The once-per-code memory is
 * cleared first, so the list does not depend on what other tests raised before, and the previous
 * handler is restored after (also when fn throws). Use it instead of a file-wide array that
 * earlier tests fill.
 */
export function captureDqpWarnings<T>(fn: () => T): { result: T; warnings: DqpWarning[] } {
  const warnings: DqpWarning[] = [];
  resetDqpWarnings();
  const previous = setDqpWarningHandler((w) => warnings.push(w));
  try {
    return { result: fn(), warnings };
  } finally {
    setDqpWarningHandler(previous);
    resetDqpWarnings();
  }
}

/** captureDqpWarnings for an async `fn` (e.g. a worker pool call whose warnings come back). */
export async function captureDqpWarningsAsync<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: DqpWarning[] }> {
  const warnings: DqpWarning[] = [];
  resetDqpWarnings();
  const previous = setDqpWarningHandler((w) => warnings.push(w));
  try {
    return { result: await fn(), warnings };
  } finally {
    setDqpWarningHandler(previous);
    resetDqpWarnings();
  }
}

/** The QP-layer warning lines (optimizer/qp/warnings.ts) raised while `fn` runs; same isolation. */
export function captureQpWarnings<T>(fn: () => T): { result: T; warnings: string[] } {
  const warnings: string[] = [];
  resetWarnOnce();
  const previous = setWarningHandler((m) => warnings.push(m));
  try {
    return { result: fn(), warnings };
  } finally {
    setWarningHandler(previous);
    resetWarnOnce();
  }
}

/** the environment without NODE_OPTIONS (vitest's workers may carry loader flags) */
export function plainEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** A module-resolution hook that appends every resolved URL to the file named by DQP_TRACE. */
export const TRACE_HOOK = String.raw`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.DQP_TRACE, r.url + '\n');
  return r;
}
`;

/** minimize ½ zᵀPz + qᵀz s.t. z1 + z2 + z3 = 1, z1 ≤ 0.1, z1 − z2 ≤ 5, lb ≤ z ≤ ub: the start-up tests' 3-variable QP (JSON format) */
export const QP3 = {
  P: { format: 'dense', shape: [3, 3], data: [[4, 1, 0], [1, 3, 0.5], [0, 0.5, 2]] },
  q: [-1, 2, -3],
  A: { format: 'dense', shape: [1, 3], data: [[1, 1, 1]] },
  b: [1],
  C: { format: 'dense', shape: [2, 3], data: [[1, 0, 0], [1, -1, 0]] },
  d: [0.1, 5],
  lb: [-1, -0.2, -1],
  ub: [2, 2, 2],
};

/**
 * Whether Debian's /usr/bin/python3 has the benchmark baselines' packages (numpy, scipy, cvxopt).
 * Tests of the baselines run where it does; with DQP_REQUIRE_BASELINES=1 (set by .ci/run, which
 * installs them) a missing package is a failure, not a skip.
 */
export function baselinePythonAvailable(): boolean {
  const ok = spawnSync('/usr/bin/python3', ['-c', 'import numpy, scipy, cvxopt'], { encoding: 'utf8' }).status === 0;
  if (!ok && process.env.DQP_REQUIRE_BASELINES === '1') {
    throw new Error('DQP_REQUIRE_BASELINES=1 but /usr/bin/python3 lacks numpy/scipy/cvxopt (apt-get install python3-cvxopt python3-scipy)');
  }
  return ok;
}
