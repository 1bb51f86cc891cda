/**
 * Running the dqp command as a child process for the CLI tests (not a test file):
 * `node bin/dqp.js ARGS` in `cwd`, collecting the exit code, stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = join(repo, 'bin', 'dqp.js');

export interface Run {
  /** exit code; -1 when the process was killed by a signal */
  code: number;
  stdout: string;
  stderr: string;
}

export function dqp(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((res) => {
    execFile(process.execPath, [bin, ...args], { cwd, maxBuffer: 1 << 24, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      res({ code, stdout, stderr });
    });
  });
}
