/**
 * The shared benchmark data for tests (not a test file itself).
 *
 * The data (Maros–Meszaros .mat files, MPC .npz files, the TLC meshes) is never copied into the
 * project: it lives in the folder `../shared/data` next to the repository, resolved from the
 * REPOSITORY ROOT (this file's folder's parent), never from the current directory, so a test
 * finds it whichever folder vitest was started from.
 *
 *   dataPath('maros_meszaros', 'HS21.mat')      absolute path below the data folder
 *   describeData('mpc_qpbenchmark', 'MPC reader', () => { ... })
 *   itData(['meshes/ant/result.obj', 'meshes/ant/handles.txt'], 'the ant ...', () => { ... })
 *
 * When a required path is missing the block is SKIPPED (its name says why, and one line goes to
 * stderr), unless the environment sets DQP_REQUIRE_DATA=1 (.ci/run does: CI has the data, so a
 * skip there would hide a failure): then the block is replaced by one FAILING test naming the
 * missing path. Only tests that read the data belong under these: a test of a reader's error
 * message on hand-made bytes, or of a runner on a temporary folder, runs everywhere.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The repository root (this file lives in test/). */
export const REPO_ROOT: string = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The shared data folder: ../shared/data relative to the repository root. */
export const DATA_ROOT: string = resolve(REPO_ROOT, '..', 'shared', 'data');

/** The environment switch that turns a missing data folder into a failure. */
export const REQUIRE_DATA_ENV = 'DQP_REQUIRE_DATA';

/** Absolute path of `segments` below the shared data folder (the path need not exist). */
export function dataPath(...segments: string[]): string {
  return join(DATA_ROOT, ...segments);
}

/** True when every path (relative to the data folder) exists. */
export function haveData(paths: string | readonly string[]): boolean {
  return missingData(paths).length === 0;
}

/** The absolute paths among `paths` (relative to the data folder) that do not exist. */
export function missingData(paths: string | readonly string[]): string[] {
  const list = typeof paths === 'string' ? [paths] : paths;
  return list.map((p) => dataPath(p)).filter((p) => !existsSync(p));
}

/** What to do with a block that needs data: run it, skip it, or fail. */
export type DataGate =
  | { readonly action: 'run' }
  | { readonly action: 'skip' | 'fail'; readonly message: string };

/**
 * The decision for a block whose data paths `missing` are absent, under the environment `env`
 * (pure: the unit of describeData / itData, tested on its own).
 */
export function dataGate(missing: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): DataGate {
  if (missing.length === 0) return { action: 'run' };
  const what = `shared data not found: ${missing.join(', ')}`;
  const required = env[REQUIRE_DATA_ENV] === '1';
  return required
    ? { action: 'fail', message: `${what} (${REQUIRE_DATA_ENV}=1: the data must be present; it is looked up at ${DATA_ROOT})` }
    : { action: 'skip', message: `${what} (set ${REQUIRE_DATA_ENV}=1 to make this a failure)` };
}

const warned = new Set<string>();
function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.stderr.write(`skipped: ${message}\n`);
}

function failing(message: string): () => never {
  return () => {
    throw new Error(message);
  };
}

/** describe(name, body) when every path exists; else skipped, or one failing test under DQP_REQUIRE_DATA=1. */
export function describeData(paths: string | readonly string[], name: string, body: () => void): void {
  const gate = dataGate(missingData(paths));
  if (gate.action === 'run') describe(name, body);
  else if (gate.action === 'fail') describe(name, () => it('has its shared data', failing(gate.message)));
  else {
    warnOnce(gate.message);
    describe.skip(`${name} (skipped: ${gate.message})`, body);
  }
}

/** it(name, fn, timeout) when every path exists; else skipped, or failing under DQP_REQUIRE_DATA=1. */
export function itData(paths: string | readonly string[], name: string, fn: () => unknown, timeout?: number): void {
  const gate = dataGate(missingData(paths));
  if (gate.action === 'run') it(name, fn, timeout);
  else if (gate.action === 'fail') it(name, failing(gate.message));
  else {
    warnOnce(gate.message);
    it.skip(`${name} (skipped: ${gate.message})`, fn);
  }
}
