/**
 * The web page: input and settings, Run / Pause / Stop, the live view and the certificate.
 * Interactive runs go to a Web Worker (worker.ts): this file draws and talks to it. Only
 * ?autorun=1 is run here, while the page loads (runDuringLoad below).
 *
 * Query parameters: ?example=cross|L|corner selects an example; &autorun=1 runs it while the page
 * loads, in this thread and synchronously, so the document's load event (which `chromium
 * --headless --dump-dom` waits for) comes after the certificate; &autorun=live runs it after
 * loading in the worker with the live view (as the Run button does; autorun=1 does so too when
 * the chosen solver needs loading first, e.g. highs' WebAssembly). reg, lr, solver, weights,
 * maxIter override the settings. When a run ends the body gets
 * data-status="converged|not-converged|error", data-flips and data-steps (for automation), and
 * after a finished loop data-total-ms, data-forward-ms, data-backward-ms (medians per step).
 */
import type { Certificate, FromWorker, JobInput, JobSettings, SceneInfo, StepRecord, TextFile, ToWorker } from './protocol.ts';
import { BILEVEL_DEFAULTS, embedBilevel } from '../../geometry/embed/driver.ts';
import type { IterationRecord } from '../../geometry/embed/types.ts';
import { DqpError } from '../../optimizer/errors.ts';
import { setWarningHandler } from '../../optimizer/log.ts';
import { getBackend, solverNames } from '../../optimizer/qp/registry.ts';
import { EXAMPLE_NAMES, JOB_DEFAULTS, jobLoopOptions, prepareJob } from './job.ts';
import { cpuTfNow, doneMessage, sceneOf } from './run.ts';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const ui = {
  example: $<HTMLSelectElement>('example'),
  meshFile: $<HTMLInputElement>('mesh-file'),
  domainFile: $<HTMLInputElement>('domain-file'),
  filesNote: $('files-note'),
  drop: $('drop'),
  reg: $<HTMLInputElement>('reg'),
  lr: $<HTMLInputElement>('lr'),
  solver: $<HTMLSelectElement>('solver'),
  weights: $<HTMLSelectElement>('weights'),
  maxIter: $<HTMLInputElement>('max-iter'),
  run: $<HTMLButtonElement>('run'),
  pause: $<HTMLButtonElement>('pause'),
  stop: $<HTMLButtonElement>('stop'),
  certificate: $('certificate'),
  downloads: $('downloads'),
  dlObj: $<HTMLAnchorElement>('dl-obj'),
  dlUv: $<HTMLAnchorElement>('dl-uv'),
  dlSvg: $<HTMLAnchorElement>('dl-svg'),
  messages: $('messages'),
  summary: $('summary'),
  view: $<HTMLCanvasElement>('view'),
  chart: $<HTMLCanvasElement>('chart'),
  steps: $('steps'),
  loss: $('loss'),
  maxdual: $('maxdual'),
  flips: $('flips'),
  fwd: $('fwd'),
  bwd: $('bwd'),
};

/** the dual test's tolerance, drawn in the chart (the worker sends the library's) */
let STOP_TOL = 1e-4;
/** map and chart are redrawn at most every this many steps (and at the end) */
const EVERY = 5;

// ------------------------------------------------------------------ state
let worker: Worker | null = null;
let scene: SceneInfo | null = null;
let map: Float64Array | null = null;
let history: StepRecord[] = [];
let paused = false;
let drawQueued = false;
let meshText: TextFile | null = null;
let domainText: TextFile | null = null;
const urls: string[] = [];

// ------------------------------------------------------------------ settings
/** The library's defaults (sent by the worker, which has the library), then the query's values. */
function setDefaults(defaults: JobSettings, examples: readonly string[], solvers: readonly string[]): boolean {
  const q = new URLSearchParams(location.search);
  ui.solver.replaceChildren(...solvers.map((n) => new Option(n, n)));
  ui.reg.value = q.get('reg') ?? String(defaults.reg);
  ui.lr.value = q.get('lr') ?? String(defaults.lr);
  ui.solver.value = q.get('solver') ?? defaults.solver;
  ui.weights.value = q.get('weights') ?? defaults.weights;
  ui.maxIter.value = q.get('maxIter') ?? String(defaults.maxIter);
  const ex = q.get('example');
  if (ex !== null) {
    if (examples.includes(ex)) ui.example.value = ex;
    else {
      say(`unknown example ${JSON.stringify(ex)}: expected one of ${examples.join(', ')}`, true);
      return false;
    }
  }
  return true;
}

function settings(): JobSettings {
  return {
    reg: Number(ui.reg.value),
    lr: Number(ui.lr.value),
    solver: ui.solver.value,
    weights: ui.weights.value as JobSettings['weights'],
    maxIter: Number(ui.maxIter.value),
  };
}

function input(): JobInput | string {
  const v = ui.example.value;
  if (v !== 'files') return { kind: 'example', name: v as Extract<JobInput, { kind: 'example' }>['name'] };
  if (!meshText) return 'choose a mesh (.obj) first';
  return { kind: 'files', mesh: meshText, domain: domainText };
}

// ------------------------------------------------------------------ files
async function readFile(f: File): Promise<TextFile> {
  return { name: f.name, text: await f.text() };
}

function noteFiles(): void {
  ui.filesNote.textContent = meshText
    ? `mesh ${meshText.name}; domain ${domainText ? domainText.name : "the mesh's own vt"}`
    : 'no files chosen';
}

/** Dropped files: an OBJ with faces (and no polyline) is the mesh, any other file the domain. */
async function takeFiles(files: File[]): Promise<void> {
  const texts = await Promise.all(files.map(readFile));
  let mesh: TextFile | null = null;
  let domain: TextFile | null = null;
  for (const t of texts) {
    const isMesh = /\.obj$/i.test(t.name) && /^\s*f\s/m.test(t.text) && !/^\s*l\s/m.test(t.text);
    if (isMesh) mesh = t;
    else domain = t;
  }
  if (mesh) {
    meshText = mesh;
    domainText = domain; // a mesh dropped alone: its own vt
  } else if (domain) domainText = domain;
  ui.example.value = 'files';
  noteFiles();
}

ui.meshFile.addEventListener('change', async () => {
  const f = ui.meshFile.files?.[0];
  meshText = f ? await readFile(f) : null;
  ui.example.value = 'files';
  noteFiles();
});
ui.domainFile.addEventListener('change', async () => {
  const f = ui.domainFile.files?.[0];
  domainText = f ? await readFile(f) : null;
  noteFiles();
});
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  const files = [...(e.dataTransfer?.files ?? [])];
  if (files.length) void takeFiles(files);
});

// ------------------------------------------------------------------ messages
function say(text: string, error = false): void {
  const li = document.createElement('li');
  li.textContent = text;
  if (error) li.className = 'error';
  ui.messages.append(li);
  while (ui.messages.children.length > 50) ui.messages.firstChild?.remove();
}

const fmt = (x: number | null | undefined, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toExponential(digits));
const ms = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x < 10 ? x.toFixed(2) : x.toFixed(1));

// ------------------------------------------------------------------ drawing
function scheduleDraw(): void {
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => {
    drawQueued = false;
    drawView();
    drawChart();
  });
}

function drawView(): void {
  const c = ui.view;
  const g = c.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, c.width, c.height);
  if (!scene) return;
  const P = scene.polygon;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const grow = (A: Float64Array) => {
    for (let k = 0; k < A.length; k += 2) {
      if (!Number.isFinite(A[k]!) || !Number.isFinite(A[k + 1]!)) continue;
      x0 = Math.min(x0, A[k]!);
      x1 = Math.max(x1, A[k]!);
      y0 = Math.min(y0, A[k + 1]!);
      y1 = Math.max(y1, A[k + 1]!);
    }
  };
  grow(P);
  const pad = 16;
  const s = Math.min((c.width - 2 * pad) / (x1 - x0 || 1), (c.height - 2 * pad) / (y1 - y0 || 1));
  const ox = (c.width - s * (x1 - x0)) / 2;
  const oy = (c.height - s * (y1 - y0)) / 2;
  const X = (x: number) => ox + s * (x - x0);
  const Y = (y: number) => c.height - (oy + s * (y - y0));
  // the domain
  g.beginPath();
  for (let k = 0; k < P.length; k += 2) (k === 0 ? g.moveTo : g.lineTo).call(g, X(P[k]!), Y(P[k + 1]!));
  g.closePath();
  g.fillStyle = '#eef2f7';
  g.fill();
  // the map
  if (map) {
    const F = scene.F;
    g.lineWidth = 0.6;
    for (const flippedPass of [false, true]) {
      for (let f = 0; f < F.length / 3; f++) {
        const a = F[3 * f]!;
        const b = F[3 * f + 1]!;
        const d = F[3 * f + 2]!;
        const ax = map[2 * a]!;
        const ay = map[2 * a + 1]!;
        const bx = map[2 * b]!;
        const by = map[2 * b + 1]!;
        const dx = map[2 * d]!;
        const dy = map[2 * d + 1]!;
        const area = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax);
        const flipped = scene.orientation * area <= 0;
        if (flipped !== flippedPass) continue;
        g.beginPath();
        g.moveTo(X(ax), Y(ay));
        g.lineTo(X(bx), Y(by));
        g.lineTo(X(dx), Y(dy));
        g.closePath();
        g.fillStyle = flipped ? 'rgba(220, 30, 30, 0.75)' : 'rgba(120, 170, 230, 0.35)';
        g.fill();
        g.strokeStyle = flipped ? '#b00' : '#4a6a90';
        g.stroke();
      }
    }
  }
  g.beginPath();
  for (let k = 0; k < P.length; k += 2) (k === 0 ? g.moveTo : g.lineTo).call(g, X(P[k]!), Y(P[k + 1]!));
  g.closePath();
  g.lineWidth = 2;
  g.strokeStyle = '#1d2430';
  g.stroke();
  const K = scene.corners;
  for (let k = 0; k < K.length; k += 2) {
    g.beginPath();
    g.arc(X(K[k]!), Y(K[k + 1]!), 6, 0, 2 * Math.PI);
    g.fillStyle = '#f08c00';
    g.fill();
    g.lineWidth = 1.5;
    g.strokeStyle = '#fff';
    g.stroke();
  }
}

function drawChart(): void {
  const c = ui.chart;
  const g = c.getContext('2d');
  if (!g) return;
  g.clearRect(0, 0, c.width, c.height);
  const left = 44;
  const right = 10;
  const top = 10;
  const bottom = 22;
  const w = c.width - left - right;
  const h = c.height - top - bottom;
  const n = history.length;
  const last = n ? history[n - 1]!.iteration : 1;
  let lo = Math.log10(STOP_TOL) - 1;
  let hi = lo + 1;
  for (const r of history) {
    for (const v of [r.loss, r.maxDual]) {
      if (v > 0 && Number.isFinite(v)) {
        lo = Math.min(lo, Math.log10(v));
        hi = Math.max(hi, Math.log10(v));
      }
    }
  }
  lo = Math.floor(lo);
  hi = Math.ceil(hi);
  const X = (i: number) => left + (w * i) / Math.max(1, last);
  const Y = (v: number) => top + h * (1 - (Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo || 1));
  g.font = '11px sans-serif';
  g.fillStyle = '#5b6677';
  g.strokeStyle = '#e3e7ed';
  g.lineWidth = 1;
  for (let e = lo; e <= hi; e++) {
    g.beginPath();
    g.moveTo(left, Y(10 ** e));
    g.lineTo(left + w, Y(10 ** e));
    g.stroke();
    g.fillText(`1e${e}`, 4, Y(10 ** e) + 4);
  }
  g.fillText(`step ${last}`, left + w - 50, c.height - 6);
  g.fillText('0', left, c.height - 6);
  g.setLineDash([4, 3]);
  g.strokeStyle = '#888';
  g.beginPath();
  g.moveTo(left, Y(STOP_TOL));
  g.lineTo(left + w, Y(STOP_TOL));
  g.stroke();
  g.setLineDash([]);
  g.strokeStyle = '#9aa3ad';
  for (const r of history) {
    if (!r.activeChanged) continue;
    g.beginPath();
    g.moveTo(X(r.iteration), top);
    g.lineTo(X(r.iteration), top + h);
    g.stroke();
  }
  const line = (pick: (r: StepRecord) => number, color: string) => {
    g.strokeStyle = color;
    g.lineWidth = 1.6;
    g.beginPath();
    let started = false;
    for (const r of history) {
      const v = pick(r);
      if (!Number.isFinite(v)) continue;
      if (started) g.lineTo(X(r.iteration), Y(v));
      else g.moveTo(X(r.iteration), Y(v));
      started = true;
    }
    g.stroke();
  };
  line((r) => r.loss, '#2f6fdf');
  line((r) => r.maxDual, '#f08c00');
}

// ------------------------------------------------------------------ run control
function setPhase(phase: 'idle' | 'running' | 'paused'): void {
  document.body.dataset['phase'] = phase;
  ui.run.disabled = phase !== 'idle';
  ui.pause.disabled = phase === 'idle';
  ui.stop.disabled = phase === 'idle';
  ui.pause.textContent = phase === 'paused' ? 'Resume' : 'Pause';
}

function finish(status: 'converged' | 'not-converged' | 'error', flips: number | null, steps: number | null): void {
  const b = document.body;
  if (flips !== null) b.dataset['flips'] = String(flips);
  if (steps !== null) b.dataset['steps'] = String(steps);
  b.dataset['status'] = status;
  setPhase('idle');
}

function link(a: HTMLAnchorElement, text: string, type: string, name: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  urls.push(url);
  a.href = url;
  a.download = name;
}

function activeText(changes: readonly number[]): string {
  if (changes.length === 0) return '';
  if (changes.length <= 6) return `; active set changed at steps ${changes.join(', ')}`;
  return `; active set changed ${changes.length} times (steps ${changes.slice(0, 3).join(', ')}, …, ${changes[changes.length - 1]})`;
}

function showCertificate(cert: Certificate): void {
  const el = ui.certificate;
  el.hidden = false;
  el.className = cert.bijective ? 'ok' : 'bad';
  el.replaceChildren();
  const h = document.createElement('h2');
  h.textContent = cert.bijective ? 'Certified: bijective embedding' : `Not certified (${cert.stopReason})`;
  const p = document.createElement('p');
  p.textContent =
    `${cert.steps} Adam steps; ${cert.flips} flipped triangles; max dual ${fmt(cert.maxDual)} (tolerance ${fmt(STOP_TOL, 0)}); ` +
    `boundary deviation ${fmt(cert.boundaryDeviation, 1)}; ${(cert.totalMs / 1000).toFixed(2)} s, per step forward ${ms(cert.forwardMsMedian)} ms, backward ${ms(cert.backwardMsMedian)} ms (medians)` +
    activeText(cert.activeChanges);
  el.append(h, p);
}

function onMessage(m: FromWorker): void {
  if (m.type === 'hello') {
    STOP_TOL = m.stopTol;
    if (ranDuringLoad) {
      if (document.body.dataset['phase'] === 'idle') ui.run.disabled = false;
      return;
    }
    const ok = setDefaults(m.defaults, m.examples, m.solvers);
    ui.run.disabled = false;
    const auto = new URLSearchParams(location.search).get('autorun');
    if (auto === '1' || auto === 'live') {
      if (ok) start();
      else finish('error', null, null);
    }
  } else if (m.type === 'scene') {
    scene = m.scene;
    ui.summary.textContent = m.scene.summary;
    scheduleDraw();
  } else if (m.type === 'progress') {
    history.push(...m.records);
    map = m.V;
    const r = history[history.length - 1];
    if (r) {
      ui.steps.textContent = String(r.iteration);
      ui.loss.textContent = fmt(r.loss);
      ui.maxdual.textContent = fmt(r.maxDual);
      ui.fwd.textContent = ms(r.forwardMs);
      ui.bwd.textContent = ms(r.backwardMs);
    }
    ui.flips.textContent = String(m.flips);
    scheduleDraw();
  } else if (m.type === 'done') {
    map = m.V;
    const c = m.certificate;
    ui.steps.textContent = String(c.steps);
    ui.flips.textContent = String(c.flips);
    ui.fwd.textContent = `${ms(c.forwardMsMedian)} (median)`;
    ui.bwd.textContent = `${ms(c.backwardMsMedian)} (median)`;
    showCertificate(c);
    // timings for automation (bench/web.ts): the loop's total and its median step parts, ms
    document.body.dataset['totalMs'] = c.totalMs.toFixed(1);
    document.body.dataset['forwardMs'] = c.forwardMsMedian.toFixed(3);
    document.body.dataset['backwardMs'] = c.backwardMsMedian.toFixed(3);
    const stem = scene?.stem ?? 'embedding';
    link(ui.dlObj, m.obj, 'model/obj', `${stem}-embedded.obj`);
    link(ui.dlSvg, m.svg, 'image/svg+xml', `${stem}-embedded.svg`);
    ui.dlUv.hidden = m.uvObj === null;
    if (m.uvObj !== null) link(ui.dlUv, m.uvObj, 'model/obj', `${stem}-uv.obj`);
    ui.downloads.hidden = false;
    scheduleDraw();
    finish(c.status, c.flips, c.steps);
  } else if (m.type === 'warning') {
    say(`warning: ${m.text}`);
  } else if (m.type === 'error') {
    say(m.message, true);
    finish('error', null, null);
  }
}

function send(m: ToWorker): void {
  worker?.postMessage(m);
}

function start(): void {
  const inp = input();
  if (typeof inp === 'string') {
    say(inp, true);
    finish('error', null, null);
    return;
  }
  for (const u of urls.splice(0)) URL.revokeObjectURL(u);
  history = [];
  map = null;
  scene = null;
  paused = false;
  ui.certificate.hidden = true;
  ui.downloads.hidden = true;
  ui.messages.replaceChildren();
  for (const k of ['status', 'flips', 'steps', 'totalMs', 'forwardMs', 'backwardMs']) delete document.body.dataset[k];
  for (const el of [ui.steps, ui.loss, ui.maxdual, ui.flips, ui.fwd, ui.bwd]) el.textContent = '–';
  ui.summary.textContent = 'preparing…';
  scheduleDraw();
  if (!worker) startWorker();
  setPhase('running');
  send({ type: 'run', input: inp, settings: settings(), every: EVERY });
}

ui.run.addEventListener('click', start);
ui.pause.addEventListener('click', () => {
  paused = !paused;
  send({ type: paused ? 'pause' : 'resume' });
  setPhase(paused ? 'paused' : 'running');
});
ui.stop.addEventListener('click', () => {
  paused = false;
  send({ type: 'stop' });
});

/** The worker loads the solver; it answers 'hello' with the defaults, then the page is ready. */
function startWorker(): void {
  worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  worker.onerror = (e) => {
    say(`the worker failed: ${e.message || 'it could not be loaded'}`, true);
    worker = null;
    finish('error', null, null);
  };
}

/**
 * ?autorun=1: run the job here, synchronously, before this module script ends, so the document's
 * load event (which `chromium --headless --dump-dom` waits for) follows the certificate. Returns
 * false (nothing done) when the solver must be loaded asynchronously first (highs): the worker
 * then runs it after loading, with the live view. The numbers are the worker's: the same job code
 * and driver (embedBilevel and embedBilevelAsync give identical results).
 */
function runDuringLoad(): boolean {
  const q = new URLSearchParams(location.search);
  if (q.get('autorun') !== '1') return false;
  const ok = setDefaults(JOB_DEFAULTS, EXAMPLE_NAMES, solverNames());
  if (!ok) {
    finish('error', null, null);
    return true;
  }
  const s = settings();
  try {
    if (!getBackend(s.solver).isReady()) return false;
  } catch {
    return false; // an unknown solver: the worker reports it
  }
  STOP_TOL = BILEVEL_DEFAULTS.stopTol;
  const inp = input();
  if (typeof inp === 'string') {
    say(inp, true);
    finish('error', null, null);
    return true;
  }
  setPhase('running');
  const prev = setWarningHandler((text) => onMessage({ type: 'warning', text }));
  try {
    const tf = cpuTfNow();
    const job = prepareJob(inp, s);
    onMessage({ type: 'scene', scene: sceneOf(job) });
    history = [];
    const onIteration = (r: IterationRecord) =>
      history.push({ iteration: r.iteration, loss: r.loss, maxDual: r.maxDual, active: r.active, activeChanged: r.activeChanged, forwardMs: r.forwardMs, backwardMs: r.backwardMs });
    const result = embedBilevel(job.qp, jobLoopOptions(job, s, { tf, onIteration }));
    onMessage(doneMessage(job, result, s));
  } catch (e) {
    onMessage({ type: 'error', message: e instanceof DqpError ? `${e.name}: ${e.message}` : e instanceof Error ? e.message : String(e) });
  } finally {
    setWarningHandler(prev);
  }
  return true;
}

setPhase('idle');
ui.run.disabled = true; // until the worker said hello
drawChart();
const ranDuringLoad = runDuringLoad();
startWorker();
