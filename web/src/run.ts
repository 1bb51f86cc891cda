/**
 * What the page's two run paths share: the picture data of a prepared job and the certificate of
 * a finished run, as protocol messages. The Web Worker (worker.ts) runs interactive jobs with the
 * asynchronous driver; the page itself (main.ts) runs `?autorun=1` synchronously while it loads,
 * so that the document's load event comes after the certificate (see web/README.md). Both go
 * through these functions, so the page shows the same thing whichever ran the job.
 */
import type { BilevelResult } from '../../geometry/embed/types.ts';
import * as tfc from './tfjs-core-cpu.ts';
import type { Tf } from '../../optimizer/tf/load.ts';
import { certified, jobOutputs, type JobSettings, type PreparedJob } from './job.ts';
import type { FromWorker, SceneInfo } from './protocol.ts';

/** The fixed picture data of `job` (the target polygon, its reflex corners, the faces). */
export function sceneOf(job: PreparedJob): SceneInfo {
  const dom = job.domain;
  const K = dom.corners.count;
  const corners = new Float64Array(2 * K);
  for (let k = 0; k < K; k++) {
    const t = dom.corners.loopIndex[k]!;
    corners[2 * k] = dom.polygon[2 * t]!;
    corners[2 * k + 1] = dom.polygon[2 * t + 1]!;
  }
  return {
    summary: job.summary,
    F: dom.F,
    nv: dom.nv,
    polygon: dom.polygon,
    corners,
    orientation: dom.orientation,
    rows: job.qp.m,
    surface: job.surface !== null,
    stem: job.stem,
  };
}

/** The 'done' message of a finished run: certificate, final map, downloads as text. */
export function doneMessage(job: PreparedJob, result: BilevelResult, settings: JobSettings): Extract<FromWorker, { type: 'done' }> {
  const out = jobOutputs(job, result, settings);
  const ok = certified(result);
  return {
    type: 'done',
    certificate: {
      status: ok ? 'converged' : 'not-converged',
      bijective: ok,
      stopReason: result.stopReason,
      steps: result.iterations,
      flips: result.flips,
      maxDual: result.maxDual,
      totalMs: result.totalMs,
      forwardMsMedian: result.forwardMsMedian,
      backwardMsMedian: result.backwardMsMedian,
      boundaryDeviation: result.boundaryDeviation,
      activeChanges: result.activeChanges,
    },
    V: result.V,
    obj: out.obj,
    uvObj: out.uvObj,
    svg: out.svg,
  };
}

/**
 * tfjs-core with its CPU backend, selected synchronously: the CPU backend initializes without
 * awaiting anything, so `setBackend('cpu')` has switched before it returns (checked here).
 */
export function cpuTfNow(): Tf {
  void tfc.setBackend('cpu');
  if (tfc.getBackend() !== 'cpu') throw new Error(`tfjs: the CPU backend did not initialize synchronously (backend ${String(tfc.getBackend())})`);
  tfc.enableProdMode();
  return tfc as unknown as Tf;
}
