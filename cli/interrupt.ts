/**
 * Stopping long commands cleanly: Ctrl-C (SIGINT) and SIGTERM.
 *
 *   const stop = installInterrupt('the current iteration');
 *   try {
 *     const r = await embedBilevelAsync(qp, { ..., signal: stop.signal });  // yields between iterations
 *     ...write the outputs, print the summary...
 *     if (r.stopReason === 'interrupted') process.exitCode = EXIT_INTERRUPTED;
 *   } finally {
 *     stop.dispose();
 *   }
 *
 * First signal: `stop.signal` is aborted and one line goes to stderr ("dqp: interrupted (SIGINT)
 * — finishing the current iteration; press Ctrl-C again to stop now"; printed even with --quiet,
 * since it answers the user). The command's loop sees the abort at its next check (the loops
 * yield to the event loop between steps: a signal is only handled there), stops, writes its
 * outputs for the work done so far and exits with EXIT_INTERRUPTED (130).
 *
 * Second signal: the process ends at once. A JavaScript handler could not do that (it only runs
 * when the current synchronous step returns to the event loop), so shortly after the first
 * signal the handlers are removed and the operating system's default action applies: the
 * process is killed by the signal (a shell reports status 130 for SIGINT, 143 for SIGTERM). A
 * second signal that arrives while JavaScript still listens (the same event-loop turn, or during
 * a file write, see below) exits with code 130 after removing temporary files. (Two signals sent
 * before the first was delivered are merged into one by the kernel.)
 *
 * File writes: report/outputs.ts registers its temporary files for the duration of a write
 * (removed by a process 'exit' hook if the process exits before the rename) and runs its renames
 * (writeFileAtomic, OutputPlan.commit) inside holdSignals(), installed here as its critical
 * section: a signal then waits until the renames finished, so neither a temporary file nor a
 * partial output is left behind (only SIGKILL during a write can leave a `.NAME.PID.N.tmp`; the
 * output path itself is only ever replaced by rename).
 *
 * Exit codes of dqp (EXIT_*): 0 ok; 1 bad input or an error (nothing written); 2 the work ran
 * and the outputs were written, but the result is not certified / not everything was solved /
 * a time limit stopped it; 130 interrupted (outputs describe the work finished so far).
 */
import { setCriticalSection } from '../report/outputs.ts';

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_NOT_CERTIFIED = 2;
export const EXIT_INTERRUPTED = 130;

/** The handle of one command's interrupt handling. */
export interface Interrupt {
  /** aborted by the first SIGINT / SIGTERM */
  readonly signal: AbortSignal;
  /** the signal that aborted it, or null */
  readonly received: NodeJS.Signals | null;
  /** what a first signal lets finish, for its message (e.g. 'writing the outputs') */
  setStep(what: string): void;
  /** stop listening (idempotent); later signals have their default effect again */
  dispose(): void;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

interface Active {
  readonly controller: AbortController;
  what: string;
  received: NodeJS.Signals | null;
}

/** the interrupt of the running command (one at a time) */
let active: Active | null = null;
/** reasons besides an unsignalled `active` to keep the handlers installed (writes, grace periods) */
let holds = 0;
let listening = false;
/** process.exit runs report/outputs.ts's 'exit' hook, which removes the temporary files */
function exitNow(): never {
  process.exit(EXIT_INTERRUPTED);
}

function onSignal(sig: NodeJS.Signals): void {
  const a = active;
  if (a && a.received === null) {
    a.received = sig;
    const again = sig === 'SIGINT' ? 'press Ctrl-C again' : `send ${sig} again`;
    process.stderr.write(`dqp: interrupted (${sig}) — finishing ${a.what}; ${again} to stop now\n`);
    // keep listening a little longer: a second signal delivered in the same event-loop turn is
    // dispatched to us (and exits) instead of being dropped when the handler goes away
    holdUntilNextPoll();
    a.controller.abort(new Error(`interrupted by ${sig}`));
  } else {
    exitNow();
  }
}

function update(): void {
  const want = (active !== null && active.received === null) || holds > 0;
  if (want === listening) return;
  listening = want;
  for (const s of SIGNALS) {
    if (want) process.on(s, onSignal);
    else process.off(s, onSignal);
  }
}

/**
 * Keep the handlers until the event loop has gone through a poll phase (where pending signals
 * are dispatched): released after two setImmediate turns.
 */
function holdUntilNextPoll(): void {
  holds++;
  update();
  setImmediate(() =>
    setImmediate(() => {
      holds--;
      update();
    }),
  );
}

/**
 * Install the SIGINT / SIGTERM handling of a command. `what` completes the message "finishing
 * …" (e.g. 'the current iteration', 'the current problem'). A previous, undisposed interrupt is
 * replaced.
 */
export function installInterrupt(what = 'the current step'): Interrupt {
  const a: Active = { controller: new AbortController(), what, received: null };
  active = a;
  update();
  return {
    signal: a.controller.signal,
    get received() {
      return a.received;
    },
    setStep(what: string) {
      a.what = what;
    },
    dispose() {
      if (active === a) {
        active = null;
        update();
      }
    },
  };
}

/**
 * Run `fn` (synchronous) with the signal handlers installed, so that a SIGINT / SIGTERM arriving
 * meanwhile is handled only after `fn` returned (then: the first signal of an active interrupt
 * aborts it, any other exits with 130).
 */
export function holdSignals<T>(fn: () => T): T {
  holds++;
  update();
  try {
    return fn();
  } finally {
    holds--;
    holdUntilNextPoll();
  }
}

setCriticalSection(holdSignals);
