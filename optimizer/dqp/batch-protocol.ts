/**
 * Messages between DqpWorkerPool (batch.ts, main thread) and batch-worker.ts (worker threads).
 * Everything is structured-clone data: typed arrays and plain objects.
 */
import type { QPProblem } from '../qp/types.ts';
import type { DqpBackwardOptions, DqpCotangents, DqpForwardResult, DqpGradients, DqpOptions } from './types.ts';
import type { DqpWarning } from './warnings.ts';

/** main → worker */
export type ToWorker =
  | { readonly type: 'forward'; readonly job: number; readonly id: number; readonly problem: QPProblem; readonly options: DqpOptions }
  | { readonly type: 'backward'; readonly job: number; readonly id: number; readonly cotangents: DqpCotangents; readonly options: DqpBackwardOptions }
  | { readonly type: 'release'; readonly ids: readonly number[] };

/** A forward result without its context (the context stays in the worker under `id`). */
export type RemoteForwardResult = Omit<DqpForwardResult, 'context'> & { readonly hasContext: boolean };

/** worker → main */
export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'forward'; readonly job: number; readonly result: RemoteForwardResult }
  | { readonly type: 'backward'; readonly job: number; readonly gradients: DqpGradients }
  | { readonly type: 'error'; readonly job: number; readonly name: string; readonly message: string }
  | { readonly type: 'warning'; readonly warning: DqpWarning };
