/**
 * Finds and reads the sidecar of an inspected node. The node keeps it
 * wherever `--sidecar-path` pointed, which the data dir does not record, so
 * without `--sidecar` the usual places are tried: the spec's default
 * `<data-dir>/encryption/keys.json`, `<data-dir>/keys.json`, and
 * `<data-dir>/../keys.json` (a sidecar next to the data dir, as in README's
 * walkthrough).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { readSidecar, type Sidecar } from '../encryption/index.js';
import { InspectError } from './inspect-error.js';
import type { SidecarRecord } from '../proto/inspect-records.js';

/** The sidecar as read (null when none was found or it did not parse) and the line describing it. */
export interface LoadedSidecar {
  readonly sidecar: Sidecar | null;
  readonly record: SidecarRecord;
}

/** Where a sidecar is looked for when `--sidecar` is not given. */
export function sidecarCandidates(dataDir: string): string[] {
  return [
    path.join(dataDir, 'encryption', 'keys.json'),
    path.join(dataDir, 'keys.json'),
    path.join(path.dirname(path.resolve(dataDir)), 'keys.json'),
  ];
}

function describe(filePath: string, sidecar: Sidecar): SidecarRecord {
  return {
    kind: 'sidecar',
    present: true,
    path: filePath,
    version: sidecar.version,
    raftAppliedIndex: sidecar.raftAppliedIndex,
    storageEnvelopeActive: sidecar.storageEnvelopeActive,
    storageEnvelopeCutoverIndex: sidecar.storageEnvelopeCutoverIndex,
    raftEnvelopeCutoverIndex: sidecar.raftEnvelopeCutoverIndex,
    active: { storage: sidecar.active.storage, raft: sidecar.active.raft },
    keys: [...sidecar.keys.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, key]) => ({
        id,
        purpose: key.purpose,
        created: key.created,
        localEpoch: key.localEpoch,
        wrappedBytes: key.wrapped.length,
      })),
  };
}

/** Reads `explicitPath` (which must exist) or the first candidate that exists. */
export async function loadSidecar(dataDir: string, explicitPath: string | undefined): Promise<LoadedSidecar> {
  if (explicitPath !== undefined && !existsSync(explicitPath)) {
    throw new InspectError('ErrInspectSidecarMissing', `--sidecar ${explicitPath} does not exist`);
  }
  const searched = explicitPath !== undefined ? [explicitPath] : sidecarCandidates(dataDir);
  const found = searched.find((candidate) => existsSync(candidate));
  if (found === undefined) return { sidecar: null, record: { kind: 'sidecar', present: false, searched } };
  try {
    const sidecar = await readSidecar(found);
    if (sidecar === null) return { sidecar: null, record: { kind: 'sidecar', present: false, searched } };
    return { sidecar, record: describe(found, sidecar) };
  } catch (error) {
    return {
      sidecar: null,
      record: {
        kind: 'sidecar',
        present: true,
        path: found,
        error: error instanceof Error ? error.message : String(error),
      },
    };
  }
}
