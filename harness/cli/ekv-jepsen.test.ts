import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './ekv-jepsen.js';

const bin = fileURLToPath(new URL('../../bin/ekv-jepsen.js', import.meta.url));

async function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    writeOut: (t) => {
      out += t;
    },
    writeErr: (t) => {
      err += t;
    },
  });
  return { code, out, err };
}

describe('ekv-jepsen dispatcher', () => {
  it('prints usage for --help and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toContain('check <file>');
    expect(out).toContain('validate-stage <stage> [options]');
  });

  it("validate-stage through the launcher: --list names every stage's entries; a bad stage is one line, exit 255", async () => {
    const launch = async (...argv: string[]) => {
      const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString('utf8');
      });
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      return { code, out, err };
    };
    const list = await launch('validate-stage', '--list');
    expect(list.code, list.err).toBe(0);
    for (const stage of ['6A', '6B', '6C', '6D', '6E', '6F']) expect(list.out).toContain(`stage-${stage}-steady`);
    const bad = await launch('validate-stage', '7A');
    expect(bad).toEqual({
      code: 255,
      out: '',
      err: 'ekv-jepsen validate-stage: unknown stage "7A" (stages: 6A, 6B, 6C, 6D, 6E, 6F)\n',
    });
  });

  it('rejects an unknown or missing command with exit 255 and usage', async () => {
    expect(await run('frobnicate')).toMatchObject({
      code: 255,
      err: expect.stringContaining('unknown command "frobnicate"') as unknown,
    });
    expect((await run()).code).toBe(255);
  });

  it('dispatches check', async () => {
    const { code, out } = await run('check', '--help');
    expect(code).toBe(0);
    expect(out).toContain('Usage: ekv-jepsen check');
  });

  it('refuses an unknown --bug id before it loads the harness or the workloads', async () => {
    let loaded = false;
    let err = '';
    const code = await main(
      ['test', '--scenario', 'phase2', '--bug', 'B7,B999'],
      {
        writeOut: () => undefined,
        writeErr: (t) => {
          err += t;
        },
      },
      {
        loadRegistries: () => {
          loaded = true;
          return Promise.reject(new Error('must not load'));
        },
      },
    );
    expect(code).toBe(255);
    expect(err).toMatch(/^ekv-jepsen test: --bug: unknown catalogued bug 'B999'; valid ids: B1,/);
    expect(loaded).toBe(false);
  });

  it('ends quietly, exit 0, when the reader of its output goes away (`bugs --list | head -1`)', async () => {
    const child = spawn(process.execPath, [bin, 'bugs', '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close the read end before the first line is written: every write of the command then meets EPIPE.
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
