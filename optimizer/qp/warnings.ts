/**
 * Non-fatal warnings of the QP layer (unknown backend options, a backend failure turned into a
 * status, a tolerance clamped to what a backend accepts). They go to one replaceable handler —
 * by default a line on stderr — so tests and applications can capture or silence them.
 */

/** Receives one warning message (no trailing newline). */
export type WarningHandler = (message: string) => void;

const defaultHandler: WarningHandler = (message) => {
  process.stderr.write(`dqp: warning: ${message}\n`);
};

let handler: WarningHandler = defaultHandler;

/** Emit a warning through the current handler. */
export function warn(message: string): void {
  handler(message);
}

/**
 * Replace the warning handler (null restores the default stderr writer). Returns the previous
 * handler so a caller can restore it.
 */
export function setWarningHandler(h: WarningHandler | null): WarningHandler {
  const previous = handler;
  handler = h ?? defaultHandler;
  return previous;
}

const warnedOnce = new Set<string>();

/** Emit `message` only the first time `key` is seen in this process (see resetWarnOnce). */
export function warnOnce(key: string, message: string): void {
  if (warnedOnce.has(key)) return;
  warnedOnce.add(key);
  warn(message);
}

/** Forget which once-only warnings were emitted (tests). */
export function resetWarnOnce(): void {
  warnedOnce.clear();
}
