/// <reference lib="dom" />
/**
 * The web page in a real headless Chromium (Debian's chromium + playwright-core, no browser
 * download). `dqp serve --port 0` builds and serves the page; the tests run the cross example to
 * its certificate and compare it with `dqp embed`, upload a 3-D mesh and a polygon through the file
 * inputs and compare the downloads with the library path in Node, pause a run and watch the live
 * view, run HiGHS's WebAssembly in the page, and check a screenshot is not blank.
 *
 * Without Chromium the suite is skipped with a message, except under CI (process.env.CI set),
 * where a missing Chromium is a failure (.ci/run installs it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readObj } from '../geometry/obj-parse.ts';
import { embedBilevelAsync } from '../geometry/embed/driver.ts';
import { prepareBilevel } from '../optimizer/bilevel/tf-runtime.ts';
import { setWarningHandler } from '../optimizer/log.ts';
import { loadSolvers } from '../optimizer/qp/registry.ts';
import { DUMP_DOM_ARGS, findChromium, freshProfile, launch, REPO, serve, type Served } from '../web/headless.ts';
import { JOB_DEFAULTS, jobLoopOptions, jobOutputs, prepareJob, type JobInput, type JobSettings } from '../web/src/job.ts';

const chromiumPath = findChromium();
const ci = Boolean(process.env['CI']);

if (!chromiumPath && !ci) {
  console.warn('web-page tests SKIPPED: no Chromium found (/usr/bin/chromium or $CHROMIUM_PATH); install it: apt-get install -y --no-install-recommends chromium');
}

if (!chromiumPath && ci) {
  describe('web page under CI', () => {
    it('needs a Chromium', () => {
      expect.fail('no Chromium at /usr/bin/chromium or $CHROMIUM_PATH; .ci/run installs the chromium package before npm test');
    });
  });
}

/** the lines of an OBJ without its comments */
const body = (obj: string) => obj.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/** `node bin/dqp.js ARGS`: exit code, stdout, stderr */
function dqp(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(REPO, 'bin', 'dqp.js'), ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

/** the library path in Node (the same job code as the page's worker) */
async function libraryRun(input: JobInput, settings: JobSettings = JOB_DEFAULTS) {
  await loadSolvers([settings.solver]);
  (await prepareBilevel()).enableProdMode(); // no "install the node backend" banner
  const job = prepareJob(input, settings);
  const prev = setWarningHandler(() => {});
  try {
    const r = await embedBilevelAsync(job.qp, jobLoopOptions(job, settings));
    return { r, out: jobOutputs(job, r, settings) };
  } finally {
    setWarningHandler(prev);
  }
}

async function download(page: Page, selector: string): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = await d.path();
  return readFileSync(path, 'utf8');
}

const dataset = (page: Page) => page.evaluate(() => ({ ...document.body.dataset }));

/** pixels of a canvas that differ from white, and the number of distinct colours (sampled) */
const canvasInk = (page: Page, id: string) =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    const colours = new Set<number>();
    for (let k = 0; k < d.length; k += 4) {
      if (d[k + 3]! > 0 && (d[k]! < 250 || d[k + 1]! < 250 || d[k + 2]! < 250)) ink++;
      if (k % 64 === 0) colours.add((d[k]! << 24) | (d[k + 1]! << 16) | (d[k + 2]! << 8) | d[k + 3]!);
    }
    return { ink, colours: colours.size, total: c.width * c.height };
  }, id);

describe.skipIf(!chromiumPath)('web page in Chromium', () => {
  let server: Served;
  let browser: Awaited<ReturnType<typeof launch>>;
  let context: BrowserContext;
  let tmp: string;
  const requests: string[] = [];

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'dqp-web-test-'));
    server = await serve();
    browser = await launch(chromiumPath!);
    context = browser.context;
    context.on('request', (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('dqp serve: loopback only, GET/HEAD of web/dist only, a CSP that allows nothing beyond the origin', async () => {
    const bad = await dqp(['serve', '--host', '0.0.0.0', '--port', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--host.*loopback.*"0\.0\.0\.0"/);
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await index.text()).toContain('<canvas id="view"');
    expect((await fetch(new URL('highs.wasm', server.url))).headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(new URL('/%2e%2e/package.json', server.url))).status).toBe(404);
    expect((await fetch(new URL('/nothing.js', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('the cross example (autorun) ends certified with the steps, flips and OBJ of `dqp embed`', async () => {
    const cliObj = join(tmp, 'cross.obj');
    const cli = dqp(['embed', '--json', '--quiet', '--out', cliObj]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}?example=cross&autorun=1`);
    await page.waitForSelector('body[data-status]', { timeout: 240_000 });
    const ds = await dataset(page);
    const cliRun = await cli;
    expect(cliRun.code).toBe(0);
    const summary = JSON.parse(cliRun.stdout.trim().split('\n').pop()!) as { iterations: number; flips: number; converged: boolean };
    expect(ds['status']).toBe('converged');
    expect(Number(ds['flips'])).toBe(summary.flips);
    expect(Math.abs(Number(ds['steps']) - summary.iterations)).toBeLessThanOrEqual(1);
    expect(await page.textContent('#certificate')).toMatch(/Certified: bijective embedding/);
    const obj = await download(page, '#dl-obj');
    expect(body(obj)).toEqual(body(readFileSync(cliObj, 'utf8')));
    const svg = await download(page, '#dl-svg');
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('0 flipped');
    expect(await page.isHidden('#dl-uv')).toBe(true); // a flat example has no UV OBJ
    expect(errors).toEqual([]);
    await page.close();
  });

  it('uploads a 3-D mesh and a polygon, pauses with the live view drawn, and downloads what the library writes', async () => {
    const meshPath = join(REPO, 'meshes', 'bumpy-disk.obj');
    const domainPath = join(REPO, 'meshes', 'domains', 'L.json');
    const input: JobInput = {
      kind: 'files',
      mesh: { name: 'bumpy-disk.obj', text: readFileSync(meshPath, 'utf8') },
      domain: { name: 'L.json', text: readFileSync(domainPath, 'utf8') },
    };
    const reference = libraryRun(input);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled);
    await page.setInputFiles('#mesh-file', meshPath);
    await page.setInputFiles('#domain-file', domainPath);
    await expect.poll(() => page.textContent('#files-note')).toBe('mesh bumpy-disk.obj; domain L.json');
    expect(await page.inputValue('#example')).toBe('files');
    await page.click('#run');
    // live view: the step counter moves while the run goes on; pause it mid-way
    await page.waitForFunction(() => Number(document.getElementById('steps')!.textContent) >= 10, undefined, { timeout: 240_000 });
    await page.click('#pause');
    await page.waitForSelector('body[data-phase="paused"]');
    expect(await page.textContent('#pause')).toBe('Resume');
    await page.waitForTimeout(400); // messages already in flight arrive
    const held = await page.textContent('#steps');
    await page.waitForTimeout(800);
    expect(await page.textContent('#steps')).toBe(held); // paused: no step taken
    expect((await dataset(page))['status']).toBeUndefined();
    const view = await canvasInk(page, 'view');
    expect(view.ink).toBeGreaterThan(view.total / 20); // the mesh and the domain are drawn
    expect(view.colours).toBeGreaterThan(4);
    const chart = await canvasInk(page, 'chart');
    expect(chart.ink).toBeGreaterThan(200);
    expect(await page.textContent('#summary')).toMatch(/^bumpy-disk\.obj: 817 vertices, 1536 faces.*1 reflex corners/);
    expect(Number(await page.textContent('#fwd'))).toBeGreaterThan(0);
    // the screenshot of a paused run shows a page, not a blank
    const png = await page.screenshot();
    const shot = await context.newPage();
    const stats = await shot.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      let dark = 0;
      for (let k = 0; k < d.length; k += 4) {
        colours.add((d[k]! << 16) | (d[k + 1]! << 8) | d[k + 2]!);
        if (d[k]! + d[k + 1]! + d[k + 2]! < 300) dark++;
      }
      return { w: c.width, h: c.height, colours: colours.size, dark };
    }, `data:image/png;base64,${png.toString('base64')}`);
    await shot.close();
    expect(stats.w).toBeGreaterThan(500);
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.dark).toBeGreaterThan(1000); // text, header, mesh lines
    // resume to the end
    await page.click('#pause');
    await page.waitForSelector('body[data-status]', { timeout: 240_000 });
    const ds = await dataset(page);
    const ref = await reference;
    expect(ds['status']).toBe(ref.r.converged && ref.r.flips === 0 ? 'converged' : 'not-converged');
    expect(Number(ds['flips'])).toBe(ref.r.flips);
    expect(Math.abs(Number(ds['steps']) - ref.r.iterations)).toBeLessThanOrEqual(1);
    const obj = await download(page, '#dl-obj');
    expect(body(obj)).toEqual(body(ref.out.obj));
    // the UV OBJ: the input's own vertices, the embedding as vt, faces v/vt
    const uv = await download(page, '#dl-uv');
    expect(body(uv)).toEqual(body(ref.out.uvObj!));
    const uvMesh = readObj(uv, 'uv.obj');
    const input3d = readObj(input.mesh.text, 'bumpy-disk.obj');
    expect(Array.from(uvMesh.V.subarray(0, input3d.V.length))).toEqual(Array.from(input3d.V));
    const embedded = readObj(obj, 'embedded.obj');
    expect(uvMesh.nvt).toBe(embedded.nv);
    for (let i = 0; i < embedded.nv; i++) {
      expect(uvMesh.VT![2 * i]).toBe(embedded.V[3 * i]);
      expect(uvMesh.VT![2 * i + 1]).toBe(embedded.V[3 * i + 1]);
    }
    await page.close();
  });

  it('a bad domain file ends with data-status="error" and a message naming the file', async () => {
    const bad = join(tmp, 'two-corners.txt');
    writeFileSync(bad, '0 0\n1 0\n');
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled);
    await page.setInputFiles('#mesh-file', join(REPO, 'meshes', 'bumpy-disk.obj'));
    await page.setInputFiles('#domain-file', bad);
    await expect.poll(() => page.textContent('#files-note')).toContain('two-corners.txt');
    await page.click('#run');
    await page.waitForSelector('body[data-status]', { timeout: 60_000 });
    expect((await dataset(page))['status']).toBe('error');
    expect(await page.textContent('#messages')).toMatch(/two-corners\.txt.*3/);
    await page.close();
  });

  it('an unknown example with autorun ends with data-status="error" instead of running another', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}?example=nope&autorun=1`);
    await page.waitForSelector('body[data-status]', { timeout: 60_000 });
    expect((await dataset(page))['status']).toBe('error');
    expect(await page.textContent('#messages')).toMatch(/unknown example "nope": expected one of cross, L, corner/);
    expect(await page.textContent('#steps')).toBe('–');
    await page.close();
  });

  it('a mesh with vt dropped alone embeds onto its own vt exactly as `dqp embed MESH` does', async () => {
    const meshPath = join(REPO, 'meshes', 'corner-10.obj');
    const cliObj = join(tmp, 'corner-10.obj');
    const cli = dqp(['embed', meshPath, '--json', '--quiet', '--out', cliObj]);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => !(document.getElementById('run') as HTMLButtonElement).disabled);
    const text = readFileSync(meshPath, 'utf8');
    const dt = await page.evaluateHandle((t) => {
      const d = new DataTransfer();
      d.items.add(new File([t], 'corner-10.obj', { type: 'model/obj' }));
      return d;
    }, text);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer: dt });
    await expect.poll(() => page.textContent('#files-note')).toBe("mesh corner-10.obj; domain the mesh's own vt");
    await page.click('#run');
    await page.waitForSelector('body[data-status]', { timeout: 240_000 });
    const ds = await dataset(page);
    const cliRun = await cli;
    expect(cliRun.code).toBe(0);
    const summary = JSON.parse(cliRun.stdout.trim().split('\n').pop()!) as { iterations: number; flips: number };
    expect(ds['status']).toBe('converged');
    expect(Number(ds['flips'])).toBe(summary.flips);
    expect(Math.abs(Number(ds['steps']) - summary.iterations)).toBeLessThanOrEqual(1);
    expect(body(await download(page, '#dl-obj'))).toEqual(body(readFileSync(cliObj, 'utf8')));
    await page.close();
  });

  it('the acceptance command: chromium --headless --dump-dom of ?example=cross&autorun=1 prints the certified body', async () => {
    // the command as a child process (only --user-data-dir added: a fresh profile, so a
    // Chromium running elsewhere with the default profile cannot take the request over)
    const profile = freshProfile();
    try {
      const url = `${server.url}?example=cross&autorun=1`;
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(chromiumPath!, [...DUMP_DOM_ARGS, `--user-data-dir=${profile.dir}`, '--dump-dom', url], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => done({ code, stdout, stderr }));
      });
      expect(run.code, run.stderr).toBe(0);
      const tag = /<body[^>]*>/.exec(run.stdout)?.[0] ?? '';
      expect(tag).toContain('data-status="converged"');
      expect(tag).toContain('data-flips="0"');
      // the same run as `dqp embed` on the cross (the CLI's test pins its steps)
      const ref = await libraryRun({ kind: 'example', name: 'cross' });
      expect(tag).toContain(`data-steps="${ref.r.iterations}"`);
      expect(run.stdout).toContain('Certified: bijective embedding');
    } finally {
      profile.remove();
    }
  });

  it('Stop ends the run after the current step with the last map certified as not converged', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}?example=L&autorun=live`);
    await page.waitForFunction(() => Number(document.getElementById('steps')!.textContent) >= 5, undefined, { timeout: 240_000 });
    await page.click('#stop');
    await page.waitForSelector('body[data-status]', { timeout: 240_000 });
    const ds = await dataset(page);
    expect(ds['status']).toBe('not-converged');
    expect(Number(ds['steps'])).toBeGreaterThanOrEqual(5);
    expect(await page.textContent('#certificate')).toMatch(/Not certified \(interrupted\)/);
    expect(await page.isEnabled('#run')).toBe(true);
    await page.close();
  });

  it('HiGHS runs from its WebAssembly next to the bundle: the corner example matches Node', async () => {
    const settings: JobSettings = { ...JOB_DEFAULTS, solver: 'highs' };
    const reference = libraryRun({ kind: 'example', name: 'corner' }, settings);
    const page = await context.newPage();
    await page.goto(`${server.url}?example=corner&solver=highs&autorun=1`);
    await page.waitForSelector('body[data-status]', { timeout: 240_000 });
    const ds = await dataset(page);
    const ref = await reference;
    expect(ds['status']).not.toBe('error');
    expect(ds['status']).toBe(ref.r.converged && ref.r.flips === 0 ? 'converged' : 'not-converged');
    expect(Number(ds['flips'])).toBe(ref.r.flips);
    expect(Math.abs(Number(ds['steps']) - ref.r.iterations)).toBeLessThanOrEqual(1);
    await page.close();
  });

  it('made no request beyond the serving origin', () => {
    expect(requests.length).toBeGreaterThan(4);
    const foreign = requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(requests.some((u) => u.endsWith('/highs.wasm'))).toBe(true);
  });
});
