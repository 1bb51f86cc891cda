/**
 * Messages between the page (main.ts) and its Web Worker (worker.ts). Plain structured-clone
 * data: typed arrays, numbers, strings.
 */
import type { JobInput, JobSettings } from './job.ts';
export type { JobInput, JobSettings, TextFile } from './job.ts';

export type ToWorker =
  | { readonly type: 'run'; readonly input: JobInput; readonly settings: JobSettings; readonly every: number }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' };

/** One outer iteration as the page shows it. */
export interface StepRecord {
  readonly iteration: number;
  readonly loss: number;
  readonly maxDual: number;
  readonly active: number;
  readonly activeChanged: boolean;
  readonly forwardMs: number;
  readonly backwardMs: number | null;
}

/** The fixed picture data of a problem (loop units). */
export interface SceneInfo {
  readonly summary: string;
  readonly F: Int32Array;
  readonly nv: number;
  /** the target polygon, counter-clockwise, #B by 2 */
  readonly polygon: Float64Array;
  /** reflex corners, #K by 2 */
  readonly corners: Float64Array;
  readonly orientation: 1 | -1;
  /** the map at θ₀ is drawn from the first progress message */
  readonly rows: number;
  readonly surface: boolean;
  readonly stem: string;
}

export interface Certificate {
  readonly status: 'converged' | 'not-converged';
  readonly bijective: boolean;
  readonly stopReason: string;
  readonly steps: number;
  readonly flips: number;
  readonly maxDual: number;
  readonly totalMs: number;
  readonly forwardMsMedian: number;
  readonly backwardMsMedian: number;
  readonly boundaryDeviation: number;
  readonly activeChanges: readonly number[];
}

export type FromWorker =
  | {
      readonly type: 'hello';
      readonly defaults: JobSettings;
      readonly examples: readonly string[];
      readonly solvers: readonly string[];
      /** the dual test's tolerance (drawn in the chart) */
      readonly stopTol: number;
    }
  | { readonly type: 'scene'; readonly scene: SceneInfo }
  | { readonly type: 'progress'; readonly records: readonly StepRecord[]; readonly V: Float64Array; readonly flips: number }
  | { readonly type: 'done'; readonly certificate: Certificate; readonly V: Float64Array; readonly obj: string; readonly uvObj: string | null; readonly svg: string }
  | { readonly type: 'warning'; readonly text: string }
  | { readonly type: 'error'; readonly message: string };
