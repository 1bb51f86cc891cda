/**
 * The README's pictures of the page: `npx tsx web/screenshots.ts [OUTDIR]` (default docs/images)
 * writes web-running.png (meshes/bumpy-disk.obj uploaded with meshes/domains/comb.json, paused
 * mid-run: flipped triangles red, the loss curve so far) and web-done.png (the certified end).
 * Needs Chromium (see web/headless.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium, launch, REPO, serve } from './headless.ts';

async function main(): Promise<void> {
  const out = process.argv[2] ?? join(REPO, 'docs', 'images');
  mkdirSync(out, { recursive: true });
  const exe = findChromium();
  if (!exe) throw new Error('no Chromium found (set CHROMIUM_PATH or install the chromium package)');
  const server = await serve();
  const browser = await launch(exe);
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 860, height: 890 });
    await page.goto(server.url);
    await page.waitForSelector('#run:not([disabled])');
    await page.setInputFiles('#mesh-file', join(REPO, 'meshes', 'bumpy-disk.obj'));
    await page.setInputFiles('#domain-file', join(REPO, 'meshes', 'domains', 'comb.json'));
    await page.waitForFunction(() => true);
    await page.click('#run');
    // a function, not a string: the page's CSP forbids eval (this file has no DOM typings)
    type Doc = { getElementById(id: string): { textContent: string | null } | null };
    const midRun = () => Number((globalThis as unknown as { document: Doc }).document.getElementById('steps')?.textContent) >= 30;
    await page.waitForFunction(midRun, undefined, { timeout: 300_000 });
    await page.click('#pause');
    await page.waitForSelector('body[data-phase="paused"]');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(out, 'web-running.png') });
    await page.click('#pause');
    await page.waitForSelector('body[data-status]', { timeout: 300_000 });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, 'web-done.png') });
    process.stdout.write(`wrote ${join(out, 'web-running.png')}, ${join(out, 'web-done.png')}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`web/screenshots: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
