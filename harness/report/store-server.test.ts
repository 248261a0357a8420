// `ekv-jepsen serve` over HTTP: the run list with verdicts (JSON and HTML,
// filtered), a report and a run's files served, paths outside the store
// refused, and the command's bad options named.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServeCommand } from '../cli/serve-command.js';
import { startStoreServer, writeReport } from './index.js';
import type { StoredRun, StoreServer } from './index.js';
import { writeSyntheticRun } from './testing/index.js';

let store: string;
let outside: string;
let server: StoreServer;

beforeAll(async () => {
  store = mkdtempSync(join(tmpdir(), 'ekv-serve-'));
  outside = mkdtempSync(join(tmpdir(), 'ekv-serve-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret\n');
  const valid = await writeSyntheticRun(join(store, 'calm', '20260101T000001.000Z'), {
    ops: 60,
    seed: 1,
    scenario: 'calm',
  });
  const invalid = await writeSyntheticRun(join(store, 'stale', '20260101T000002.000Z'), {
    ops: 60,
    seed: 2,
    scenario: 'stale',
    invalid: true,
  });
  for (const run of [valid, invalid]) await writeReport(run.dir);
  // A run cut short before it was checked, and the latest link (not a run of its own).
  mkdirSync(join(store, 'crashed', '20260101T000003.000Z'), { recursive: true });
  writeFileSync(join(store, 'crashed', '20260101T000003.000Z', 'history.jsonl'), '');
  symlinkSync(join('stale', '20260101T000002.000Z'), join(store, 'latest'));
  symlinkSync(outside, join(store, 'escape'));
  server = await startStoreServer({ store, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  for (const dir of [store, outside]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** A GET with the path sent as is (no URL normalisation, so `..` reaches the server). */
function get(path: string): Promise<{ status: number; type: string; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, type: String(response.headers['content-type'] ?? ''), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ekv-jepsen serve', () => {
  it('binds to 127.0.0.1 and lists every run newest first with its verdict and failing checkers', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const runs = JSON.parse((await get('/runs.json')).body) as StoredRun[];
    expect(runs.map((r) => [r.path, r.verdict])).toEqual([
      ['stale/20260101T000002.000Z', 'invalid'],
      ['calm/20260101T000001.000Z', 'valid'],
      ['crashed/20260101T000003.000Z', 'not checked'],
    ]);
    expect(runs[0]?.failing).toEqual([{ checker: 'linearizability', valid: 'false' }]);
    expect(runs.map((r) => r.hasReport)).toEqual([true, true, false]);
  });

  it('filters the index by verdict and scenario', async () => {
    const all = await get('/');
    expect(all.type).toMatch(/text\/html/);
    expect(all.body.match(/<tr class="run /g)).toHaveLength(3);
    const invalid = await get('/?verdict=invalid');
    expect(invalid.body.match(/<tr class="run /g)).toHaveLength(1);
    expect(invalid.body).toContain('linearizability=false');
    expect((await get('/?scenario=calm')).body.match(/<tr class="run ([a-z-]+)"/g)).toEqual(['<tr class="run valid"']);
  });

  it('serves a report, a run file and a run directory listing', async () => {
    const report = await get('/stale/20260101T000002.000Z/report.html');
    expect(report.status).toBe(200);
    expect(report.type).toMatch(/text\/html/);
    expect(report.body).toContain('class="verdict v-invalid"');
    expect((await get('/latest/results.json')).body).toContain('"linearizability"');
    expect((await get('/calm/20260101T000001.000Z/')).body).toContain('history.jsonl');
    expect((await get('/calm/nope.txt')).status).toBe(404);
  });

  it('refuses paths outside the store: .., encoded .., and links that point out', async () => {
    for (const path of [
      '/../etc/passwd',
      '/calm/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/calm%2f..%2f..%2fetc%2fpasswd',
      '/escape/secret.txt',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(403);
      expect(response.body).not.toMatch(/^secret$/m);
    }
  });

  it('the command names a bad option or store and stops on its signal', async () => {
    let err = '';
    const io = {
      writeOut: () => undefined,
      writeErr: (text: string) => {
        err += text;
      },
    };
    expect(await runServeCommand(['--port', 'eighty'], io)).toBe(255);
    expect(err).toMatch(/--port must be an integer 0\.\.65535, got "eighty"/);
    expect(await runServeCommand(['--store', join(store, 'missing')], io)).toBe(255);
    expect(err).toMatch(/missing is not a directory/);
    let out = '';
    const controller = new AbortController();
    const running = runServeCommand(
      ['--store', store, '--port', '0'],
      {
        writeOut: (text) => {
          out += text;
          controller.abort();
        },
        writeErr: () => undefined,
      },
      controller.signal,
    );
    await expect(running).resolves.toBe(0);
    expect(out).toMatch(/at http:\/\/127\.0\.0\.1:\d+\//);
  });
});
