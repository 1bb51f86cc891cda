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
import type { BenchOptions, BenchSuiteModule } from '../../bench/options.ts';
import { dropJson, holdJson, releaseJson } from '../../report/console.ts';
import { prepareOutputs } from '../../report/outputs.ts';
import { checkSolverFlag, listFlag, numberFlag, numberListFlag, numberOption, RANGES, type Range } from '../flags.ts';
import { InputError } from '../../optimizer/errors.ts';
import { EXIT_INTERRUPTED, installInterrupt } from '../interrupt.ts';

export const SUITES = ['dense', 'sparse', 'simplex', 'chain', 'maros-meszaros', 'mpc', 'ldl'] as const;
type Suite = (typeof SUITES)[number];

/** Each suite's module, imported only when it runs. */
const SUITE_MODULES: Readonly<Record<Suite, () => Promise<BenchSuiteModule>>> = {
  dense: () => import('../../bench/dense.ts'),
  sparse: () => import('../../bench/sparse.ts'),
  simplex: () => import('../../bench/simplex.ts'),
  chain: () => import('../../bench/chain.ts'),
  'maros-meszaros': () => import('../../bench/maros-meszaros.ts'),
  mpc: () => import('../../bench/mpc.ts'),
  ldl: () => import('../../bench/ldl.ts'),
};

const SIZE_RANGE: Range = { min: 1, max: 1e7, integer: true };
const SAMPLES_RANGE: Range = { min: 1, max: 1e6, integer: true };
const GRID_RANGE: Range = { min: 3, max: 2000, integer: true };

export const command: CommandModule = {
  command: 'bench <suite>',
  describe: `run a benchmark suite (${SUITES.join(', ')})`,
  builder: (y) =>
    y
      .positional('suite', { type: 'string', choices: SUITES as unknown as string[], describe: 'which suite' })
      .option('solver', { type: 'string', describe: 'solver name, or a comma-separated list to compare' })
      .option('sizes', { type: 'string', requiresArg: true, describe: `comma-separated problem sizes n (integers in [${SIZE_RANGE.min}, ${SIZE_RANGE.max}])` })
      .option('samples', numberOption('problems per size', SAMPLES_RANGE))
      .option('problems', { type: 'string', describe: 'comma-separated problem names (file suites)' })
      .option('time-limit', numberOption('seconds per problem', RANGES.timeLimit))
      .option('eps-active', numberOption('active-set threshold ε_J', RANGES.epsActive))
      .option('eps-abs', numberOption("absolute tolerance of the forward solver (default: the dQP layer's 1e-9)", RANGES.eps))
      .option('eps-rel', numberOption('relative tolerance of the forward solver (default 0)', RANGES.epsRel))
      .option('matrix', { type: 'string', describe: 'ldl suite: a Matrix Market file to factor' })
      .option('grid', { type: 'string', requiresArg: true, describe: `ldl suite: grid points per side of the mesh KKT (an integer in [${GRID_RANGE.min}, ${GRID_RANGE.max}]; default 123)` })
      .option('ordering', { type: 'string', requiresArg: true, describe: 'ldl suite: fill-reducing ordering of the sparse LDLᵀ: amd (default), nd, auto or natural' })
      .option('write-matrix', { type: 'string', requiresArg: true, describe: 'ldl suite: also write the factored matrix as a symmetric Matrix Market file' })
      .option('baseline', { type: 'string', requiresArg: true, describe: 'also run an external baseline on the same inputs in the same run: dense suite cvxopt (bench/baselines/cvxopt_dense.py), ldl suite cholmod (bench/baselines/cholmod_ldl.py); through /usr/bin/python3 with cvxopt or $DQP_PYTHON' })
      .option('csv', { type: 'string', describe: 'also write the rows as CSV to this file' })
      .option('svg', { type: 'string', describe: 'also write a plot to this SVG file' })
      .option('json', { type: 'boolean', default: false, describe: 'print only the results as one JSON line on stdout (the tables go to stderr)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress on stderr' })
      .epilogue(
        'Ctrl-C / SIGTERM (dense, sparse, simplex, chain): the suite finishes the current problem, prints and writes the ' +
          'results of the problems finished so far (marked interrupted) and exits with code 130; a second Ctrl-C stops at once.',
      ),
  handler: async (argv) => {
    const suite = String(argv.suite) as Suite;
    const load = SUITE_MODULES[suite];
    const csv = argv.csv === undefined ? undefined : String(argv.csv);
    const svg = argv.svg === undefined ? undefined : String(argv.svg);
    const matrix = argv.matrix === undefined ? undefined : String(argv.matrix);
    if (argv.baseline !== undefined && suite !== 'dense' && suite !== 'ldl') {
      throw new InputError('--baseline', 'the dense suite (dqp bench dense --baseline cvxopt) or the ldl suite (dqp bench ldl --baseline cholmod)', `suite ${suite}`);
    }
    const writeMatrix = argv['write-matrix'] === undefined ? undefined : String(argv['write-matrix']);
    const solvers = listFlag(argv.solver);
    if (solvers) checkSolverFlag('--solver', solvers, (await import('../../optimizer/qp/registry.ts')).getBackend);
    const options: BenchOptions = {
      solvers,
      sizes: numberListFlag(argv, '--sizes', SIZE_RANGE),
      samples: numberFlag(argv, '--samples', SAMPLES_RANGE),
      problems: listFlag(argv.problems),
      timeLimit: numberFlag(argv, '--time-limit', RANGES.timeLimit),
      epsActive: numberFlag(argv, '--eps-active', RANGES.epsActive),
      epsAbs: numberFlag(argv, '--eps-abs', RANGES.eps),
      epsRel: numberFlag(argv, '--eps-rel', RANGES.epsRel),
      matrix,
      grid: numberFlag(argv, '--grid', GRID_RANGE),
      ordering: argv.ordering === undefined ? undefined : String(argv.ordering),
      writeMatrix,
      baseline: argv.baseline === undefined ? undefined : String(argv.baseline),
      csv,
      svg,
      json: Boolean(argv.json),
      quiet: Boolean(argv.quiet),
    };
    // the suites write --csv / --svg themselves (report/outputs.ts writeFileAtomic): inside
    // plan.run those writes are staged and land together when the suite returns, or not at all
    const plan = prepareOutputs({
      inputs: [matrix === undefined ? undefined : { flag: '--matrix', path: matrix }],
      outputs: [
        csv === undefined ? undefined : { flag: '--csv', path: csv },
        svg === undefined ? undefined : { flag: '--svg', path: svg },
        writeMatrix === undefined ? undefined : { flag: '--write-matrix', path: writeMatrix },
      ],
    });
    const mod = await load();
    // the suite prints its JSON before plan.run commits the files: hold the line until then
    holdJson();
    const stop = mod.interruptible === true ? installInterrupt('the current problem') : null;
    try {
      const outcome = await plan.run(() => mod.run(stop ? { ...options, signal: stop.signal } : options));
      releaseJson();
      if (outcome?.interrupted) process.exitCode = EXIT_INTERRUPTED;
    } catch (e) {
      dropJson();
      throw e;
    } finally {
      stop?.dispose();
    }
  },
};
