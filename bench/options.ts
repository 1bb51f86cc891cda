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
  /** ldl suite: a Matrix Market file */
  readonly matrix?: string;
  readonly csv?: string;
  readonly svg?: string;
  readonly json: boolean;
  readonly quiet: boolean;
}
