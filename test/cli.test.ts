import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (args: string[]) => spawnSync(process.execPath, ['bin/dqp.js', ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints help listing the commands', () => {
    const out = execFileSync(process.execPath, ['bin/dqp.js', '--help'], { encoding: 'utf8' });
    expect(out).toMatch(/dqp <command>/);
    expect(out).toMatch(/bench <suite>/);
  });
  it('rejects an unknown command with a non-zero exit', () => {
    const r = run(['no-such-command']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-command/);
  });
});
