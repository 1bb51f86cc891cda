/**
 * Driving the page in a headless Chromium (Node side; the browser tests and bench/web.ts use it):
 * find the system Chromium, start `dqp serve` on a free loopback port, launch Chromium through
 * playwright-core (no browser download: the system one) with a fresh profile.
 *
 * Also a command: `npx tsx web/headless.ts URL` opens URL (e.g. `http://127.0.0.1:8765/?example=
 * cross&autorun=1`), waits until the page sets <body data-status>, prints that <body …> tag and
 * exits 0 for converged, 2 for not-converged, 1 for error. Plain `chromium --headless --dump-dom
 * URL` (flags: DUMP_DOM_ARGS) shows the end too for `autorun=1`: the page runs that job itself
 * while loading, so the load event, after which the DOM is printed, follows the certificate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BrowserContext } from 'playwright-core';

export const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));


/** The launch flags of the browser tests (no network beyond the page, no first-run work). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The flags of the issue's `chromium --headless --dump-dom URL` check as root (no GPU, no sandbox, no network of its own). */
export const DUMP_DOM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** $CHROMIUM_PATH, else Debian's /usr/bin/chromium (or chromium-browser); null when none exists. */
export function findChromium(): string | null {
  const candidates = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

export interface Served {
  readonly url: string;
  readonly origin: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `node bin/dqp.js serve --port 0 --json` (builds web/dist/ first when it is stale); resolves with
 * the printed URL. Rejects with the child's stderr when it exits first.
 */
export function serve(extra: readonly string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [join(REPO, 'bin', 'dqp.js'), 'serve', '--port', '0', '--json', ...extra], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  return new Promise<Served>((ok, fail) => {
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { url } = JSON.parse(line) as { url: string };
      ok({
        url,
        origin: new URL(url).origin,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => fail(new Error(`dqp serve exited with ${code} before printing its URL\n${err}`)));
  });
}

/** A fresh user-data-dir, removed by the returned cleanup. */
export function freshProfile(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dqp-chromium-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Chromium headless (playwright-core) with a fresh profile; close() also removes the profile. */
export async function launch(executablePath: string): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = freshProfile();
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    acceptDownloads: true,
    viewport: { width: 1100, height: 760 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}

/** Open `url`, wait for <body data-status> (at most timeoutMs), return the <body …> tag. */
export async function runToStatus(context: BrowserContext, url: string, timeoutMs = 300_000): Promise<string> {
  const page = await context.newPage();
  try {
    await page.goto(url);
    await page.waitForSelector('body[data-status]', { timeout: timeoutMs });
    // a string expression: this file is compiled without the DOM library
    const d = (await page.evaluate('({ ...document.body.dataset })')) as Record<string, string | undefined>;
    const attrs = ['status', 'flips', 'steps'].filter((k) => d[k] !== undefined).map((k) => `data-${k}="${d[k]}"`);
    return `<body ${attrs.join(' ')}>`;
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  const url = process.argv[2];
  const exe = findChromium();
  if (!url) throw new Error('usage: npx tsx web/headless.ts URL');
  if (!exe) throw new Error('no Chromium found (set CHROMIUM_PATH or install the chromium package)');
  const b = await launch(exe);
  try {
    const tag = await runToStatus(b.context, url);
    process.stdout.write(`${tag}\n`);
    process.exitCode = tag.includes('"converged"') ? 0 : tag.includes('"not-converged"') ? 2 : 1;
  } finally {
    await b.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`web/headless: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
