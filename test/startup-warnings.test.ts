/**
 * The one warning channel (optimizer/log.ts) and the dQP layer's codes on it (dqp/warnings.ts):
 *   - a handler receives the shown text and { code, message }; null restores the default, which
 *     writes `dqp: warning: <text>` lines to stderr
 *   - warnOnce / dqpWarn emit once per key / code until reset
 *   - setDqpWarningHandler takes the dQP-coded warnings only and restores exactly what it replaced
 *   - the default handler works where there is no `process` (a browser page): console.warn gets
 *     the line — checked in a child node process that hides `process` while a weakly active QP is
 *     differentiated through the built 'dqp/browser' entry (vitest's globalSetup built dist/)
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dqpForward } from '../optimizer/dqp/forward.ts';
import { dqpWarn, resetDqpWarnings, setDqpWarningHandler, type DqpWarning } from '../optimizer/dqp/warnings.ts';
import { denseFromRows } from '../optimizer/linalg/matrix.ts';
import { logLine, resetWarnOnce, setLogHandler, setWarningHandler, warn, warnOnce, type Warning } from '../optimizer/log.ts';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));

afterEach(() => {
  setWarningHandler(null);
  setLogHandler(null);
  resetWarnOnce();
  vi.restoreAllMocks();
});

describe('the warning channel', () => {
  it('delivers text and { code, message } to the handler; the default writes one stderr line each', () => {
    const got: [string, Warning][] = [];
    setWarningHandler((text, w) => got.push([text, w]));
    warn('plain');
    dqpWarn('singular-kkt', 'the KKT matrix is singular');
    expect(got).toEqual([
      ['plain', { code: null, message: 'plain' }],
      ['[singular-kkt] the KKT matrix is singular', { code: 'singular-kkt', message: 'the KKT matrix is singular' }],
    ]);

    setWarningHandler(null);
    resetWarnOnce();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    warn('a');
    dqpWarn('overdetermined', 'b');
    expect(write.mock.calls.map((c) => c[0])).toEqual(['dqp: warning: a\n', 'dqp: warning: [overdetermined] b\n']);
  });

  it('emits a once-only key or a dQP code once until reset; resetDqpWarnings re-arms only the dQP codes', () => {
    const texts: string[] = [];
    setWarningHandler((t) => texts.push(t));
    for (let i = 0; i < 3; i++) {
      warnOnce('k', `k ${i}`);
      dqpWarn('weakly-active', `w ${i}`);
    }
    expect(texts).toEqual(['k 0', '[weakly-active] w 0']);
    resetDqpWarnings();
    warnOnce('k', 'k again');
    dqpWarn('weakly-active', 'w again');
    expect(texts.slice(2)).toEqual(['[weakly-active] w again']);
    resetWarnOnce();
    warnOnce('k', 'k after reset');
    expect(texts.slice(3)).toEqual(['k after reset']);
  });

  it('setDqpWarningHandler takes only dQP-coded warnings and puts back exactly what it replaced', () => {
    const app: string[] = [];
    const dqp: DqpWarning[] = [];
    setWarningHandler((t) => app.push(t));
    const previous = setDqpWarningHandler((w) => dqp.push(w));
    warn('from a backend');
    dqpWarn('no-solver-duals', 'no duals');
    expect(app).toEqual(['from a backend']);
    expect(dqp).toEqual([{ code: 'no-solver-duals', message: 'no duals' }]);

    setDqpWarningHandler(previous);
    resetWarnOnce();
    dqpWarn('no-solver-duals', 'no duals, again');
    expect(app).toEqual(['from a backend', '[no-solver-duals] no duals, again']);
    expect(dqp).toHaveLength(1);
  });

  it('verbose lines go to the log handler (default stderr)', () => {
    const lines: string[] = [];
    setLogHandler((l) => lines.push(l));
    logLine('iter 1');
    expect(lines).toEqual(['iter 1']);
    setLogHandler(null);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    logLine('iter 2');
    expect(write.mock.calls.map((c) => c[0])).toEqual(['iter 2\n']);
  });

  it('a weakly active QP warns once through the channel, with its code', () => {
    const got: Warning[] = [];
    setWarningHandler((_t, w) => got.push(w));
    // minimize ½‖z‖² s.t. z1 ≤ 0: z = 0 with the row active and its dual 0 (weakly active)
    const problem = { P: denseFromRows([[1, 0], [0, 1]]), q: Float64Array.from([0, 0]), C: denseFromRows([[1, 0]]), d: Float64Array.from([0]) };
    dqpForward(problem, { solver: 'ipm' });
    dqpForward(problem, { solver: 'ipm' });
    expect(got.map((w) => w.code)).toEqual(['weakly-active']);
  });
});

describe('the default handler without `process` (as in a browser page)', () => {
  it('sends the warning to console.warn instead of throwing', () => {
    const entry = pathToFileURL(join(repo, 'dist', 'optimizer', 'browser.js')).href;
    const script = `
      const dqp = await import(${JSON.stringify(entry)});
      const seen = [];
      console.warn = (...a) => seen.push(a.join(' '));
      const saved = globalThis.process;
      Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
      let error = null;
      try {
        const problem = { P: dqp.denseFromRows([[1, 0], [0, 1]]), q: Float64Array.from([0, 0]), C: dqp.denseFromRows([[1, 0]]), d: Float64Array.from([0]) };
        dqp.dqpForward(problem, { solver: 'ipm' });
      } catch (e) { error = String(e); }
      const hidden = typeof process === 'undefined';
      Object.defineProperty(globalThis, 'process', { value: saved, configurable: true, writable: true });
      process.stdout.write(JSON.stringify({ hidden, error, seen }) + '\\n');
    `;
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout.trim()) as { hidden: boolean; error: string | null; seen: string[] };
    expect(out.hidden).toBe(true);
    expect(out.error).toBeNull();
    expect(out.seen).toHaveLength(1);
    expect(out.seen[0]).toMatch(/^dqp: warning: \[weakly-active\] 1 active row\(s\) have a \(nearly\) zero dual/);
  });
});
