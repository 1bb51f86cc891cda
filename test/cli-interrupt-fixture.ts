/**
 * Child process for test/cli-interrupt.test.ts (not a test file): exercises cli/interrupt.ts
 * where the CLI commands cannot be made to block on purpose.
 *
 *   node --import tsx test/cli-interrupt-fixture.ts busy       prints "ready"; after the first
 *        signal "aborted", then "busy" and spins synchronously for 30 s, then "busy done"
 *   node --import tsx test/cli-interrupt-fixture.ts hold TMP   prints "ready"; after the first
 *        signal "holding", registers TMP as a temporary file, creates it and spins for 1.5 s
 *        inside holdSignals, prints "held done", then waits 10 s and prints "end"
 */
import { writeFileSync } from 'node:fs';
import { holdSignals, installInterrupt } from '../cli/interrupt.ts';
import { registerTemporary } from '../report/outputs.ts';

const spin = (ms: number) => {
  const t = Date.now();
  while (Date.now() - t < ms) {
    // busy: no event-loop turn, so no JavaScript signal handler can run
  }
};
const say = (s: string) => process.stdout.write(`${s}\n`);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const mode = process.argv[2];
  const stop = installInterrupt('the fixture step');
  const keepAlive = setInterval(() => {}, 1000); // signal handles do not keep the process alive
  say('ready');
  await new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
  clearInterval(keepAlive);
  say('aborted');
  await pause(100); // past the short grace period in which a second signal still reaches JavaScript
  if (mode === 'busy') {
    say('busy');
    spin(30_000);
    say('busy done');
  } else if (mode === 'hold') {
    const tmp = process.argv[3]!;
    holdSignals(() => {
      say('holding');
      registerTemporary(tmp);
      writeFileSync(tmp, 'partial');
      spin(1500);
    });
    say('held done');
    await pause(10_000);
    say('end');
  }
  stop.dispose();
}

await main();
