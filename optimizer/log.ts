/**
 * The library's one channel for non-fatal warnings, and the sink of verbose progress lines.
 *
 * Warnings: a backend failure turned into a status, an ignored or clamped option, a
 * non-differentiable point of the dQP layer, … Each goes to ONE replaceable handler as its text
 * (`[code] message` when it has a code) and as a structured { code, message }. The default
 * handler prints `dqp: warning: <text>` on stderr. Applications and tests install their own with
 * setWarningHandler (to collect, reformat or silence them); dqp/warnings.ts adds the dQP layer's
 * codes (once per code) on top of this channel.
 *
 * Verbose lines (a backend's per-iteration trace when `verbose` is set) go through logLine, whose
 * default also writes to stderr; setLogHandler redirects them.
 *
 * Works anywhere: the default handlers write to process.stderr when the runtime has one (Node)
 * and use console.warn otherwise (a browser page or Web Worker has no `process`).
 */

/** A warning as delivered to the handler: `code` names its kind (null for uncoded warnings). */
export interface Warning {
  readonly code: string | null;
  readonly message: string;
}

/**
 * Receives each warning: `text` is the line to show (no `dqp: warning:` prefix, no newline),
 * `warning` the same as { code, message }. A one-argument handler `(text) => …` is valid.
 */
export type WarningHandler = (text: string, warning: Warning) => void;

/** Receives one verbose line (no trailing newline). */
export type LogHandler = (line: string) => void;

interface StderrLike {
  write(chunk: string): unknown;
}

/** process.stderr when this runtime has it, else null (browsers, Web Workers). */
function stderrStream(): StderrLike | null {
  const p = (globalThis as { process?: { stderr?: Partial<StderrLike> } }).process;
  const s = p?.stderr;
  return s && typeof s.write === 'function' ? (s as StderrLike) : null;
}

/** Write one line to stderr (Node) or to the console (elsewhere). */
function writeLine(line: string): void {
  const err = stderrStream();
  if (err) err.write(`${line}\n`);
  else console.warn(line);
}

/** The line a warning is shown as: `[code] message`, or the message alone without a code. */
export function warningText(w: Warning): string {
  return w.code === null ? w.message : `[${w.code}] ${w.message}`;
}

const defaultWarningHandler: WarningHandler = (text) => writeLine(`dqp: warning: ${text}`);
const defaultLogHandler: LogHandler = (line) => writeLine(line);

let warningHandler: WarningHandler = defaultWarningHandler;
let logHandler: LogHandler = defaultLogHandler;
const warnedOnce = new Set<string>();

/**
 * Replace the warning handler (null restores the default, a line on stderr). Returns the previous
 * handler, so a caller can put it back.
 */
export function setWarningHandler(h: WarningHandler | null): WarningHandler {
  const previous = warningHandler;
  warningHandler = h ?? defaultWarningHandler;
  return previous;
}

/** The handler warnings currently go to. */
export function getWarningHandler(): WarningHandler {
  return warningHandler;
}

/** Emit a warning (`code`: its kind, or null). */
export function emitWarning(message: string, code: string | null = null): void {
  const w: Warning = { code, message };
  warningHandler(warningText(w), w);
}

/** Emit an uncoded warning. */
export function warn(message: string): void {
  emitWarning(message, null);
}

/**
 * Emit the warning only the first time `key` is seen in this process (or since resetWarnOnce).
 * Returns true when it was emitted.
 */
export function warnOnce(key: string, message: string, code: string | null = null): boolean {
  if (warnedOnce.has(key)) return false;
  warnedOnce.add(key);
  emitWarning(message, code);
  return true;
}

/** Forget once-only keys: all of them, or those `which` accepts (tests; a worker's forwarding). */
export function resetWarnOnce(which?: (key: string) => boolean): void {
  if (!which) {
    warnedOnce.clear();
    return;
  }
  for (const k of [...warnedOnce]) if (which(k)) warnedOnce.delete(k);
}

/** Replace the verbose-line handler (null restores the default: stderr). Returns the previous one. */
export function setLogHandler(h: LogHandler | null): LogHandler {
  const previous = logHandler;
  logHandler = h ?? defaultLogHandler;
  return previous;
}

/** Emit one verbose line (a backend's trace when its `verbose` setting is on). */
export function logLine(line: string): void {
  logHandler(line);
}
