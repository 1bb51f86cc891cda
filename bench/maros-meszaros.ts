/**
 * `dqp bench maros-meszaros`: the 137 Maros–Meszaros convex QPs (benchmarks.md, family 5) from
 * ../shared/data/maros_meszaros/*.mat (relative to the repository root), read by
 * readMarosMeszaros (optimizer/qp/readers.ts), solved by each solver (default: ipm) with a
 * time limit per problem (default 20 s), through the shared runner bench/file-suite.ts (rows,
 * `solved` criterion, output formats documented there). The reported objective includes the
 * file's constant r.
 *
 *   npx dqp bench maros-meszaros --solver ipm --problems HS21,QAFIRO --time-limit 60 --json
 */
import { readMarosMeszaros } from '../optimizer/qp/readers.ts';
import { runFileSuite, type FileSuiteSpec } from './file-suite.ts';
import type { BenchOptions } from './options.ts';

export const SPEC: FileSuiteSpec = {
  suite: 'maros-meszaros',
  folder: '../shared/data/maros_meszaros',
  extension: '.mat',
  read: (path) => {
    const mm = readMarosMeszaros(path);
    return { problem: mm.problem, objectiveOffset: mm.r };
  },
  defaultSolvers: ['ipm'],
  defaultTimeLimit: 20,
};

export async function run(options: BenchOptions): Promise<void> {
  await runFileSuite(SPEC, options);
}
