/**
 * The bi-level loop in Chromium vs in Node, side by side, on the same machine:
 *
 *   npx tsx bench/web.ts [--example cross|L|corner] [--repeats N]     (defaults: cross, 3)
 *
 * Node:     the same job code (web/src/job.ts → geometry/embed) in this process, tfjs loaded
 *           before the clock starts; for the cross example also `node bin/dqp.js embed --json`
 *           (the CLI: a fresh process per run, so its totalMs includes a cold JIT)
 * Chromium: the page served by `dqp serve --port 0`, `?example=NAME&autorun=live` (the run in the Web Worker, as a user starts it) in headless
 *           Chromium (playwright-core, the system browser); the page's data-total-ms is the same
 *           quantity measured by the same driver in its Web Worker (tfjs-core + the CPU backend)
 * The runs alternate (Node, Chromium, Node, …) so that a load change on the machine hits both;
 * the table gives the median of the repeats, the per-step medians, and Chromium / Node.
 * Needs Chromium (/usr/bin/chromium or $CHROMIUM_PATH). Not a test: nothing is asserted.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { embedBilevelAsync } from '../geometry/embed/driver.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import { setWarningHandler } from '../optimizer/log.ts';
import { loadSolvers } from '../optimizer/qp/registry.ts';
import { findChromium, launch, REPO, serve } from '../web/headless.ts';
import { EXAMPLE_NAMES, JOB_DEFAULTS, jobLoopOptions, prepareJob, type ExampleName } from '../web/src/job.ts';

interface Sample {
  readonly steps: number;
  readonly totalMs: number;
  readonly forwardMs: number;
  readonly backwardMs: number;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
};

function nodeCli(): Sample {
  const r = spawnSync(process.execPath, [join(REPO, 'bin', 'dqp.js'), 'embed', '--json', '--quiet', '--out', join(REPO, 'outputs', 'bench-web-cross.obj')], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dqp embed exited with ${r.status}: ${r.stderr}`);
  const j = JSON.parse(r.stdout.trim().split('\n').pop()!) as { iterations: number; totalMs: number; forwardMsMedian: number; backwardMsMedian: number };
  return { steps: j.iterations, totalMs: j.totalMs, forwardMs: j.forwardMsMedian, backwardMs: j.backwardMsMedian };
}

async function nodeLibrary(name: ExampleName): Promise<Sample> {
  await loadSolvers([JOB_DEFAULTS.solver]);
  (await prepareBilevel()).enableProdMode(); // tfjs loaded before the clock starts, as in the page
  const job = prepareJob({ kind: 'example', name }, JOB_DEFAULTS);
  const prev = setWarningHandler(() => {});
  try {
    const r = await embedBilevelAsync(job.qp, jobLoopOptions(job, JOB_DEFAULTS));
    return { steps: r.iterations, totalMs: r.totalMs, forwardMs: r.forwardMsMedian, backwardMs: r.backwardMsMedian };
  } finally {
    setWarningHandler(prev);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { example: { type: 'string', default: 'cross' }, repeats: { type: 'string', default: '3' } } });
  const name = values.example as ExampleName;
  if (!(EXAMPLE_NAMES as readonly string[]).includes(name)) throw new Error(`--example: expected one of ${EXAMPLE_NAMES.join(', ')}, found ${JSON.stringify(name)}`);
  const repeats = Number(values.repeats);
  if (!(Number.isInteger(repeats) && repeats >= 1)) throw new Error(`--repeats: expected an integer ≥ 1, found ${JSON.stringify(values.repeats)}`);
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium found (/usr/bin/chromium or $CHROMIUM_PATH): apt-get install -y --no-install-recommends chromium');

  const server = await serve();
  const browser = await launch(exe);
  const cli: Sample[] = [];
  const node: Sample[] = [];
  const web: Sample[] = [];
  try {
    for (let k = 0; k < repeats; k++) {
      if (name === 'cross') cli.push(nodeCli());
      node.push(await nodeLibrary(name));
      const page = await browser.context.newPage();
      await page.goto(`${server.url}?example=${name}&autorun=live`);
      await page.waitForSelector('body[data-status]', { timeout: 600_000 });
      const d = (await page.evaluate('({ ...document.body.dataset })')) as Record<string, string | undefined>;
      await page.close();
      if (d['status'] === 'error') throw new Error('the page ended with data-status="error"');
      web.push({ steps: Number(d['steps']), totalMs: Number(d['totalMs']), forwardMs: Number(d['forwardMs']), backwardMs: Number(d['backwardMs']) });
      process.stderr.write(`repeat ${k + 1}/${repeats}: node ${node[k]!.totalMs.toFixed(0)} ms${name === 'cross' ? ` (CLI ${cli[k]!.totalMs.toFixed(0)} ms)` : ''}, chromium ${web[k]!.totalMs.toFixed(0)} ms\n`);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const row = (label: string, s: Sample[]) => ({
    label,
    steps: [...new Set(s.map((x) => x.steps))].join('/'),
    total: median(s.map((x) => x.totalMs)),
    fwd: median(s.map((x) => x.forwardMs)),
    bwd: median(s.map((x) => x.backwardMs)),
  });
  const rows = [
    ...(cli.length ? [row('Node, dqp embed (CLI)', cli)] : []),
    row('Node, library', node),
    row('Chromium, page worker', web),
  ];
  const w = row('', web).total;
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (x: number, d = 1) => x.toFixed(d).padStart(10);
  console.log(`\n${name} example, ${repeats} repeat(s) each, medians (ms)`);
  console.log(`${pad('runtime', 24)}${pad('steps', 12)}${'loop total'.padStart(10)}${'fwd/step'.padStart(10)}${'bwd/step'.padStart(10)}`);
  for (const r of rows) console.log(`${pad(r.label, 24)}${pad(r.steps, 12)}${num(r.total, 0)}${num(r.fwd, 2)}${num(r.bwd, 2)}`);
  console.log(`Chromium / Node loop time: ${(w / row('', node).total).toFixed(2)}× (library)` + (cli.length ? `, ${(w / row('', cli).total).toFixed(2)}× (CLI)` : ''));
  if (cli.length) console.log('(the CLI row is a fresh process per run: cold JIT and lazy loads inside its timed loop; the library row runs in this process, tfjs loaded first)');
}

main().catch((e: unknown) => {
  console.error(`bench/web: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
