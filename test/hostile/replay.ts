/**
 * Hostile replay of the dqp command line: every case of test/hostile/cases.ts (malformed meshes,
 * targets, QP and Matrix Market files, colliding and unwritable outputs, huge declared shapes,
 * indefinite P, other units, hostile flag values) run as a child process `node bin/dqp.js …` in
 * its own temporary folder, and checked against the README's contract:
 *
 *   exit      the documented exit code of the case (0 ok, 1 bad input, 2 not certified / solved)
 *   message   on exit 1, stderr ends with ONE typed line `dqp: XxxError: …` (at most 400
 *             characters, naming the flag or file when the case says which, no internal names
 *             such as `options.x` or `undefined`); never a stack trace (`    at …` lines)
 *   --json    every case that fails is run again with --json: stdout is then exactly one line,
 *             {"error": {"type", "message", "exitCode"}} with exitCode = the exit code; a run
 *             that succeeds with --json prints exactly one JSON line
 *   time      under 15 s wall time (--budget-s); the child is killed at --kill-s
 *   memory    peak resident set size under 1 GB (--budget-mb): the maximum RSS reported by
 *             /usr/bin/time (%M) when it exists, and the VmHWM of the child sampled from /proc
 *             every 25 ms; the child is killed past --kill-mb
 *   files     every file, folder and link of the case folder is hashed before and after: none
 *             may be changed or removed (a successful run may replace the case's `mayChange`
 *             files), a failed run (exit other than 0, 2, 130) may create nothing, and no
 *             temporary `.tmp` file may be left behind
 *   check     the case's own check of its result (e.g. status "non_convex" for an indefinite P)
 *
 * Usage (from the repository root; the cases run in a temporary folder):
 *   node --import tsx test/hostile/replay.ts [--filter REGEX] [--group G[,G…]] [--jobs N]
 *        [--json FILE] [--keep] [--no-json-variants] [--list]
 *        [--budget-s 15] [--budget-mb 1024] [--kill-s 20] [--kill-mb 2048]
 * Prints one progress line per run on stderr, then a table and the summary
 * "N cases, K violations" on stdout. Exit code 0 when no case violates the contract, else 1.
 * Cases that need file permissions (chmod) are skipped when running as root.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostileCases, lastJson, type HostileCase, type RunResult } from './cases.ts';
import { createCase, evaluate, releaseCase, snapshot, type Outcome } from './contract.ts';

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(REPO_ROOT, 'bin', 'dqp.js');
const TIME = '/usr/bin/time';

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

interface Options {
  filter: RegExp | null;
  groups: string[] | null;
  jobs: number;
  jsonFile: string | null;
  keep: boolean;
  jsonVariants: boolean;
  list: boolean;
  budgetS: number;
  budgetMb: number;
  killS: number;
  killMb: number;
}

function usageError(message: string): never {
  process.stderr.write(`hostile-replay: ${message}\n`);
  process.exit(64);
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = { filter: null, groups: null, jobs: 1, jsonFile: null, keep: false, jsonVariants: true, list: false, budgetS: 15, budgetMb: 1024, killS: 20, killMb: 2048 };
  const num = (flag: string, v: string | undefined, min: number): number => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < min) usageError(`${flag}: expected a number ≥ ${min}, found ${v ?? 'nothing'}`);
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    if (a === '--filter') {
      const v = next();
      if (v === undefined) usageError('--filter: expected a regular expression');
      o.filter = new RegExp(v);
    } else if (a === '--group') o.groups = (next() ?? '').split(',').filter((g) => g);
    else if (a === '--jobs') o.jobs = Math.floor(num(a, next(), 1));
    else if (a === '--json') o.jsonFile = next() ?? usageError('--json: expected a file name');
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-json-variants') o.jsonVariants = false;
    else if (a === '--list') o.list = true;
    else if (a === '--budget-s') o.budgetS = num(a, next(), 0);
    else if (a === '--budget-mb') o.budgetMb = num(a, next(), 0);
    else if (a === '--kill-s') o.killS = num(a, next(), 1);
    else if (a === '--kill-mb') o.killMb = num(a, next(), 64);
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node --import tsx test/hostile/replay.ts [--filter REGEX] [--group G,…] [--jobs N] [--json FILE] [--keep] [--no-json-variants] [--list] [--budget-s S] [--budget-mb MB] [--kill-s S] [--kill-mb MB]\n');
      process.exit(0);
    } else usageError(`unknown argument ${a}`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------------------------

/** Keep at most `limit` characters of a stream: the head and the tail. */
class Capture {
  private head = '';
  private tail = '';
  private total = 0;
  constructor(private readonly limit = 8_000_000) {}
  add(chunk: string): void {
    this.total += chunk.length;
    if (this.head.length < this.limit) this.head += chunk;
    else this.tail = (this.tail + chunk).slice(-this.limit);
  }
  text(): string {
    return this.tail ? `${this.head}\n…(${this.total - this.head.length - this.tail.length} characters left out)…\n${this.tail}` : this.head;
  }
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** The kB value of `key` in /proc/PID/status, or null. */
function statusKb(pid: number, key: 'VmHWM' | 'VmRSS'): number | null {
  const s = readProc(pid, 'status');
  const m = s ? new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s) : null;
  return m ? Number(m[1]) : null;
}

function runDqp(args: readonly string[], cwd: string, timeFile: string, o: Options): Promise<RunResult> {
  const useTime = existsSync(TIME);
  const [cmd, argv] = useTime ? [TIME, ['-f', '%M %x', '-o', timeFile, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    const out = new Capture();
    const err = new Capture();
    child.stdout.setEncoding('utf8').on('data', (d: string) => out.add(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => err.add(d));
    let killed: RunResult['killed'] = null;
    let sampledKb = 0;
    const kill = (why: 'time' | 'memory') => {
      if (killed) return;
      killed = why;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the whole group: time and node
      } catch {
        child.kill('SIGKILL');
      }
    };
    const nodePid = (): number | null => {
      if (!useTime) return child.pid ?? null;
      const kids = readProc(child.pid!, `task/${child.pid}/children`);
      const first = kids?.trim().split(/\s+/)[0];
      return first ? Number(first) : null;
    };
    const poll = setInterval(() => {
      const pid = nodePid();
      if (pid !== null) {
        sampledKb = Math.max(sampledKb, statusKb(pid, 'VmHWM') ?? 0);
        if ((statusKb(pid, 'VmRSS') ?? 0) > o.killMb * 1024) kill('memory');
      }
      if (performance.now() - t0 > o.killS * 1000) kill('time');
    }, 25);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      const wallS = (performance.now() - t0) / 1000;
      let peakKb: number | null = sampledKb > 0 ? sampledKb : null;
      let c: number | null = code;
      let s: string | null = signal;
      if (useTime && !killed && existsSync(timeFile)) {
        const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
        const last = /^(\d+) (\d+)$/.exec(lines.at(-1) ?? '');
        if (last) peakKb = Math.max(peakKb ?? 0, Number(last[1]));
        const sig = /terminated by signal (\d+)/.exec(lines.join('\n'));
        if (sig) {
          c = null;
          s = `signal ${sig[1]}`;
        } else if (last) c = Number(last[2]);
        rmSync(timeFile, { force: true });
      }
      if (killed) {
        c = null;
        s = 'SIGKILL (by the replay)';
      }
      done({ code: c, signal: s, stdout: out.text(), stderr: err.text(), wallS, peakMb: peakKb === null ? null : peakKb / 1024, killed });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

interface Run {
  readonly c: HostileCase;
  readonly json: boolean;
  readonly name: string;
}

function registeredSolvers(): string[] {
  const r = spawnSync(process.execPath, [BIN, 'solvers', '--json'], { encoding: 'utf8' });
  const j = lastJson(r.stdout ?? '');
  const list = j?.solvers;
  if (Array.isArray(list)) {
    const names = list.map((s: unknown) => (typeof s === 'string' ? s : (s as { name?: unknown })?.name)).filter((n): n is string => typeof n === 'string');
    if (names.length > 0) return names;
  }
  return ['ipm', 'admm', 'highs', 'quadprog', 'dualas'];
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function table(outcomes: readonly Outcome[]): string {
  const rows = outcomes.map((x) => [
    x.name,
    `${x.result.code ?? 'kill'}/${x.expected.join('|')}`,
    x.typed,
    x.result.wallS.toFixed(1),
    x.result.peakMb === null ? '?' : String(Math.round(x.result.peakMb)),
    x.filesOk ? 'ok' : 'NO',
    x.violations.length === 0 ? 'ok' : x.violations.join('; ').slice(0, 160),
  ]);
  const head = ['case', 'exit/doc', 'typed', 'wall s', 'peak MB', 'files', 'verdict'];
  const widths = head.map((h, i) => Math.min(i === 6 ? 160 : 60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const line = (r: readonly string[]) => r.map((cell, i) => pad(cell, widths[i]!)).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const root = process.getuid?.() === 0;
  const all = hostileCases(registeredSolvers());
  const chosen = all.filter((c) => (!o.groups || o.groups.includes(c.group)) && (!o.filter || o.filter.test(c.name)));
  const skipped = chosen.filter((c) => c.needsNonRoot && root);
  const runs: Run[] = chosen
    .filter((c) => !(c.needsNonRoot && root))
    .flatMap((c) => {
      const mode = c.json ?? 'both';
      const plain: Run = { c, json: false, name: c.name };
      const json: Run = { c, json: true, name: `${c.name} --json` };
      if (mode === 'plain') return [plain];
      if (mode === 'json') return [json];
      return o.jsonVariants ? [plain, json] : [plain];
    });
  if (o.list) {
    for (const r of runs) process.stdout.write(`${r.name}\t${r.c.group}\tdqp ${[...r.c.args, ...(r.json ? ['--json'] : [])].join(' ')}\n`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'dqp-hostile-'));
  process.stderr.write(`hostile replay: ${runs.length} runs in ${tmp} (budget ${o.budgetS} s, ${o.budgetMb} MB; ${o.jobs} at a time)\n`);
  const outcomes: Outcome[] = new Array<Outcome>(runs.length);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < runs.length) {
      const k = next++;
      const { c, json, name } = runs[k]!;
      const dir = join(tmp, `case-${String(k).padStart(3, '0')}`);
      createCase(dir, c);
      const before = snapshot(dir);
      const args = json ? [...c.args, '--json'] : [...c.args];
      const result = await runDqp(args, dir, `${dir}.time`, o);
      const after = snapshot(dir);
      const verdict = evaluate(c, json, result, before, after, o);
      outcomes[k] = { name, group: c.group, args, expected: c.exit, result, ...verdict };
      releaseCase(dir, c);
      if (!o.keep) rmSync(dir, { recursive: true, force: true });
      finished++;
      process.stderr.write(`[${finished}/${runs.length}] ${name}: ${verdict.violations.length === 0 ? 'ok' : verdict.violations.join('; ').slice(0, 200)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.jobs, runs.length) }, worker));
  if (!o.keep) rmSync(tmp, { recursive: true, force: true });

  const bad = outcomes.filter((x) => x.violations.length > 0);
  process.stdout.write(`${table(outcomes)}\n\n`);
  const groups = [...new Set(outcomes.map((x) => x.group))];
  for (const g of groups) {
    const mine = outcomes.filter((x) => x.group === g);
    process.stdout.write(`${pad(g, 10)} ${mine.length} cases, ${mine.filter((x) => x.violations.length > 0).length} violations\n`);
  }
  if (skipped.length > 0) process.stdout.write(`skipped (they need a user without root rights): ${skipped.map((c) => c.name).join(', ')}\n`);
  if (o.keep) process.stdout.write(`case folders kept in ${tmp}\n`);
  process.stdout.write(`${outcomes.length} cases, ${bad.length} violations\n`);
  if (o.jsonFile) {
    const report = outcomes.map((x) => ({
      name: x.name,
      group: x.group,
      args: x.args,
      expectedExit: x.expected,
      exit: x.result.code,
      signal: x.result.signal,
      wallS: x.result.wallS,
      peakMb: x.result.peakMb,
      typed: x.typed,
      filesOk: x.filesOk,
      violations: x.violations,
      stderrTail: x.result.stderr.slice(-600),
    }));
    writeFileSync(o.jsonFile, `${JSON.stringify({ cases: outcomes.length, violations: bad.length, skipped: skipped.map((c) => c.name), results: report }, null, 1)}\n`);
  }
  process.exitCode = bad.length === 0 ? 0 : 1;
}

await main();
