/**
 * GetSidecarState's reading pairs the sidecar with the applied index it
 * reflects: while an entry's sidecar write has landed but its apply has not
 * finished (the file's raftAppliedIndex is ahead), the reading waits.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySidecar, serializeSidecar } from '../encryption/index.js';
import { NodeError } from '../proto/index.js';
import { consistentSidecarReading } from './encryption-admin-sidecar-state.js';
import { systemClock } from './node-clock.js';

describe('consistentSidecarReading', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ekv-sidecar-reading-'));
    path = join(dir, 'keys.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeAt = (raftAppliedIndex: number, storageEnvelopeActive: boolean): void =>
    writeFileSync(path, serializeSidecar({ ...emptySidecar(), raftAppliedIndex, storageEnvelopeActive }));
  const bounds = { retryMs: 2, settleMsMax: 500 };

  it('reads no file as no sidecar at the applied index', async () => {
    expect(
      await consistentSidecarReading(
        { sidecarPath: path, appliedIndex: () => 7, halted: () => false, clock: systemClock },
        bounds,
      ),
    ).toEqual({ sidecar: null, appliedIndex: 7 });
  });

  it('waits out an entry whose sidecar write is ahead of the applied index, then answers both together', async () => {
    writeAt(12, true);
    let applied = 11;
    setTimeout(() => {
      applied = 12;
    }, 30);
    const reading = await consistentSidecarReading(
      { sidecarPath: path, appliedIndex: () => applied, halted: () => false, clock: systemClock },
      bounds,
    );
    expect(reading.appliedIndex).toBe(12);
    expect(reading.sidecar).toMatchObject({ raftAppliedIndex: 12, storageEnvelopeActive: true });
  });

  it("answers at once on a halted node (nothing applies any more) and without a runtime (the sidecar's own index)", async () => {
    writeAt(12, true);
    expect(
      (
        await consistentSidecarReading(
          { sidecarPath: path, appliedIndex: () => 11, halted: () => true, clock: systemClock },
          bounds,
        )
      ).appliedIndex,
    ).toBe(11);
    expect(
      (
        await consistentSidecarReading(
          { sidecarPath: path, appliedIndex: null, halted: () => false, clock: systemClock },
          bounds,
        )
      ).appliedIndex,
    ).toBe(12);
  });

  it('refuses (definite, retryable) when the apply does not finish within the bound', async () => {
    writeAt(12, true);
    const refused = await consistentSidecarReading(
      { sidecarPath: path, appliedIndex: () => 11, halted: () => false, clock: systemClock },
      bounds,
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(NodeError);
    expect((refused as NodeError).spec.name).toBe('EncryptionFailedPrecondition');
    expect((refused as NodeError).message).toMatch(/ahead of the applied index for 500 ms/);
  });
});
