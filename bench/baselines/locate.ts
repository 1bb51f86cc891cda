/**
 * Where the Python baselines of `dqp bench … --baseline` are and which Python runs them:
 * the scripts ship in bench/baselines/ of the package; the Python is $DQP_PYTHON, else Debian's
 * /usr/bin/python3 when it exists (the one apt's python3-cvxopt installs into), else python3.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../optimizer/errors.ts';
import { packageRoot } from '../../report/package-root.ts';

/** The path of bench/baselines/NAME; InputError naming --baseline when it is missing. */
export function baselineScript(name: string): string {
  const file = join(packageRoot(), 'bench', 'baselines', name);
  if (!existsSync(file)) throw new InputError('--baseline', `bench/baselines/${name} in the dqp package`, `no such file: ${file}`);
  return file;
}

/** The Python that runs the baselines. */
export function baselinePython(): string {
  const env = process.env['DQP_PYTHON'];
  if (env) return env;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}
