import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fullKktVjp, runDiagnostic } from '../bench/diagnostic.ts';
import { generateProblem, simplexProjectionExact, simplexProjectionQP } from '../bench/generators.ts';
import { dqpBackward, dqpForward } from '../optimizer/dqp/index.ts';
import { writeProblemJson } from '../optimizer/qp/json-format.ts';
import { InputError } from '../optimizer/errors.ts';
import { Rng } from '../optimizer/util/random.ts';
import { DQP_BIN } from './helpers.ts';

/**
 * Closed-form derivatives of L = gᵀz for the simplex projection z = max(−q − τ, 0), support S:
 *   ∇q_i = −(g_i − ḡ_S) on S, 0 off S;   ∇b = ḡ_S;   ∇d_j = −g_j + ḡ_S off S (row −z_j ≤ d_j), 0 on S
 * where ḡ_S is the mean of g over S.
 */
function simplexGradients(q: Float64Array, g: Float64Array) {
  const { z } = simplexProjectionExact(q);
  const S = Array.from(z.keys()).filter((i) => z[i]! > 0);
  const gbar = S.reduce((s, i) => s + g[i]!, 0) / S.length;
  const gq = new Float64Array(q.length), gd = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) {
    if (z[i]! > 0) gq[i] = -(g[i]! - gbar);
    else gd[i] = -g[i]! + gbar;
  }
  return { q: gq, b: new Float64Array([gbar]), d: gd };
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('fullKktVjp', () => {
  it('equals the closed-form simplex derivative at the exact solution (and dQP agrees)', () => {
    const pr = simplexProjectionQP(25, 4);
    const ex = simplexProjectionExact(pr.q);
    const g = new Rng(2).fillNormal(new Float64Array(25));
    const want = simplexGradients(pr.q, g);
    const full = fullKktVjp(pr, ex.z, ex.mu, g);
    expect(maxDiff(full.q, want.q)).toBeLessThan(1e-10);
    expect(maxDiff(full.b, want.b)).toBeLessThan(1e-10);
    expect(maxDiff(full.d, want.d)).toBeLessThan(1e-10);
    const red = dqpBackward(dqpForward(pr), { z: g });
    expect(maxDiff(red.q!, want.q)).toBeLessThan(1e-7);
    expect(maxDiff(red.d!, want.d)).toBeLessThan(1e-7);
  });
  it('blends in almost-inactive rows at an inexact point (μ_j > 0 with slack), unlike the reduced KKT', () => {
    const base = simplexProjectionQP(10, 9);
    const pr = { ...base, q: base.q.map((v) => 0.2 * v) }; // small q: a large support
    const ex = simplexProjectionExact(pr.q);
    expect(ex.support).toBeGreaterThan(3);
    const g = new Rng(3).fillNormal(new Float64Array(10));
    // a loose solver: tiny positive multipliers on the support rows (where −z_j < 0)
    const mu = Float64Array.from(ex.mu, (v) => (v > 0 ? v : 1e-3));
    const full = fullKktVjp(pr, ex.z, mu, g);
    const exact = fullKktVjp(pr, ex.z, ex.mu, g);
    expect(maxDiff(full.q, exact.q)).toBeGreaterThan(1e-4);
  });
  it('rejects a problem with bounds', () => {
    const pr = simplexProjectionQP(5, 1, { nonnegativity: 'bounds' });
    expect(() => fullKktVjp(pr, new Float64Array(5), new Float64Array(0), new Float64Array(5))).toThrow(InputError);
  });
});

describe('runDiagnostic', () => {
  it('reports one row per (solver, ε) with accuracy and derivative agreement that degrade with ε', async () => {
    const { problem } = generateProblem('chain', 200, 0);
    const res = await runDiagnostic(problem, { solvers: ['ipm', 'admm'], eps: [1e-8, 1e-2] });
    expect([res.n, res.p, res.m]).toEqual([200, 0, 400]);
    expect(res.rows.map((r) => `${r.solver}@${r.eps}`)).toEqual(['ipm@1e-8', 'ipm@0.01', 'admm@1e-8', 'admm@0.01']);
    for (const r of res.rows) {
      expect(r.forwardMs).toBeGreaterThan(0);
      expect(Number.isFinite(r.backwardMs)).toBe(true);
      expect(Number.isFinite(r.gradDiff)).toBe(true);
    }
    const tight = res.rows.filter((r) => r.eps === 1e-8);
    for (const r of tight) {
      expect(r.accuracy).toBeLessThan(1e-6);
      expect(r.gradDiff).toBeLessThan(1e-5);
      expect(r.gradError).toBeLessThan(1e-6);
    }
  });
  it('turns bounds into rows (∇d covers them)', async () => {
    const pr = simplexProjectionQP(8, 2, { nonnegativity: 'bounds' });
    const res = await runDiagnostic(pr, { solvers: ['ipm'], eps: [1e-8] });
    expect(res.m).toBe(8);
    expect(res.rows[0]!.gradDiff).toBeLessThan(1e-5);
  });
});

describe('dqp diagnose (CLI)', () => {
  it('diagnoses a JSON problem: JSON rows on the last line, SVG written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dqp-diag-'));
    try {
      const file = join(dir, 'p.json');
      writeFileSync(file, writeProblemJson(generateProblem('dense', 12, 0).problem));
      const svg = join(dir, 'd.svg');
      const r = spawnSync(process.execPath, [DQP_BIN, 'diagnose', file, '--solver', 'ipm,quadprog', '--eps', '1e-8,1e-5', '--json', '--quiet', '--svg', svg], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      const out = JSON.parse(lines[lines.length - 1]!) as { rows: Record<string, unknown>[]; n: number };
      expect(out.n).toBe(12);
      expect(out.rows).toHaveLength(4);
      for (const row of out.rows) for (const key of ['solver', 'eps', 'forwardMs', 'backwardMs', 'accuracy', 'gradDiff']) expect(row).toHaveProperty(key);
      expect(readFileSync(svg, 'utf8')).toContain('data-name="quadprog"');
      const missing = spawnSync(process.execPath, [DQP_BIN, 'diagnose', join(dir, 'nope.json')], { encoding: 'utf8' });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toMatch(/nope\.json/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
