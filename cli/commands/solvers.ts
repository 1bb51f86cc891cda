/**
 * `dqp solvers [--json]`: the registered QP backends, whether each is ready (after trying to load
 * the ones that need loading, e.g. the HiGHS WASM module), and what each is good for.
 * --json prints only {"solvers": [{"name", "dense", "sparse", "duals", "warmStart", "ready",
 * "maxPracticalSize", "description"}]} on stdout (one line).
 */
import type { CommandModule } from 'yargs';
import { listSolvers, loadSolvers } from '../../optimizer/qp/registry.ts';
import { printJson } from '../../report/console.ts';
import { formatTable } from '../../report/table.ts';

export const command: CommandModule = {
  command: 'solvers',
  describe: 'list the QP solvers (backends), their capabilities and whether they are ready',
  builder: (y) => y.option('json', { type: 'boolean', default: false, describe: 'print only the list as one JSON line on stdout' }),
  handler: async (argv) => {
    let loadError: string | null = null;
    try {
      await loadSolvers();
    } catch (e) {
      loadError = e instanceof Error ? e.message : String(e);
    }
    const solvers = listSolvers().map(({ name, capabilities: c, ready }) => ({
      name,
      dense: c.dense,
      sparse: c.sparse,
      duals: c.duals,
      warmStart: c.warmStart,
      ready,
      maxPracticalSize: c.maxPracticalSize,
      description: c.description,
    }));
    if (loadError) process.stderr.write(`dqp: warning: ${loadError}\n`);
    if (argv.json) {
      printJson({ solvers });
      return;
    }
    const yes = (b: boolean) => (b ? 'yes' : '-');
    const table = formatTable(
      ['name', 'dense', 'sparse', 'duals', 'warm start', 'ready', 'practical n'],
      solvers.map((s) => [s.name, yes(s.dense), yes(s.sparse), yes(s.duals), yes(s.warmStart), yes(s.ready), Number.isFinite(s.maxPracticalSize) ? s.maxPracticalSize : 'no limit']),
    );
    const width = Math.max(...solvers.map((s) => s.name.length));
    const notes = solvers.map((s) => `  ${s.name.padEnd(width)}  ${s.description}`).join('\n');
    process.stdout.write(`${table}\n\n${notes}\n`);
  },
};
