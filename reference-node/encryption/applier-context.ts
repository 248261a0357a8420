/**
 * What the encryption applier needs from the node, as narrow injected
 * interfaces (no imports from kv/ or server/), plus the result type.
 */
import { EncryptionError } from './errors.js';
import type { Kek } from './kek-file.js';
import type { Keystore } from './keystore.js';
import { readSidecar, writeSidecar, type SidecarWriteOptions } from './sidecar-file.js';
import { emptySidecar, type Sidecar } from './sidecar-codec.js';
import type { StateCache } from './state-cache.js';
import type { RawRowStore } from './writer-registry.js';

/**
 * Publishes the raft wrap closure for (cutover index, raft DEK) on this
 * process — every shard group's proposer wraps with that DEK from now on.
 * Must be idempotent: it runs on replay too.
 */
export type RaftWrapInstaller = (cutoverIndex: number, raftDekId: number) => Promise<void>;

/** The applier's dependencies. A null KEK/keystore/sidecar path makes 0x04/0x05 halt with ErrKEKNotConfigured. */
export interface EncryptionApplierDeps {
  /** Raw registry rows of the default group's store (synced writes). */
  readonly rows: RawRowStore;
  readonly sidecarPath: string | null;
  readonly keystore: Keystore | null;
  readonly kek: Kek | null;
  /** This load's pinned epochs (storage and raft factories); copied into keys[newDEK] on rotation (7b'). */
  readonly pinnedEpochs: { readonly storage: number; readonly raft: number };
  /** Null when no raft runtime is wired: an entry that must install a wrap then halts. */
  readonly installer: RaftWrapInstaller | null;
  /** The process-wide cache, refreshed after each sidecar write. */
  readonly stateCache: StateCache;
  /** Wall clock in ms since the epoch, for the diagnostic `created` field only. */
  readonly clockMs: () => number;
  /** Active catalogued-bug switches (upper-case ids such as "B15"). */
  readonly bugs?: ReadonlySet<string>;
  /** Rotation sub-tags this binary implements (stage emulation); default all of the latest binary. */
  readonly knownSubtags?: ReadonlySet<number>;
  /** Sidecar write hooks (fsync injection, crash-test step hook). */
  readonly sidecarWrite?: SidecarWriteOptions;
}

/** What each applied entry did (for logs, status and tests). */
export type ApplyDetail =
  | 'registration'
  | 'bootstrap-fresh'
  | 'bootstrap-replay'
  | 'rotate-dek'
  | 'storage-cutover-fresh'
  | 'storage-cutover-already-active'
  | 'storage-cutover-stale-dek'
  | 'raft-cutover-fresh'
  | 'raft-cutover-already-active'
  | 'raft-cutover-stale-dek';

/**
 * OK, or a halt marker: the engine must not advance the applied index nor
 * resolve the proposal, and must stop the apply loop (spec §5.4). The halt
 * error is always ErrEncryptionApply with the specific failure as its cause.
 */
export type ApplyResult =
  { readonly kind: 'ok'; readonly detail: ApplyDetail } | { readonly kind: 'halt'; readonly error: EncryptionError };

/** Thrown inside handlers to halt; the applier converts it (and any other error) into a halt marker. */
export class HaltSignal extends Error {
  constructor(readonly error: EncryptionError) {
    super(error.message);
  }
}

/** Build the halt for `cause`, keeping ErrEncryptionApply at the top of the chain. */
export function haltError(message: string, cause?: unknown): EncryptionError {
  if (cause instanceof EncryptionError && cause.errorName === 'ErrEncryptionApply') return cause;
  return new EncryptionError('ErrEncryptionApply', message, { cause });
}

/** Halt now with a new ErrEncryptionApply. */
export function halt(message: string, cause?: unknown): never {
  throw new HaltSignal(haltError(message, cause));
}

/** The KEK-backed prerequisites of 0x04/0x05 (spec §5.3), or a halt with ErrKEKNotConfigured. */
export interface KeyedDeps {
  readonly kek: Kek;
  readonly keystore: Keystore;
  readonly sidecarPath: string;
}

/** Resolve the prerequisites or halt. */
export function requireKeyed(deps: EncryptionApplierDeps): KeyedDeps {
  const { kek, keystore, sidecarPath } = deps;
  if (kek === null || keystore === null || sidecarPath === null || sidecarPath === '') {
    const missing = [kek === null ? 'KEK' : '', keystore === null ? 'keystore' : '', !sidecarPath ? 'sidecar path' : '']
      .filter((s) => s !== '')
      .join(', ');
    halt(
      'bootstrap/rotation entry on a node that cannot apply it',
      new EncryptionError('ErrKEKNotConfigured', `missing ${missing}`),
    );
  }
  return { kek, keystore, sidecarPath };
}

/** The current sidecar, or the empty one if the file does not exist yet. */
export async function loadSidecar(path: string): Promise<Sidecar> {
  return (await readSidecar(path)) ?? emptySidecar();
}

/** `raft_applied_index` only moves forward; 0 ("not supplied") and lower values are ignored. */
export function advanceAppliedIndex(sidecar: Sidecar, raftIdx: number): Sidecar {
  return raftIdx > sidecar.raftAppliedIndex ? { ...sidecar, raftAppliedIndex: raftIdx } : sidecar;
}

/** Durable write, then refresh the cache (write first, then cache: a crash in between re-primes from disk). */
export async function persistSidecar(deps: EncryptionApplierDeps, path: string, sidecar: Sidecar): Promise<void> {
  await writeSidecar(
    path,
    sidecar,
    deps.bugs === undefined ? deps.sidecarWrite : { ...deps.sidecarWrite, bugs: deps.bugs },
  );
  deps.stateCache.prime(sidecar);
}

/** RFC 3339 (seconds) for the `created` field. */
export function createdTimestamp(deps: EncryptionApplierDeps): string {
  return new Date(deps.clockMs()).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
