/**
 * Batches of independent QPs. Node only: the pool runs on node:worker_threads, so this module is
 * not part of `dqp/browser` (a web page runs its own Web Worker per job, see web/src/worker.ts).
 *
 * Serial (synchronous, in this thread):
 *   dqpForwardBatch(problems, options)          → DqpForwardResult[]
 *   dqpBackwardBatch(results, cotangents)       → DqpGradients[]
 *
 * Parallel (worker_threads), with an explicit pool lifetime:
 *   const pool = new DqpWorkerPool({ workers: 2 });
 *   const fwd = await pool.forward(problems, options);        // k problems spread over the workers
 *   const grads = await pool.backward(fwd, cotangents);        // runs where each factorization lives
 *   pool.release(fwd);                                         // free the worker-side contexts
 *   await pool.close();                                        // terminate the threads
 *
 * Every item is computed by the same code as dqpForward / dqpBackward, so pool results are
 * bitwise identical to the serial ones. A pool forward result has `context === null` in this
 * thread (its factorization stays in the worker); pass it to pool.backward, not dqpBackward.
 * Items are scheduled dynamically (an idle worker takes the next problem).
 *
 * The worker file is TypeScript run through tsx: batch-worker.js registers tsx's loader in the
 * thread and imports batch-worker.ts.
 */
import { Worker } from 'node:worker_threads';
import { DqpError, InputError } from '../errors.ts';
import type { QPProblem } from '../qp/types.ts';
import { dqpBackward } from './backward.ts';
import type { FromWorker, RemoteForwardResult, ToWorker } from './batch-protocol.ts';
import { remoteResults } from './context.ts';
import { dqpForward, resolveDqpOptions } from './forward.ts';
import type { DqpBackwardOptions, DqpCotangents, DqpForwardResult, DqpGradients, DqpOptions } from './types.ts';
import { dqpWarn } from './warnings.ts';

/** dqpForward on each problem, in order. */
export function dqpForwardBatch(problems: readonly QPProblem[], options: DqpOptions = {}): DqpForwardResult[] {
  resolveDqpOptions(options);
  return problems.map((pr) => dqpForward(pr, options));
}

/** dqpBackward on each (result, cotangent) pair, in order. */
export function dqpBackwardBatch(results: readonly DqpForwardResult[], cotangents: readonly DqpCotangents[], options?: DqpBackwardOptions): DqpGradients[] {
  if (cotangents.length !== results.length) throw new InputError('cotangents', `${results.length} entries (one per result)`, `${cotangents.length}`);
  return results.map((r, i) => dqpBackward(r, cotangents[i]!, options));
}

interface Pending {
  resolve: (msg: FromWorker) => void;
  reject: (e: Error) => void;
}

interface WorkerSlot {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  /** job ids sent to this worker and not answered yet */
  readonly inFlight: Set<number>;
}

/** Where a pool result's context lives. */
interface RemoteRef {
  readonly pool: DqpWorkerPool;
  readonly slot: number;
  readonly id: number;
}

const remoteRefs = new WeakMap<DqpForwardResult, RemoteRef>();

/** True when `result` came from a DqpWorkerPool (its context is in a worker). */
export function isRemoteResult(result: DqpForwardResult): boolean {
  return remoteRefs.has(result);
}

export interface DqpWorkerPoolOptions {
  /** number of worker threads (≥ 1) */
  readonly workers: number;
  /** default options of pool.forward */
  readonly options?: DqpOptions;
}

export class DqpWorkerPool {
  readonly size: number;
  private readonly slots: WorkerSlot[];
  private readonly pending = new Map<number, Pending>();
  private readonly defaults: DqpOptions;
  private nextJob = 1;
  private nextId = 1;
  private closed = false;

  constructor(options: DqpWorkerPoolOptions) {
    const w = options.workers;
    if (!Number.isInteger(w) || w < 1) throw new InputError('workers', 'an integer ≥ 1', String(w));
    this.defaults = options.options ?? {};
    resolveDqpOptions(this.defaults);
    this.size = w;
    const url = new URL('./batch-worker.js', import.meta.url);
    this.slots = [];
    for (let i = 0; i < w; i++) {
      const worker = new Worker(url);
      const inFlight = new Set<number>();
      const ready = new Promise<void>((resolve, reject) => {
        const onMsg = (msg: FromWorker) => {
          if (msg.type === 'ready') {
            worker.off('message', onMsg);
            if (inFlight.size === 0) worker.unref();
            resolve();
          }
        };
        worker.on('message', onMsg);
        worker.once('error', reject);
      });
      ready.catch(() => {}); // a start failure is reported by the calls that await `ready`
      worker.on('message', (msg: FromWorker) => this.onMessage(msg));
      worker.on('error', (e: Error) => this.failSlot(inFlight, e));
      worker.on('exit', (code) => {
        if (!this.closed) this.failSlot(inFlight, new DqpError(`dqp worker thread exited with code ${code}`));
      });
      this.slots.push({ worker, ready, inFlight });
    }
    // a started, idle worker does not keep the process alive (a forgotten close() cannot hang
    // it); a starting worker or one with work in flight does (see send / onMessage)
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'ready') return;
    if (msg.type === 'warning') {
      dqpWarn(msg.warning.code, msg.warning.message);
      return;
    }
    const p = this.pending.get(msg.job);
    if (!p) return;
    this.pending.delete(msg.job);
    for (const s of this.slots) {
      if (s.inFlight.delete(msg.job) && s.inFlight.size === 0) s.worker.unref();
    }
    if (msg.type === 'error') {
      const e = new DqpError(`${msg.name}: ${msg.message}`);
      p.reject(e);
    } else p.resolve(msg);
  }

  private failSlot(inFlight: Set<number>, e: Error): void {
    for (const job of inFlight) {
      const p = this.pending.get(job);
      if (p) {
        this.pending.delete(job);
        p.reject(e);
      }
    }
    inFlight.clear();
  }

  private send(slot: number, msg: ToWorker & { job: number }): Promise<FromWorker> {
    return new Promise<FromWorker>((resolve, reject) => {
      this.pending.set(msg.job, { resolve, reject });
      const s = this.slots[slot]!;
      if (s.inFlight.size === 0) s.worker.ref();
      s.inFlight.add(msg.job);
      s.worker.postMessage(msg);
    });
  }

  private checkOpen(): void {
    if (this.closed) throw new DqpError('DqpWorkerPool is closed');
  }

  /** Resolves when every worker has started (forward/backward wait for it anyway). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /**
   * dqpForward of every problem across the workers (results in input order; identical to
   * dqpForwardBatch). `options` overrides the pool defaults.
   */
  async forward(problems: readonly QPProblem[], options?: DqpOptions): Promise<DqpForwardResult[]> {
    this.checkOpen();
    const opts = { ...this.defaults, ...(options ?? {}) };
    resolveDqpOptions(opts);
    await this.ready();
    const results = new Array<DqpForwardResult>(problems.length);
    let next = 0;
    const runSlot = async (slot: number): Promise<void> => {
      while (next < problems.length) {
        const i = next++;
        const id = this.nextId++;
        const msg = await this.send(slot, { type: 'forward', job: this.nextJob++, id, problem: problems[i]!, options: opts });
        if (msg.type !== 'forward') throw new DqpError('dqp worker: unexpected reply');
        const { hasContext, ...rest } = msg.result as RemoteForwardResult;
        const result: DqpForwardResult = { ...rest, context: null };
        if (hasContext) {
          remoteRefs.set(result, { pool: this, slot, id });
          remoteResults.add(result);
        }
        results[i] = result;
      }
    };
    await Promise.all(this.slots.map((_, s) => runSlot(s)));
    return results;
  }

  /** dqpBackward of every (result, cotangent) pair, run in the worker holding the result's context. */
  async backward(results: readonly DqpForwardResult[], cotangents: readonly DqpCotangents[], options?: DqpBackwardOptions): Promise<DqpGradients[]> {
    this.checkOpen();
    if (cotangents.length !== results.length) throw new InputError('cotangents', `${results.length} entries (one per result)`, `${cotangents.length}`);
    const jobs = results.map((r, i) => {
      const ref = remoteRefs.get(r);
      if (!ref || ref.pool !== this) {
        // a local result (or another pool's): the local path gives the same numbers
        if (r.context) return Promise.resolve(dqpBackward(r, cotangents[i]!, options));
        if (ref) throw new InputError(`results[${i}]`, 'a result of this pool', 'a result of another DqpWorkerPool');
        return Promise.reject(new DqpError(`cannot differentiate results[${i}]: the forward solve ended with status "${r.status}"`));
      }
      return this.send(ref.slot, { type: 'backward', job: this.nextJob++, id: ref.id, cotangents: cotangents[i]!, options: options ?? {} }).then((msg) => {
        if (msg.type !== 'backward') throw new DqpError('dqp worker: unexpected reply');
        return msg.gradients;
      });
    });
    return Promise.all(jobs);
  }

  /** Free the worker-side contexts of these results (they can no longer be differentiated). */
  release(results: readonly DqpForwardResult[]): void {
    if (this.closed) return;
    const bySlot = new Map<number, number[]>();
    for (const r of results) {
      const ref = remoteRefs.get(r);
      if (!ref || ref.pool !== this) continue;
      remoteRefs.delete(r);
      if (!bySlot.has(ref.slot)) bySlot.set(ref.slot, []);
      bySlot.get(ref.slot)!.push(ref.id);
    }
    for (const [slot, ids] of bySlot) this.slots[slot]!.worker.postMessage({ type: 'release', ids } satisfies ToWorker);
  }

  /** Terminate the worker threads; pending calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) this.failSlot(s.inFlight, new DqpError('DqpWorkerPool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
