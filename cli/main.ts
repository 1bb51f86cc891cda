/**
 * The dqp command line.
 *
 * Start-up: `dqp --version` answers from package.json before yargs or any command is loaded.
 * Otherwise the first positional argument picks the ONE command module to load (cli/commands/
 * NAME.ts, each exporting `command`, a yargs CommandModule); all of them are loaded only for the
 * top-level --help or an unknown command. Command modules import their heavy dependencies
 * (tfjs, the geometry, benchmark suites) inside their handlers.
 *
 * The --json contract (report/console.ts): with --json, stdout carries exactly one line, the
 * JSON object of the result; the human report and progress go to stderr. A failure prints
 * `{"error":{"type":"InputError","message":"…","exitCode":1}}` as that line (and the message on
 * stderr, as without --json).
 *
 * Exit codes (cli/interrupt.ts EXIT_*): 0 ok; 1 bad input or an error (typed message naming the
 * flag or file; no output file written or changed); 2 the run finished and wrote its outputs,
 * but the result is not certified / not solved; 130 interrupted by SIGINT / SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandModule } from 'yargs';
import { DqpError, FileAccessError } from '../optimizer/errors.ts';
import { enterJsonMode, inJsonMode, jsonWritten, printJson } from '../report/console.ts';
import { fsReason, isFsError } from '../report/outputs.ts';
// every command's file commits run with SIGINT / SIGTERM held (interrupt.ts installs that)
import './interrupt.ts';

type Loader = () => Promise<{ command: CommandModule }>;

/** Every command, by name: only the one that runs is imported. */
const COMMANDS: Readonly<Record<string, Loader>> = {
  bench: () => import('./commands/bench.ts'),
  diagnose: () => import('./commands/diagnose.ts'),
  embed: () => import('./commands/embed.ts'),
  refine: () => import('./commands/refine.ts'),
  serve: () => import('./commands/serve.ts'),
  solve: () => import('./commands/solve.ts'),
  solvers: () => import('./commands/solvers.ts'),
  sudoku: () => import('./commands/sudoku.ts'),
};

/** A command line yargs rejects (unknown command or option, missing argument). */
export class UsageError extends DqpError {}

const EXIT_ERROR = 1;

/** The version in package.json (found next to the sources, or one level up from dist/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dqp' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: go up
    }
  }
  return 'unknown';
}

/** Arguments before a `--` end-of-options marker. */
function optionArgs(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end < 0 ? args : args.slice(0, end);
}

/** Report a failure: message on stderr; with --json also the error object on stdout. */
function fail(err: unknown, exitCode = EXIT_ERROR): never {
  let type: string;
  let message: string;
  if (err instanceof DqpError) {
    type = err.name;
    message = err.message;
    process.stderr.write(`dqp: ${type}: ${message}\n`);
  } else if (isFsError(err)) {
    // a file-system error that no command turned into a typed one: still name the path and reason
    const e = new FileAccessError(err.path ?? '(unknown path)', 'file', fsReason(err));
    type = e.name;
    message = e.message;
    process.stderr.write(`dqp: ${type}: ${message}\n`);
  } else {
    // a bug: keep the stack for the report
    type = 'InternalError';
    message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`dqp: internal error: ${err instanceof Error ? (err.stack ?? err.message) : message}\n`);
  }
  if (inJsonMode() && !jsonWritten()) printJson({ error: { type, message, exitCode } });
  process.exit(exitCode);
}

/**
 * yargs' usage message as ONE line naming the flag: its "Invalid values:" block (one line per
 * argument) becomes `--flag: expected one of "a", "b", found "x"` (a positional argument keeps its
 * bare name), and any other multi-line message is joined with "; ".
 */
function usageLine(msg: string, args: readonly string[]): string {
  const lines = msg.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[0] === 'Invalid values:') {
    const parts = lines.slice(1).map((l) => {
      const m = /^Argument: (.+?), Given: (.+?), Choices: (.+)$/.exec(l);
      if (!m) return l;
      const name = m[1]!;
      const isFlag = args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
      return `${isFlag ? `--${name}` : name}: expected one of ${m[3]}, found ${m[2]}`;
    });
    return parts.join('; ');
  }
  return lines.join('; ');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opts = optionArgs(args);
  if (opts.includes('--version')) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if (opts.includes('--json')) enterJsonMode();
  const first = opts.find((a) => !a.startsWith('-'));
  const loaders = first !== undefined && Object.hasOwn(COMMANDS, first) ? [COMMANDS[first]!] : Object.values(COMMANDS);

  const { default: yargs } = await import('yargs');
  let cli = yargs(args)
    .scriptName('dqp')
    .usage('$0 <command> [options]\n\nDifferentiable quadratic programming over black-box QP solvers.')
    .strict()
    // numbers stay as typed: cli/flags.ts checks them and quotes them in its messages
    .parserConfiguration({ 'parse-numbers': false, 'parse-positional-numbers': false })
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .option('version', { type: 'boolean', describe: 'print the version of dqp and exit' })
    .wrap(Math.min(110, process.stderr.columns ?? process.stdout.columns ?? 100))
    .epilogue(
      'Exit codes: 0 ok; 1 bad input or an error (a typed message naming the flag or file; no output file is written ' +
        'or changed); 2 the run finished and wrote its outputs but the result is not certified (solve: not solved, e.g. ' +
        'infeasible or non_convex; embed/refine: not converged, time limit, flipped triangles); 130 interrupted by ' +
        'Ctrl-C / SIGTERM (embed, refine, sudoku, bench dense|sparse|simplex|chain finish the current step and write ' +
        'the results so far; a second Ctrl-C stops at once). With --json, stdout carries only one JSON line: the result, ' +
        'or {"error":{"type","message","exitCode"}}; everything else goes to stderr.',
    )
    .fail((msg, err) => {
      if (err) throw err;
      fail(new UsageError(`${usageLine(msg, opts)} (run dqp --help for usage)`));
    });
  for (const load of loaders) cli = cli.command((await load()).command);
  await cli.parseAsync();
}

main().catch((err: unknown) => fail(err));
