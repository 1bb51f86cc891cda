/**
 * The page's Web Worker: runs one embedding at a time with the library's driver
 * (geometry/embed, the same code and defaults as `dqp embed`), so the page stays responsive.
 *
 * Protocol (protocol.ts): 'run' starts a job and answers 'scene' (the fixed picture data), then
 * 'progress' every `every` steps (the records since the last message, the current map, its flip
 * count), then 'done' (certificate and the downloads as text) or 'error'. 'pause' / 'resume'
 * hold the loop between two iterations (the `between` hook of the driver); 'stop' aborts it
 * through its AbortSignal: the driver ends after the current iteration and certifies the last
 * map (stopReason 'interrupted'), as Ctrl-C does for the CLI.
 */
import * as tfc from './tfjs-core-cpu.ts';
import { BILEVEL_DEFAULTS, embedBilevelAsync } from '../../geometry/embed/driver.ts';
import type { IterationRecord } from '../../geometry/embed/types.ts';
import { countFlipped, interleavedFromSplit, signedAreas } from '../../geometry/validity.ts';
import { yieldToEventLoop } from '../../optimizer/bilevel/event-loop.ts';
import { DqpError } from '../../optimizer/errors.ts';
import { setWarningHandler } from '../../optimizer/log.ts';
import { getBackend, loadSolvers, solverNames } from '../../optimizer/qp/registry.ts';
import type { Tf } from '../../optimizer/tf/load.ts';
import { EXAMPLE_NAMES, JOB_DEFAULTS, jobLoopOptions, prepareJob } from './job.ts';
import { doneMessage, sceneOf } from './run.ts';
import type { FromWorker, StepRecord, ToWorker } from './protocol.ts';

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

let paused = false;
let wake: (() => void) | null = null;
let abort: AbortController | null = null;
let running = false;

async function between(): Promise<void> {
  await yieldToEventLoop();
  while (paused && !abort?.signal.aborted) await new Promise<void>((resolve) => (wake = resolve));
}

function resume(): void {
  paused = false;
  const w = wake;
  wake = null;
  w?.();
}

let tfReady: Promise<Tf> | null = null;
function pageTf(): Promise<Tf> {
  tfReady ??= (async () => {
    await tfc.setBackend('cpu');
    await tfc.ready();
    tfc.enableProdMode();
    return tfc as unknown as Tf;
  })();
  return tfReady;
}

async function run(m: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  running = true;
  paused = false;
  abort = new AbortController();
  try {
    const tf = await pageTf();
    getBackend(m.settings.solver); // an unknown name lists the available ones
    await loadSolvers([m.settings.solver]);
    const job = prepareJob(m.input, m.settings);
    const dom = job.domain;
    post({ type: 'scene', scene: sceneOf(job) });
    const every = Math.max(1, Math.floor(m.every));
    let pending: StepRecord[] = [];
    let lastPost = -Infinity;
    const onIteration = (r: IterationRecord) => {
      pending.push({
        iteration: r.iteration,
        loss: r.loss,
        maxDual: r.maxDual,
        active: r.active,
        activeChanged: r.activeChanged,
        forwardMs: r.forwardMs,
        backwardMs: r.backwardMs,
      });
      const now = performance.now();
      if (r.iteration % every === 0 || r.backwardMs === null || now - lastPost > 250) {
        const V = interleavedFromSplit(r.z);
        const flips = countFlipped(signedAreas(V, dom.F), dom.orientation);
        post({ type: 'progress', records: pending, V, flips }, [V.buffer]);
        pending = [];
        lastPost = now;
      }
    };
    const result = await embedBilevelAsync(job.qp, jobLoopOptions(job, m.settings, { tf, onIteration, between, signal: abort.signal }));
    post(doneMessage(job, result, m.settings));
  } catch (e) {
    const message = e instanceof DqpError ? `${e.name}: ${e.message}` : e instanceof Error ? e.message : String(e);
    post({ type: 'error', message });
  } finally {
    running = false;
    abort = null;
  }
}

setWarningHandler((text) => post({ type: 'warning', text }));

scope.onmessage = (event) => {
  const m = event.data;
  if (m.type === 'run') {
    if (running) post({ type: 'error', message: 'a run is in progress: stop it first' });
    else void run(m);
  } else if (m.type === 'pause') paused = true;
  else if (m.type === 'resume') resume();
  else if (m.type === 'stop') {
    abort?.abort();
    resume();
  }
};

post({ type: 'hello', defaults: JOB_DEFAULTS, examples: EXAMPLE_NAMES, solvers: solverNames(), stopTol: BILEVEL_DEFAULTS.stopTol });
