/**
 * The dqp command line. Every file in cli/commands/ exports `command` (a yargs CommandModule);
 * they are registered in alphabetical order. Commands that report results accept --json and
 * then print one machine-readable JSON object as the LAST line of stdout.
 *
 * Exit codes (cli/interrupt.ts EXIT_*): 0 ok; 1 bad input or an error; 2 outputs written but the
 * result not certified / not solved; 130 interrupted by SIGINT / SIGTERM (the long-running
 * commands install cli/interrupt.ts and stop cleanly; the others end at once by default).
 */
import { readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yargs, { type CommandModule } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { DqpError } from '../optimizer/errors.ts';

const here = dirname(fileURLToPath(import.meta.url));
const commandDir = join(here, 'commands');
/** '.ts' when run from the sources (tsx), '.js' when run from the compiled dist/ */
const moduleExt = extname(fileURLToPath(import.meta.url));

async function loadCommands(): Promise<CommandModule[]> {
  const files = readdirSync(commandDir)
    .filter((f) => f.endsWith(moduleExt) && !f.endsWith('.d.ts'))
    .sort();
  const modules: CommandModule[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(commandDir, f)).href)) as { command?: CommandModule };
    if (mod.command) modules.push(mod.command);
  }
  return modules;
}

async function main(): Promise<void> {
  let cli = yargs(hideBin(process.argv))
    .scriptName('dqp')
    .usage('$0 <command> [options]\n\nDifferentiable quadratic programming over black-box QP solvers.')
    .strict()
    .demandCommand(1, 'Name a command (see the list above).')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .epilogue(
      'Exit codes: 0 ok; 1 bad input or an error (nothing written); 2 the run finished and wrote its outputs but the ' +
        'result is not certified (solve: no differentiable point; embed/refine: not converged, time limit, flipped triangles); ' +
        '130 interrupted by Ctrl-C / SIGTERM (embed, refine, sudoku, bench dense|sparse|simplex|chain finish the current ' +
        'step and write the results so far; a second Ctrl-C stops at once).',
    )
    .fail((msg, err) => {
      if (err) throw err;
      console.error(`${msg}\n\nRun with --help for usage.`);
      process.exit(1);
    });
  for (const c of await loadCommands()) cli = cli.command(c);
  await cli.parseAsync();
}

main().catch((err: unknown) => {
  if (err instanceof DqpError) {
    console.error(`dqp: ${err.name}: ${err.message}`);
  } else if (err instanceof Error) {
    console.error(`dqp: ${err.stack ?? err.message}`);
  } else {
    console.error(`dqp: ${String(err)}`);
  }
  process.exit(1);
});
