/**
 * Worker thread of the file-suite runner (bench/file-suite.ts; started through the
 * file-suite-worker.js shim, which registers tsx). The main thread kills this worker when a run
 * overruns its hard time limit (a backward pass or a factorization has no time limit of its own),
 * then starts a fresh one.
 *
 * Messages in:  { type: 'run', id, specModule, path, name, settings, quiet }
 *   specModule  URL of a suite module exporting SPEC: FileSuiteSpec (its `read` loads the file)
 * Messages out: { type: 'ready' }
 *               { type: 'loaded', id, n }     the file was read (n variables)
 *               { type: 'forward', id, row }  the row as if no backward had run (posted before the backward)
 *               { type: 'row', id, row }      the final row
 *               { type: 'error', id, message } the problem could not be read
 * Each solver is warmed up (untimed) on the first run that uses it, so JIT compilation is not timed.
 */
import { parentPort } from 'node:worker_threads';
import { setDqpWarningHandler } from '../optimizer/dqp/index.ts';
import { loadSolvers } from '../optimizer/qp/registry.ts';
import { runOne, warmUp, type FileRunSettings, type FileSuiteRow, type FileSuiteSpec, type LoadedProblem } from './file-suite.ts';

const port = parentPort;
if (!port) throw new Error('file-suite-worker.ts must run in a worker thread');

export interface RunMessage {
  readonly type: 'run';
  readonly id: number;
  readonly specModule: string;
  readonly path: string;
  readonly name: string;
  readonly settings: FileRunSettings;
  readonly quiet: boolean;
}

export type FromFileSuiteWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'loaded'; readonly id: number; readonly n: number }
  | { readonly type: 'forward'; readonly id: number; readonly row: FileSuiteRow }
  | { readonly type: 'row'; readonly id: number; readonly row: FileSuiteRow }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

const post = (msg: FromFileSuiteWorker) => port.postMessage(msg);
const specs = new Map<string, FileSuiteSpec>();
const warmed = new Set<string>();
let cached: { path: string; loaded: LoadedProblem } | null = null;

async function handle(msg: RunMessage): Promise<void> {
  if (msg.quiet) setDqpWarningHandler(() => {});
  let spec = specs.get(msg.specModule);
  if (!spec) {
    spec = ((await import(msg.specModule)) as { SPEC: FileSuiteSpec }).SPEC;
    specs.set(msg.specModule, spec);
  }
  const solver = msg.settings.solver;
  if (!warmed.has(solver)) {
    await loadSolvers([solver]);
    warmUp(msg.settings);
    warmed.add(solver);
  }
  let loaded: LoadedProblem;
  try {
    // the same file is run by each solver in turn: read it once
    loaded = cached?.path === msg.path ? cached.loaded : spec.read(msg.path);
    cached = { path: msg.path, loaded };
  } catch (e) {
    post({ type: 'error', id: msg.id, message: e instanceof Error ? e.message : String(e) });
    return;
  }
  post({ type: 'loaded', id: msg.id, n: loaded.problem.q.length });
  const row = runOne(msg.name, loaded, msg.settings, (forwardRow) => post({ type: 'forward', id: msg.id, row: forwardRow }));
  post({ type: 'row', id: msg.id, row });
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: RunMessage) => {
  chain = chain.then(() => handle(msg));
});
post({ type: 'ready' });
