import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeStorage } from '../../storage/index.js';
import { runInspect } from './inspect-command.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('ekv-admin inspect (runInspect)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'ekv-inspect-cli-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('prints one JSON object per line, summary last, exit 0', async () => {
    const dataDir = join(root, 'n1');
    mkdirSync(dataDir);
    await (await NodeStorage.open(dataDir)).close();
    const out = capture();
    const err = capture();
    expect(await runInspect({ dataDir }, { out: out.stream, err: err.stream })).toBe(0);
    const lines = out
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string });
    expect(lines.map((l) => l.kind)).toEqual(['sidecar', 'hard-state', 'conf-state', 'fsm', 'snapshot', 'summary']);
    expect(err.text()).toBe('');
  });

  it('refuses with one line naming the code and exit 1', async () => {
    const out = capture();
    const err = capture();
    expect(await runInspect({ dataDir: join(root, 'missing') }, { out: out.stream, err: err.stream })).toBe(1);
    expect(err.text()).toMatch(/^ekv-admin inspect: ErrInspectDataDirMissing: .*missing.*\n$/);
    expect(out.text()).toBe('');
  });
});
