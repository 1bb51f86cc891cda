/**
 * Worker thread of DqpWorkerPool (started through the batch-worker.js shim, which registers tsx).
 *
 * Runs dqpForward / dqpBackward on the problems it is sent, keeping each forward context under
 * its id until the main thread releases it, so a backward runs where its factorization lives.
 * Warnings are forwarded to the main thread (which applies its once-per-code policy).
 */
import { parentPort } from 'node:worker_threads';
import { getBackend, loadSolvers } from '../qp/registry.ts';
import { dqpBackward } from './backward.ts';
import type { FromWorker, ToWorker } from './batch-protocol.ts';
import type { DqpContext } from './context.ts';
import { dqpForward } from './forward.ts';
import { resetDqpWarnings, setDqpWarningHandler } from './warnings.ts';

const port = parentPort;
if (!port) throw new Error('batch-worker.ts must run in a worker thread');

const contexts = new Map<number, DqpContext>();
const post = (msg: FromWorker) => port.postMessage(msg);

setDqpWarningHandler((warning) => {
  post({ type: 'warning', warning });
  // the main thread deduplicates; let every code through here
  resetDqpWarnings();
});

async function ensureLoaded(solver: string): Promise<void> {
  const b = getBackend(solver);
  if (!b.isReady() && b.load) await loadSolvers([solver]);
}

// messages are handled strictly in arrival order (a chain of promises), so the results of a
// worker are produced in the order the main thread sent the jobs
let chain: Promise<void> = Promise.resolve();

function handle(msg: ToWorker): Promise<void> | void {
  if (msg.type === 'release') {
    for (const id of msg.ids) contexts.delete(id);
    return;
  }
  const job = msg.job;
  const fail = (e: unknown) => post({ type: 'error', job, name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) });
  if (msg.type === 'forward') {
    return (async () => {
      try {
        await ensureLoaded(msg.options.solver ?? 'ipm');
        const r = dqpForward(msg.problem, msg.options);
        const { context, ...rest } = r;
        if (context) contexts.set(msg.id, context);
        post({ type: 'forward', job, result: { ...rest, hasContext: context !== null } });
      } catch (e) {
        fail(e);
      }
    })();
  }
  try {
    const ctx = contexts.get(msg.id);
    if (!ctx) throw new Error(`no forward context for batch item ${msg.id} (released, or the forward failed)`);
    post({ type: 'backward', job, gradients: dqpBackward(ctx, msg.cotangents, msg.options) });
  } catch (e) {
    fail(e);
  }
}

port.on('message', (msg: ToWorker) => {
  chain = chain.then(() => handle(msg));
});
post({ type: 'ready' });
