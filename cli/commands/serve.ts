/**
 * `dqp serve [--port P] [--host 127.0.0.1]`: the web page (web/) on this machine only.
 *
 * Builds the page first when web/dist/ is missing or older than its sources (web/, geometry/,
 * optimizer/: `node web/build.mjs`, the same as `npm run build:web`; --rebuild forces it), then
 * serves web/dist/ over HTTP on a loopback address and prints the URL (with --json:
 * {"url","host","port","root"} as the last line of stdout). Runs until Ctrl-C / SIGTERM (exit 0).
 *
 * Only GET and HEAD of the files in web/dist/; every response carries a Content-Security-Policy
 * that allows nothing beyond the serving origin (the page works offline: no CDN, no other
 * request). --host must be a loopback address (127.0.0.1, ::1, localhost): the page is a local
 * tool, not a public server. --port 0 picks a free port.
 *
 * Exit codes: 0 stopped by a signal; 1 bad flag, port in use, build failed, page not found.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { CommandModule } from 'yargs';
import { DqpError, InputError } from '../../optimizer/errors.ts';
import { printJson } from '../../report/console.ts';
import { packageRoot } from '../../report/package-root.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.obj': 'text/plain; charset=utf-8',
};

/** Nothing beyond this origin; WebAssembly (HiGHS) and the worker from here; blob: for downloads. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
  "img-src 'self' data: blob:; style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";


/** The newest mtime (ms) of the files under `dir` with one of `exts` (0 when none). */
function newest(dir: string, exts: readonly string[]): number {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && e.name !== 'dist') t = Math.max(t, newest(p, exts));
    } else if (exts.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.test.ts')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/** Why the page must be (re)built, or '' when web/dist/ is current. */
export function staleReason(root: string): string {
  const stamp = join(root, 'web', 'dist', 'build.json');
  if (!existsSync(join(root, 'web', 'dist', 'index.html')) || !existsSync(stamp)) return 'web/dist/ is not built';
  if (!existsSync(join(root, 'web', 'build.mjs'))) return ''; // an installed copy: serve what was shipped
  const built = statSync(stamp).mtimeMs;
  const src = Math.max(
    newest(join(root, 'web'), ['.ts', '.html', '.css', '.mjs']),
    newest(join(root, 'geometry'), ['.ts']),
    newest(join(root, 'optimizer'), ['.ts']),
  );
  return src > built ? 'its sources are newer than web/dist/' : '';
}

function build(root: string, reason: string): void {
  process.stderr.write(`dqp serve: building the page (${reason})…\n`);
  const r = spawnSync(process.execPath, [join(root, 'web', 'build.mjs')], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new DqpError(`building the page failed (node web/build.mjs exited with ${r.status ?? r.signal}); see the messages above`);
}

function handler(base: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      res.writeHead(400, { ...headers, 'Content-Type': 'text/plain' }).end('bad request\n');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (!file.startsWith(base + sep) || path.includes('\0')) {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    let data: Buffer;
    try {
      if (!statSync(file).isFile()) throw new Error('not a file');
      data = readFileSync(file);
    } catch {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    headers['Content-Type'] = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    headers['Content-Length'] = String(data.length);
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : data);
  };
}

export const command: CommandModule = {
  command: 'serve',
  describe: 'serve the web page (embedding in the browser) on localhost, building it first if needed',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 8765, describe: 'TCP port (0: any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'loopback address to listen on (127.0.0.1, ::1 or localhost)' })
      .option('rebuild', { type: 'boolean', default: false, describe: 'build the page even when web/dist/ is current' })
      .option('json', { type: 'boolean', default: false, describe: 'print {"url","host","port","root"} as JSON once listening' })
      .epilogue(
        'Open the printed URL in a browser. The whole solver runs in the page (a Web Worker); the server only hands out ' +
          'the files of web/dist/. ?example=cross|L|corner&autorun=1 runs an example while the page loads; at the end <body> gets ' +
          'data-status="converged|not-converged|error", data-flips and data-steps (chromium --headless --dump-dom URL prints it); ' +
          'autorun=live runs it in the worker with the live view. Stop with Ctrl-C.',
      ),
  handler: async (argv) => {
    const host = String(argv.host);
    if (!LOOPBACK.has(host)) throw new InputError('--host', 'a loopback address (127.0.0.1, ::1 or localhost): the page is served to this machine only', JSON.stringify(host));
    const port = Number(argv.port);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new InputError('--port', 'an integer in [0, 65535]', String(argv.port));
    const root = packageRoot();
    const reason = argv.rebuild ? 'asked by --rebuild' : staleReason(root);
    if (reason) {
      if (!existsSync(join(root, 'web', 'build.mjs'))) throw new DqpError(`the web page is not built (${join(root, 'web', 'dist')} missing) and this copy has no web/build.mjs to build it`);
      build(root, reason);
    }
    const base = resolve(root, 'web', 'dist');
    const server = createServer(handler(base));
    await new Promise<void>((ok, fail) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        fail(e.code === 'EADDRINUSE' ? new InputError('--port', 'a free port (or 0 for any)', `${port} is in use`) : e),
      );
      server.listen(port, host, () => ok());
    });
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    const url = `http://${shown}:${addr.port}/`;
    if (argv.json) printJson({ url, host: addr.address, port: addr.port, root: base });
    else process.stdout.write(`dqp web page: ${url}  (serving ${base}; Ctrl-C to stop)\n`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        server.close(() => done());
        server.closeAllConnections();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  },
};
