/**
 * `dqp bench SUITE`: the benchmark suites. Each suite lives in bench/<suite>.ts and exports
 * `run(options: BenchOptions): Promise<void | BenchOutcome>` (bench/options.ts); this file only
 * parses the shared options.
 *
 * Interruption: a suite that exports `interruptible = true` gets `options.signal`, aborted by
 * the first Ctrl-C / SIGTERM (cli/interrupt.ts); it stops before its next problem, reports the
 * rows finished so far and resolves to { interrupted: true }: exit code 130. A second signal ends
 * the process at once. Suites without the export keep the default: a signal ends the process.
 */
import type { CommandModule } from 'yargs';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../optimizer/errors.ts';
import type { BenchOptions, BenchSuiteModule } from '../../bench/options.ts';
import { EXIT_INTERRUPTED, installInterrupt } from '../interrupt.ts';

export const SUITES = ['dense', 'sparse', 'simplex', 'chain', 'maros-meszaros', 'mpc', 'ldl'] as const;

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench');
/** '.ts' when run from the sources (tsx), '.js' when run from the compiled dist/ */
const moduleExt = extname(fileURLToPath(import.meta.url));

const list = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : String(v).split(',').map((s) => s.trim()).filter((s) => s.length > 0);

export const command: CommandModule = {
  command: 'bench <suite>',
  describe: `run a benchmark suite (${SUITES.join(', ')})`,
  builder: (y) =>
    y
      .positional('suite', { type: 'string', choices: SUITES as unknown as string[], describe: 'which suite' })
      .option('solver', { type: 'string', describe: 'solver name, or a comma-separated list to compare' })
      .option('sizes', { type: 'string', describe: 'comma-separated problem sizes n' })
      .option('samples', { type: 'number', describe: 'problems per size' })
      .option('problems', { type: 'string', describe: 'comma-separated problem names (file suites)' })
      .option('time-limit', { type: 'number', describe: 'seconds per problem' })
      .option('eps-active', { type: 'number', describe: 'active-set threshold ε_J' })
      .option('eps-abs', { type: 'number', describe: 'absolute tolerance of the forward solver (default: the dQP layer\'s 1e-9)' })
      .option('eps-rel', { type: 'number', describe: 'relative tolerance of the forward solver (default 0)' })
      .option('matrix', { type: 'string', describe: 'ldl suite: a Matrix Market file to factor' })
      .option('csv', { type: 'string', describe: 'also write the rows as CSV to this file' })
      .option('svg', { type: 'string', describe: 'also write a plot to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print results as JSON (last line of stdout)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Ctrl-C / SIGTERM (dense, sparse, simplex, chain): the suite finishes the current problem, prints and writes the ' +
          'results of the problems finished so far (marked interrupted) and exits with code 130; a second Ctrl-C stops at once.',
      ),
  handler: async (argv) => {
    const suite = String(argv.suite);
    const file = join(benchDir, `${suite}${moduleExt}`);
    if (!existsSync(file)) throw new InputError('suite', `one of ${SUITES.join(', ')} (implemented)`, `"${suite}" (not implemented yet)`);
    const sizes = list(argv.sizes)?.map((s) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n <= 0) throw new InputError('--sizes', 'positive integers', `"${s}"`);
      return n;
    });
    const options: BenchOptions = {
      solvers: list(argv.solver),
      sizes,
      samples: argv.samples as number | undefined,
      problems: list(argv.problems),
      timeLimit: argv['time-limit'] as number | undefined,
      epsActive: argv['eps-active'] as number | undefined,
      epsAbs: argv['eps-abs'] as number | undefined,
      epsRel: argv['eps-rel'] as number | undefined,
      matrix: argv.matrix as string | undefined,
      csv: argv.csv as string | undefined,
      svg: argv.svg as string | undefined,
      json: Boolean(argv.json),
      quiet: Boolean(argv.quiet),
    };
    const mod = (await import(pathToFileURL(file).href)) as BenchSuiteModule;
    if (mod.interruptible !== true) {
      await mod.run(options);
      return;
    }
    const stop = installInterrupt('the current problem');
    try {
      const outcome = await mod.run({ ...options, signal: stop.signal });
      if (outcome?.interrupted) process.exitCode = EXIT_INTERRUPTED;
    } finally {
      stop.dispose();
    }
  },
};
