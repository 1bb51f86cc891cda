import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DQP_BIN } from './helpers.ts';

const DQP_ROOT = dirname(dirname(DQP_BIN));

const run = (args: string[]) => spawnSync(process.execPath, [DQP_BIN, ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints help listing the commands', () => {
    const out = execFileSync(process.execPath, [DQP_BIN, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/dqp <command>/);
    for (const c of ['bench <suite>', 'diagnose <file>', 'embed [mesh]', 'refine', 'serve', 'solve <file>', 'solvers', 'sudoku']) expect(out).toContain(`dqp ${c}`);
    // every command file is reachable (cli/main.ts loads commands by name)
    for (const f of readdirSync(join(DQP_ROOT, 'cli', 'commands')).filter((n) => n.endsWith('.ts'))) expect(out).toMatch(new RegExp(`dqp ${f.slice(0, -3)}\\b`));
  });
  it("a command's help (only that command is loaded) lists its flags with their ranges", () => {
    const out = execFileSync(process.execPath, [DQP_BIN, 'solve', '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/--eps-active .*\(a positive number ≤ 1; default 0\.00001\)/s);
    expect(out).not.toMatch(/dqp embed/);
  });
  it('rejects an unknown command with a non-zero exit', () => {
    const r = run(['no-such-command']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-command/);
  });
  it('an unknown solver is a SolverNotFoundError naming its flag (before any file is read)', () => {
    const cases: [string[], string][] = [
      [['solve', 'absent.json', '--solver', 'nosuch'], '--solver'],
      [['embed', 'absent.obj', '--solver', ''], '--solver'],
      [['bench', 'simplex', '--solver', 'ipm,nosuch'], '--solver'],
      [['diagnose', 'absent.json', '--reference', 'nosuch'], '--reference'],
    ];
    for (const [args, flag] of cases) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(1);
      const name = args[args.indexOf(flag) + 1]!.split(',').pop()!;
      expect(r.stderr).toBe(`dqp: SolverNotFoundError: ${flag}: unknown solver "${name}"; available solvers: ipm, admm, highs, quadprog, dualas\n`);
      const j = run([...args, '--json']);
      expect(j.status).toBe(1);
      expect(JSON.parse(j.stdout)).toEqual({ error: { type: 'SolverNotFoundError', message: expect.stringMatching(new RegExp(`^${flag}: unknown solver`)), exitCode: 1 } });
    }
  });
  it('a value outside the choices is ONE line naming the flag (or the positional argument), the choices and the value', () => {
    const flag = run(['solve', 'absent.json', '--linear-solver', 'bogus']);
    expect(flag.status).toBe(1);
    expect(flag.stderr).toBe('dqp: UsageError: --linear-solver: expected one of "auto", "sparse-ldl", "dense", "lstsq", found "bogus" (run dqp --help for usage)\n');
    const positional = run(['bench', 'nosuch']);
    expect(positional.status).toBe(1);
    expect(positional.stderr).toMatch(/^dqp: UsageError: suite: expected one of "dense", .*"ldl", found "nosuch" \(run dqp --help for usage\)\n$/);
  });
});
