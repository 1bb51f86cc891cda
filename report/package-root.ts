/**
 * The dqp package folder: the nearest folder above this module whose package.json is named
 * "dqp". Works from the sources, from dist/ and from the bundled command (every one of them lives
 * inside the package), so files shipped beside the code (the web page, bench/baselines/*.py) are
 * found the same way by every command.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DqpError } from '../optimizer/errors.ts';

let cached: string | null = null;

export function packageRoot(): string {
  if (cached !== null) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'dqp') return (cached = dir);
      } catch {
        // not ours: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new DqpError(`cannot find the dqp package folder (a package.json named "dqp") above ${start}`);
    dir = up;
  }
}
