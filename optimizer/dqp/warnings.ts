/**
 * Warnings of the dQP layer (non-differentiable points, least-squares derivatives, missing duals),
 * delivered through the library's one warning channel (optimizer/log.ts) with their code.
 *
 * Each code is emitted at most ONCE per process (an outer loop that hits a degenerate point a
 * thousand times warns once; resetDqpWarnings() re-arms them); the per-call flags in
 * DqpForwardResult.flags / DqpGradients.leastSquares report every occurrence. The text is
 * `[code] message`, so the default handler prints `dqp: warning: [weakly-active] …` on stderr.
 *
 * setDqpWarningHandler is a convenience over that channel for code that only wants the dQP
 * layer's warnings as { code, message } (the worker pool forwards them this way; tests collect
 * them): warnings with a dQP code go to `h`, every other warning still reaches the handler that
 * was installed before.
 */
import { getWarningHandler, resetWarnOnce, setWarningHandler, warningText, warnOnce, type WarningHandler } from '../log.ts';

export type DqpWarningCode =
  | 'weakly-active'
  | 'overdetermined'
  | 'singular-kkt'
  | 'least-squares-solve'
  | 'no-solver-duals'
  | 'solve-failed';

const DQP_CODES: ReadonlySet<string> = new Set<DqpWarningCode>([
  'weakly-active',
  'overdetermined',
  'singular-kkt',
  'least-squares-solve',
  'no-solver-duals',
  'solve-failed',
]);

export interface DqpWarning {
  readonly code: DqpWarningCode;
  readonly message: string;
}

export type DqpWarningHandler = (warning: DqpWarning) => void;

/** the once-only key of a dQP code in the channel's once-set */
const onceKey = (code: DqpWarningCode): string => `dqp:${code}`;

/** channel handlers to restore when a handler returned by setDqpWarningHandler is installed again */
const restores = new WeakMap<DqpWarningHandler, WarningHandler>();

/**
 * Send the dQP layer's warnings to `h` (null restores the channel's default handler). Returns a
 * handler that, passed back to this function, restores exactly the previous state.
 */
export function setDqpWarningHandler(h: DqpWarningHandler | null): DqpWarningHandler {
  let previous: WarningHandler;
  const restore = h === null ? undefined : restores.get(h);
  if (h === null) previous = setWarningHandler(null);
  else if (restore) previous = setWarningHandler(restore);
  else {
    const others = getWarningHandler();
    previous = setWarningHandler((text, w) => {
      if (w.code !== null && DQP_CODES.has(w.code)) h({ code: w.code as DqpWarningCode, message: w.message });
      else others(text, w);
    });
  }
  const asDqp: DqpWarningHandler = (w) => previous(warningText(w), w);
  restores.set(asDqp, previous);
  return asDqp;
}

/** Forget which dQP codes were already emitted (each code warns once more). */
export function resetDqpWarnings(): void {
  resetWarnOnce((key) => key.startsWith('dqp:'));
}

/** Deliver `message` under `code` unless that code was already emitted. */
export function dqpWarn(code: DqpWarningCode, message: string): void {
  warnOnce(onceKey(code), message, code);
}
