/**
 * test/data.ts: the shared data folder is found from the repository root (not the current
 * directory), and a missing folder skips a block, or fails it under DQP_REQUIRE_DATA=1.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dataDir } from '../bench/file-suite.ts';
import { SPEC as MM_SPEC } from '../bench/maros-meszaros.ts';
import { SPEC as MPC_SPEC } from '../bench/mpc.ts';
import { DATA_ROOT, dataGate, dataPath, missingData, REPO_ROOT } from './data.ts';

describe('the data folder', () => {
  it('is ../shared/data next to the repository root, whatever the current directory', () => {
    // this file is REPO_ROOT/test/data.test.ts
    expect(join(REPO_ROOT, 'test', 'data.test.ts')).toBe(new URL(import.meta.url).pathname);
    expect(DATA_ROOT).toBe(join(REPO_ROOT, '..', 'shared', 'data'));
    expect(dataPath('maros_meszaros', 'HS21.mat')).toBe(join(REPO_ROOT, '..', 'shared', 'data', 'maros_meszaros', 'HS21.mat'));
    // the same folders the bench suites read (they resolve from the repository root too)
    expect(dataDir(MM_SPEC.folder)).toBe(dataPath('maros_meszaros'));
    expect(dataDir(MPC_SPEC.folder)).toBe(dataPath('mpc_qpbenchmark'));
  });

  it('resolves to the same absolute path from another working directory (a child process in the temp folder)', () => {
    const code = `import('${new URL('./data.ts', import.meta.url).href}').then((m) => console.log(m.dataPath('x')))`;
    // tsx by absolute URL: a bare `--import tsx` would be looked up from the temp folder
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const r = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', code], { cwd: realpathSync(tmpdir()), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(dataPath('x'));
  });

  it('missingData lists exactly the absent paths, absolute', () => {
    expect(missingData(['no-such-folder-1', 'no-such-folder-2/x.mat'])).toEqual([dataPath('no-such-folder-1'), dataPath('no-such-folder-2', 'x.mat')]);
    expect(missingData('no-such-folder-3')).toEqual([dataPath('no-such-folder-3')]);
  });
});

describe('dataGate', () => {
  const missing = ['/x/shared/data/mpc_qpbenchmark'];

  it('runs a block whose data is present, whatever DQP_REQUIRE_DATA says', () => {
    expect(dataGate([], {})).toEqual({ action: 'run' });
    expect(dataGate([], { DQP_REQUIRE_DATA: '1' })).toEqual({ action: 'run' });
  });

  it('skips a block whose data is missing, naming the path and the switch', () => {
    for (const env of [{}, { DQP_REQUIRE_DATA: '0' }, { DQP_REQUIRE_DATA: '' }]) {
      const g = dataGate(missing, env);
      expect(g.action).toBe('skip');
      if (g.action === 'run') throw new Error('unreachable');
      expect(g.message).toContain('/x/shared/data/mpc_qpbenchmark');
      expect(g.message).toContain('DQP_REQUIRE_DATA=1');
    }
  });

  it('fails it under DQP_REQUIRE_DATA=1, naming the path', () => {
    const g = dataGate(missing, { DQP_REQUIRE_DATA: '1' });
    expect(g.action).toBe('fail');
    if (g.action === 'run') throw new Error('unreachable');
    expect(g.message).toMatch(/^shared data not found: \/x\/shared\/data\/mpc_qpbenchmark /);
  });
});
