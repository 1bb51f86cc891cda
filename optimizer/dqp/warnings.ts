/**
 * Warnings of the dQP layer (non-differentiable points, least-squares derivatives, missing duals).
 *
 * A warning is delivered to the current handler at most ONCE per code per process (an outer
 * loop that hits a degenerate point a thousand times warns once); the per-call flags in
 * DqpForwardResult.flags / DqpGradients.leastSquares report every occurrence. The default
 * handler forwards `[code] message` to the QP layer's handler (optimizer/qp/warnings.ts: a line
 * on stderr unless replaced), so one application-level handler sees everything. Tests install
 * their own handler here and call resetDqpWarnings() to see every code again.
 */
import { warn } from '../qp/warnings.ts';

export type DqpWarningCode =
  | 'weakly-active'
  | 'overdetermined'
  | 'singular-kkt'
  | 'least-squares-solve'
  | 'no-solver-duals'
  | 'solve-failed';

export interface DqpWarning {
  readonly code: DqpWarningCode;
  readonly message: string;
}

export type DqpWarningHandler = (warning: DqpWarning) => void;

const defaultHandler: DqpWarningHandler = (w) => {
  warn(`[${w.code}] ${w.message}`);
};

let handler: DqpWarningHandler = defaultHandler;
const emitted = new Set<DqpWarningCode>();

/** Install a handler (null restores the default). Returns the previous handler. */
export function setDqpWarningHandler(h: DqpWarningHandler | null): DqpWarningHandler {
  const prev = handler;
  handler = h ?? defaultHandler;
  return prev;
}

/** Forget which codes were already emitted (each code warns once more). */
export function resetDqpWarnings(): void {
  emitted.clear();
}

/** Deliver `message` under `code` unless that code was already emitted. */
export function dqpWarn(code: DqpWarningCode, message: string): void {
  if (emitted.has(code)) return;
  emitted.add(code);
  handler({ code, message });
}
