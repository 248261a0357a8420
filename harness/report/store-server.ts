/**
 * `ekv-jepsen serve`: a small HTTP server (Node's http) over a store. `/`
 * lists the runs newest first, filterable by verdict and scenario (query
 * parameters, so it works without a script); `/runs.json` is the same list as
 * JSON; any other path is a file or directory inside the store. Paths that
 * leave the store (`..`, or a link pointing outside) are refused with 403.
 */
import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import { escapeHtml as h } from './report-html.js';
import { listStoredRuns } from './store-index.js';
import type { StoredRun } from './store-index.js';

export interface StoreServerOptions {
  readonly store: string;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/** A running server; `close()` stops it. */
export interface StoreServer {
  readonly url: string;
  close(): Promise<void>;
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.edn': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  response.end(body);
}

function runRow(run: StoredRun): string {
  const base = `/${run.path.split('/').map(encodeURIComponent).join('/')}/`;
  const report = run.hasReport ? `<a href="${base}report.html">report</a>` : '<span class="none">no report</span>';
  const failing = run.failing.map((f) => `${h(f.checker)}=${h(f.valid)}`).join(', ');
  const duration = run.durationMs === null ? '—' : `${(run.durationMs / 1000).toFixed(1)} s`;
  return `<tr class="run ${h(run.verdict.replace(' ', '-'))}"><td>${h(run.startedAt ?? '—')}</td><td>${h(run.test)}</td><td>${h(run.scenario ?? '—')}</td><td>${run.seed ?? '—'}</td><td>${duration}</td><td><span class="verdict v-${h(run.verdict.replace(' ', '-'))}">${h(run.verdict.toUpperCase())}</span></td><td>${failing}</td><td>${report} · <a href="${base}">files</a></td></tr>`;
}

function indexPage(runs: readonly StoredRun[], verdict: string, scenario: string): string {
  const shown = runs.filter(
    (r) => (verdict === '' || r.verdict === verdict) && (scenario === '' || r.scenario === scenario),
  );
  const scenarios = [...new Set(runs.map((r) => r.scenario).filter((s): s is string => s !== null))].sort();
  const option = (value: string, selected: string, text = value): string =>
    `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(text)}</option>`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ekv-jepsen store</title><style>
body{font:14px system-ui,sans-serif;margin:16px 24px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}th{background:#f6f6f6}
.verdict{padding:1px 8px;border-radius:4px;color:#fff;font-weight:bold;font-size:12px}.v-valid{background:#2e7d32}.v-invalid{background:#c62828}.v-unknown{background:#ef6c00}.v-not-checked{background:#757575}.none{color:#777}
</style></head><body><h1>ekv-jepsen store</h1>
<form method="get">verdict <select name="verdict">${option('', verdict, 'any')}${['valid', 'invalid', 'unknown', 'not checked'].map((v) => option(v, verdict)).join('')}</select>
scenario <select name="scenario">${option('', scenario, 'any')}${scenarios.map((s) => option(s, scenario)).join('')}</select> <button>filter</button></form>
<p>${shown.length} of ${runs.length} runs, newest first.</p>
<table id="runs"><thead><tr><th>started</th><th>test</th><th>scenario</th><th>seed</th><th>duration</th><th>verdict</th><th>failing checkers</th><th></th></tr></thead><tbody>${shown.map(runRow).join('')}</tbody></table></body></html>`;
}

function directoryPage(urlPath: string, dir: string): string {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const base = urlPath.endsWith('/') ? urlPath : `${urlPath}/`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${h(urlPath)}</title></head><body><h1>${h(urlPath)}</h1><p><a href="/">all runs</a> · <a href="${h(base)}../">up</a></p><ul>${entries.map((e) => `<li><a href="${h(base + encodeURIComponent(e.name))}${e.isDirectory() ? '/' : ''}">${h(e.name)}${e.isDirectory() ? '/' : ''}</a></li>`).join('')}</ul></body></html>`;
}

/** The file or directory a URL path names, or null when it leaves the store. */
export function resolveInStore(storeReal: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return null;
  const candidate = resolve(storeReal, `.${decoded}`);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    return candidate.startsWith(storeReal + sep) || candidate === storeReal ? candidate : null;
  }
  return real === storeReal || real.startsWith(storeReal + sep) ? real : null;
}

function handle(storeReal: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'text/plain', 'only GET\n');
  // The raw path, before URL parsing folds `..` away: a client that sends one is refused, not redirected.
  const rawPath = (request.url ?? '/').split('?')[0] ?? '/';
  if (resolveInStore(storeReal, rawPath) === null)
    return send(response, 403, 'text/plain', `refused: ${rawPath} is outside the store\n`);
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/')
    return send(
      response,
      200,
      contentTypes['.html'] ?? '',
      indexPage(
        listStoredRuns(storeReal),
        url.searchParams.get('verdict') ?? '',
        url.searchParams.get('scenario') ?? '',
      ),
    );
  if (url.pathname === '/runs.json')
    return send(response, 200, contentTypes['.json'] ?? '', JSON.stringify(listStoredRuns(storeReal), null, 1));
  const path = resolveInStore(storeReal, url.pathname);
  if (path === null) return send(response, 403, 'text/plain', `refused: ${url.pathname} is outside the store\n`);
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return send(response, 404, 'text/plain', `not found: ${url.pathname}\n`);
  }
  if (stats.isDirectory()) return send(response, 200, contentTypes['.html'] ?? '', directoryPage(url.pathname, path));
  response.writeHead(200, {
    'content-type': contentTypes[extname(path)] ?? 'application/octet-stream',
    'content-length': stats.size,
  });
  if (request.method === 'HEAD') return void response.end();
  createReadStream(path)
    .on('error', () => response.destroy())
    .pipe(response);
}

/** Starts serving `options.store`. */
export async function startStoreServer(options: StoreServerOptions): Promise<StoreServer> {
  const storeReal = realpathSync(options.store);
  const server: Server = createServer((request, response) => {
    try {
      handle(storeReal, request, response);
    } catch (error) {
      send(response, 500, 'text/plain', `error: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}
