/**
 * The hostile replay's own checks (test/hostile/contract.ts): a run that keeps the contract has
 * no violation, and each way of breaking it (exit code, stack trace, untyped or overlong message,
 * --json error line, time, memory, files changed, removed, created on failure, temporaries) is
 * reported. Plus the case list's sanity and one end-to-end run of the replay.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hostileCases, type HostileCase, type RunResult } from './cases.ts';
import { createCase, evaluate, type Limits, snapshot } from './contract.ts';

const limits: Limits = { budgetS: 15, budgetMb: 1024, killS: 20, killMb: 2048 };
const tmp = mkdtempSync(join(tmpdir(), 'dqp-hostile-contract-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const badInput: HostileCase = { name: 'x', group: 'qp', args: ['solve', 'q.json'], exit: [1], mention: 'q.json' };
const run = (r: Partial<RunResult>): RunResult => ({ code: 1, signal: null, stdout: '', stderr: 'dqp: FileFormatError: q.json: expected an object, found a number\n', wallS: 1, peakMb: 100, killed: null, ...r });
const none = new Map<string, string>();
const verdict = (c: HostileCase, r: RunResult, json = false, before = none, after = none) => evaluate(c, json, r, before, after, limits);

describe('evaluate: messages', () => {
  it('a failure with one typed line naming the file keeps the contract', () => {
    expect(verdict(badInput, run({}))).toEqual({ typed: 'yes', filesOk: true, violations: [] });
    // progress before the error is allowed; the typed line must come last
    expect(verdict(badInput, run({ stderr: 'reading q.json…\ndqp: FileFormatError: q.json: bad\n' })).violations).toEqual([]);
  });

  it('reports a stack trace, an untyped last line, a long message, a missing name, internal names', () => {
    const stack = verdict(badInput, run({ stderr: 'dqp: TypeError: x\n    at f (file.ts:1:2)\n' })).violations;
    expect(stack).toContain('stack trace on stderr');
    expect(stack).toContain('stderr does not end with one typed line "dqp: XxxError: …"');
    expect(verdict(badInput, run({ stderr: 'Unknown argument: q\n\nRun with --help for usage.\n' })).typed).toBe('no');
    expect(verdict(badInput, run({ stderr: `dqp: InputError: q.json: ${'9'.repeat(500)}\n` })).violations).toEqual([expect.stringMatching(/message is \d+ characters \(> 400\)/)]);
    expect(verdict(badInput, run({ stderr: 'dqp: InputError: the file: bad\n' })).violations).toEqual(['the message does not name q.json']);
    expect(verdict(badInput, run({ stderr: 'dqp: InputError: q.json: found undefined undefined\n' })).violations).toEqual(['the message uses internal names or "undefined"']);
    expect(verdict(badInput, run({ stderr: 'dqp: InputError: q.json options.epsActive: bad\n' })).violations).toEqual(['the message uses internal names or "undefined"']);
  });

  it('with --json: exactly one {"error": …} line whose exitCode is the exit code', () => {
    const line = (exitCode: number) => `${JSON.stringify({ error: { type: 'FileFormatError', message: 'q.json: bad', exitCode } })}\n`;
    expect(verdict(badInput, run({ stdout: line(1) }), true)).toEqual({ typed: 'yes', filesOk: true, violations: [] });
    expect(verdict(badInput, run({ stdout: line(2) }), true).violations).toHaveLength(1);
    expect(verdict(badInput, run({ stdout: `report\n${line(1)}` }), true).violations).toHaveLength(1);
    expect(verdict(badInput, run({ stdout: '' }), true).typed).toBe('no');
    // a success with --json: one JSON line, nothing else
    const ok: HostileCase = { ...badInput, exit: [0] };
    expect(verdict(ok, run({ code: 0, stdout: '{"status":"solved"}\n', stderr: '' }), true).violations).toEqual([]);
    expect(verdict(ok, run({ code: 0, stdout: 'status solved\n{"status":"solved"}\n', stderr: '' }), true).violations).toEqual([
      'stdout with --json is not one JSON object line (2 line(s))',
    ]);
  });
});

describe('evaluate: exit, time, memory, extra check', () => {
  it('reports an undocumented exit code, a signal, a kill, time and memory over budget', () => {
    expect(verdict(badInput, run({ code: 0, stderr: '' })).violations).toEqual(['exit 0, documented 1']);
    expect(verdict(badInput, run({ code: null, signal: 'SIGSEGV', stderr: '' })).violations).toEqual(['ended by SIGSEGV']);
    const killed = verdict(badInput, run({ code: null, signal: 'SIGKILL', killed: 'time', wallS: 20.1, stderr: '' })).violations;
    expect(killed).toEqual(['killed after 20 s', 'took 20.1 s (> 15)']);
    expect(verdict(badInput, run({ wallS: 15.5 })).violations).toEqual(['took 15.5 s (> 15)']);
    expect(verdict(badInput, run({ peakMb: 1500 })).violations).toEqual(['peak RSS 1500 MB (> 1024)']);
    expect(verdict(badInput, run({ peakMb: null })).violations).toEqual([]);
  });

  it("runs the case's own check only when the exit code is the documented one", () => {
    const checked: HostileCase = { ...badInput, exit: [2], check: (r) => (r.stdout.includes('non_convex') ? null : 'not non_convex') };
    expect(verdict(checked, run({ code: 2, stdout: '{"status":"solved"}', stderr: '' })).violations).toEqual(['not non_convex']);
    expect(verdict(checked, run({ code: 2, stdout: '{"status":"non_convex"}', stderr: '' })).violations).toEqual([]);
    expect(verdict(checked, run({ code: 0, stdout: '{"status":"solved"}', stderr: '' })).violations).toEqual(['exit 0, documented 2']);
  });
});

describe('evaluate: files (snapshots of a real case folder)', () => {
  const c: HostileCase = { ...badInput, files: { 'q.json': '{}', 'keep.obj': 'v 0 0 0\n' }, dirs: ['adir'], symlinks: { 'link.obj': 'keep.obj' }, mayChange: ['keep.obj'] };
  const fresh = (name: string) => {
    const dir = join(tmp, name);
    createCase(dir, c);
    return { dir, before: snapshot(dir) };
  };

  it('records files by content, folders, and links by target (not followed)', () => {
    const { before } = fresh('records');
    expect([...before.keys()]).toEqual(['adir', 'keep.obj', 'link.obj', 'q.json']);
    expect(before.get('adir')).toBe('folder');
    expect(before.get('link.obj')).toBe('link → keep.obj');
    expect(before.get('q.json')).toMatch(/^file [0-9a-f]{64}$/);
  });

  it('an untouched folder keeps the contract', () => {
    const { dir, before } = fresh('untouched');
    expect(verdict(c, run({}), false, before, snapshot(dir))).toEqual({ typed: 'yes', filesOk: true, violations: [] });
  });

  it('reports a changed input, a removed one, a link replaced by a file, a file written on failure, a temporary', () => {
    const { dir, before } = fresh('broken');
    writeFileSync(join(dir, 'q.json'), '<svg/>');
    unlinkSync(join(dir, 'keep.obj'));
    unlinkSync(join(dir, 'link.obj'));
    writeFileSync(join(dir, 'link.obj'), 'replaced');
    writeFileSync(join(dir, 'out.obj'), 'partial');
    writeFileSync(join(dir, '.out.obj.123.456.tmp'), 'partial');
    const v = verdict(c, run({}), false, before, snapshot(dir));
    expect(v.filesOk).toBe(false);
    expect(v.violations).toEqual(['destroyed keep.obj', 'changed link.obj', 'changed q.json', 'left the temporary file .out.obj.123.456.tmp', 'wrote out.obj although it failed']);
  });

  it('a success may create files and replace its mayChange files, nothing else', () => {
    const { dir, before } = fresh('success');
    writeFileSync(join(dir, 'keep.obj'), 'v 1 1 0\n');
    writeFileSync(join(dir, 'out.obj'), 'v 0 0 0\n');
    const ok: HostileCase = { ...c, exit: [0] };
    expect(verdict(ok, run({ code: 0, stderr: '' }), false, before, snapshot(dir)).violations).toEqual([]);
    writeFileSync(join(dir, 'q.json'), 'changed');
    expect(verdict(ok, run({ code: 0, stderr: '' }), false, before, snapshot(dir)).violations).toEqual(['changed q.json']);
  });
});

describe('the case list', () => {
  const cases = hostileCases(['ipm', 'quadprog']);

  it('covers every group with unique names, documented exit codes and files inside the case folder', () => {
    expect(new Set(cases.map((c) => c.group))).toEqual(new Set(['mesh', 'target', 'qp', 'matrix', 'diagnose', 'output', 'convexity', 'units', 'flags']));
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.exit.length, c.name).toBeGreaterThan(0);
      for (const e of c.exit) expect([0, 1, 2], c.name).toContain(e);
      for (const f of [...Object.keys(c.files ?? {}), ...(c.dirs ?? []), ...Object.keys(c.symlinks ?? {})]) expect(f.startsWith('/') || f.includes('..'), `${c.name}: ${f}`).toBe(false);
    }
    // one convexity case per problem and solver
    expect(cases.filter((c) => c.group === 'convexity').map((c) => c.name)).toContain('convexity-saddle-quadprog');
  });

  it('the units cases state the solution in the units of their file', () => {
    const v = cases.find((c) => c.name === 'units-variables-1e4')!;
    const doc = JSON.parse(v.files!['q.json'] as string) as { P: { data: number[][] }; q: number[]; C: { data: number[][] }; d: number[] };
    // the file is in y = z / t (t = 1e4): P' = t²P, q' = t q, C' = t C, so P'y + q' + C'ᵀμ =
    // t (P z + q + Cᵀμ) = 0 with the same μ = 1/16, and C'y = C z = d
    const y = [-0.875 / 1e4, 1.375 / 1e4];
    const mu = 1 / 16;
    for (let i = 0; i < 2; i++) {
      const r = doc.P.data[i]![0]! * y[0]! + doc.P.data[i]![1]! * y[1]! + doc.q[i]! + doc.C.data[0]![i]! * mu;
      expect(Math.abs(r)).toBeLessThan(1e-9);
    }
    expect(doc.C.data[0]![0]! * y[0]! + doc.C.data[0]![1]! * y[1]!).toBeCloseTo(doc.d[0]!, 12);
  });
});

describe('the replay, end to end', () => {
  it('runs one case as a child process and writes its JSON report', () => {
    const report = join(tmp, 'report.json');
    const replay = new URL('./replay.ts', import.meta.url).pathname;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, replay, '--filter', '^qp-missing$', '--no-json-variants', '--json', report], { cwd: tmp, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^1 cases, [01] violations$/m);
    const j = JSON.parse(readFileSync(report, 'utf8')) as { cases: number; results: { name: string; exit: number; typed: string; filesOk: boolean; wallS: number; peakMb: number | null }[] };
    expect(j.cases).toBe(1);
    const [only] = j.results;
    expect(only!.name).toBe('qp-missing');
    expect(only!.exit).toBe(1); // a missing file is bad input today and after every fix
    expect(only!.filesOk).toBe(true);
    expect(only!.wallS).toBeGreaterThan(0);
    expect(r.status).toBe(r.stdout.includes('1 cases, 0 violations') ? 0 : 1);
  }, 60_000);
});
