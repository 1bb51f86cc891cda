/**
 * A file-suite spec whose reader never finishes in time (a busy loop of 60 s), for the hard-limit
 * test of test/bench-file-dqp.test.ts: the runner must stop the worker thread and report the run.
 * Not a test file itself (no `.test.ts`).
 */
import type { FileSuiteSpec } from '../bench/file-suite.ts';
import { SPEC as MPC_SPEC } from '../bench/mpc.ts';

export const SPEC: FileSuiteSpec = {
  ...MPC_SPEC,
  read: (path) => {
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      // busy: only terminating the worker ends this
    }
    return MPC_SPEC.read(path);
  },
  specModule: import.meta.url,
};
