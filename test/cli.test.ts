import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DQP_BIN } from './helpers.ts';

const run = (args: string[]) => spawnSync(process.execPath, [DQP_BIN, ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints help listing the commands', () => {
    const out = execFileSync(process.execPath, [DQP_BIN, '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/dqp <command>/);
    for (const c of ['bench <suite>', 'diagnose <file>', 'embed [mesh]', 'refine', 'solve <file>', 'solvers', 'sudoku']) expect(out).toContain(`dqp ${c}`);
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
});
