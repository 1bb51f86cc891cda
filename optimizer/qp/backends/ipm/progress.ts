/** Verbose progress output of the interior-point iteration (through the backends' log()). */
import { log } from '../log.ts';
import type { IpmSolver } from './solver.ts';

/** One progress line of a verbose run (the columns of the header in run()). */
export function logIteration(ip: IpmSolver, iter: number): void {
  const e = (v: number, digits = 2) => (Number.isFinite(v) ? v.toExponential(digits) : String(v)).padStart(digits + 7);
  log(
    `${String(iter).padStart(4)} ${e(ip.primalObj, 6).padStart(14)} ${e(ip.primalRes)} ${e(ip.dualRes)} ${e(ip.gap)} ${e(ip.mu)} ` +
      `${ip.primalStep.toFixed(3)} ${ip.dualStep.toFixed(3)} ${e(ip.rho)} ${e(ip.delta)}`,
  );
}
