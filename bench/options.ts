/** Options shared by every `dqp bench SUITE` (parsed in cli/commands/bench.ts). */
export interface BenchOptions {
  /** solver names to run/compare (suite default when undefined) */
  readonly solvers?: string[];
  /** problem sizes n (suite default when undefined) */
  readonly sizes?: number[];
  /** problems per size */
  readonly samples?: number;
  /** problem names for the file suites (maros-meszaros, mpc) */
  readonly problems?: string[];
  /** seconds per problem */
  readonly timeLimit?: number;
  /** active-set threshold ε_J */
  readonly epsActive?: number;
  /** absolute / relative tolerance given to the forward solver (file suites; suite default when undefined) */
  readonly epsAbs?: number;
  readonly epsRel?: number;
  /**
   * an external baseline run on the same inputs in the same run: dense suite 'cvxopt' (the same
   * problems), ldl suite 'cholmod' (the same matrix)
   */
  readonly baseline?: string;
  /** ldl suite: a Matrix Market file */
  readonly matrix?: string;
  /** ldl suite: grid points per side of the mesh KKT (bench/mesh-kkt.ts; default 123) */
  readonly grid?: number;
  /** ldl suite: LdlOptions.ordering by name (validated by the suite against LDL_ORDERINGS) */
  readonly ordering?: string;
  /** ldl suite: write the factored matrix as a symmetric Matrix Market file */
  readonly writeMatrix?: string;
  readonly csv?: string;
  readonly svg?: string;
  readonly json: boolean;
  readonly quiet: boolean;
  /**
   * aborted by the first Ctrl-C / SIGTERM (cli/interrupt.ts), only for suites that export
   * `interruptible = true`: the suite then stops before its next problem (it must yield to the
   * event loop between problems for the signal to be seen), reports the rows finished so far
   * (marked interrupted) and resolves to { interrupted: true }. Other suites keep the default
   * signal behaviour (the process ends at once).
   */
  readonly signal?: AbortSignal;
}

/** What a suite's run() may resolve to (void: not interrupted). */
export interface BenchOutcome {
  /** the suite stopped early because options.signal was aborted */
  readonly interrupted: boolean;
}

/** The module interface of bench/<suite>.ts. */
export interface BenchSuiteModule {
  run(options: BenchOptions): Promise<void | BenchOutcome>;
  /** true when run() honours options.signal (see BenchOptions.signal) */
  readonly interruptible?: boolean;
}
