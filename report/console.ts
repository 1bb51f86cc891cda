/**
 * Console output of the commands: the --json channel, the human report and progress lines.
 *
 * The --json contract: stdout carries exactly one line, the JSON object (the result, or
 * `{"error": {...}}` on failure); everything meant for people goes to stderr. A command enters
 * JSON mode with enterJsonMode() before it does anything else: from then on every write to
 * process.stdout (our own human report, a benchmark suite's table, a library's console.log) is
 * sent to stderr, and only printJson reaches the real stdout, once.
 *
 *   enterJsonMode();                    // with --json
 *   process.stdout.write('summary\n');  // stdout normally, stderr in JSON mode
 *   printJson({ converged: true });     // the one stdout line
 */

type Write = typeof process.stdout.write;

let realStdoutWrite: Write | null = null;
let jsonPrinted = false;

/** Route process.stdout to stderr; printJson keeps the real stdout. Idempotent. */
export function enterJsonMode(): void {
  if (realStdoutWrite) return;
  realStdoutWrite = process.stdout.write.bind(process.stdout) as Write;
  process.stdout.write = process.stderr.write.bind(process.stderr) as Write;
}

/** True after enterJsonMode(). */
export function inJsonMode(): boolean {
  return realStdoutWrite !== null;
}

/** True once printJson wrote its line (an error after it must not print a second object). */
export function jsonWritten(): boolean {
  return jsonPrinted;
}

let holding = false;
let held: string | null = null;

/** Print `value` as one line of JSON on the real stdout (typed arrays as arrays, non-finite numbers as null). */
export function printJson(value: unknown): void {
  const line = `${JSON.stringify(value, jsonReplacer)}\n`;
  if (holding) {
    held = line;
    return;
  }
  jsonPrinted = true;
  if (realStdoutWrite) realStdoutWrite(line);
  else process.stdout.write(line);
}

/**
 * Keep the next printJson line back until releaseJson() (printed then) or dropJson() (discarded):
 * for code that prints its result before the command's outputs are committed (the benchmark
 * suites), so that a failing commit reports an error object instead of a result.
 */
export function holdJson(): void {
  holding = true;
}

export function releaseJson(): void {
  holding = false;
  const line = held;
  held = null;
  if (line !== null) {
    jsonPrinted = true;
    if (realStdoutWrite) realStdoutWrite(line);
    else process.stdout.write(line);
  }
}

export function dropJson(): void {
  holding = false;
  held = null;
}

function jsonReplacer(_key: string, v: unknown): unknown {
  if (v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array) return Array.from(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/** A progress reporter: one line to stderr per call, nothing when quiet. */
export interface Progress {
  (line: string): void;
}

export function progress(quiet: boolean): Progress {
  return quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
}
