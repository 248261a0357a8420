/**
 * Shared state and gates of the EncryptionAdmin service (spec §6.1–§6.3):
 * the node-local mutator gate, the leader gate with its ReadIndex round trip,
 * the single-slot semaphore, the unsafe latch, and request validation.
 */
import { readSidecar, emptySidecar, type Sidecar } from '../encryption/index.js';
import { NodeError } from '../proto/index.js';
import type { EncryptionRuntime } from './encryption-startup.js';
import type { Logger } from './logger.js';
import type { NodeClock } from './node-clock.js';
import type { NodeCore } from './node-core.js';
import type { ProposalBarrier } from './proposal-barrier.js';
import { notAtStage, type StageBehaviour, type StageFeature } from './rollout-stage.js';

/** One member of the configuration, as the capability fan-out probes it. */
export interface AdminMember {
  readonly id: string;
  readonly address: string;
  /** 'voter' or 'learner' (the fan-out probes both). */
  readonly suffrage: string;
}

/** What the service needs from the node. */
export interface EncryptionAdminDeps {
  readonly selfId: string;
  /** Reported as build_sha by GetCapability. */
  readonly buildSha: string;
  readonly sidecarPath: string;
  /** Null unless --encryption-enabled, --kek-file and --sidecar-path are all set (§6.1). */
  readonly runtime: EncryptionRuntime | null;
  readonly core: NodeCore;
  readonly barrier: ProposalBarrier;
  /** Voters ∪ learners of the (single) group. */
  readonly members: () => readonly AdminMember[];
  readonly appliedIndex: () => number;
  /** True once apply halted (spec §5.4): nothing applies any more. */
  readonly halted: () => boolean;
  /** Runs the registration watchers once (right after the raft wrap is installed). */
  readonly registerNow: () => Promise<void>;
  readonly logger: Logger;
  /** Active catalogued-bug switches (upper-case ids, see bug-switches.ts). */
  readonly bugs: ReadonlySet<string>;
  /** What the emulated release has (mutators, the two Enable RPCs). */
  readonly stage: StageBehaviour;
  /** Test hook (--test-raft-marker-delay-ms): ms between the drained Phase-2 barrier and the marker's proposal; 0 = none. */
  readonly raftMarkerDelayMs?: number;
  /** Bounds the cutover's gate waits and the sidecar reading's settle wait, and times the marker delay. */
  readonly clock: NodeClock;
}

/** A single-slot mutex (the `cutoverSem` of §6.3). */
export class AdminSemaphore {
  private tail: Promise<void> = Promise.resolve();

  /** Runs `work` once every earlier holder has finished. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release = (): void => undefined;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/** Per-process admin state: semaphore and unsafe latch. */
export class AdminState {
  readonly semaphore = new AdminSemaphore();
  /** Set by an ambiguous Phase-2 failure; never cleared within the process. */
  unsafeLatched = false;
}

/** A FailedPrecondition refusal with a message saying why. */
export function refuse(message: string): NodeError {
  return new NodeError('EncryptionFailedPrecondition', message);
}

/** An InvalidArgument naming the field. */
export function invalid(message: string): NodeError {
  return new NodeError('InvalidArgument', message);
}

/** §6.1: the mutator gate, returning the wired runtime. */
export function requireMutator(deps: EncryptionAdminDeps): EncryptionRuntime {
  // 6A had the mutator RPCs but forced them off (PR #760): committing 0x04/0x05 there halts every replica.
  if (!deps.stage.mutators)
    throw refuse(
      `proposer is not configured on this node: ${notAtStage('the encryption proposer', deps.stage, 'mutators')}`,
    );
  if (deps.runtime === null)
    throw refuse('proposer is not configured on this node (needs --encryption-enabled, --kek-file and --sidecar-path)');
  return deps.runtime;
}

/** An RPC the emulated release does not have answers UNIMPLEMENTED, as for a method missing from its proto. */
export function requireStageFeature(deps: EncryptionAdminDeps, rpc: string, feature: StageFeature): void {
  if (!deps.stage[feature]) throw new NodeError('NotImplementedAtStage', notAtStage(rpc, deps.stage, feature));
}

/** §6.2: leader state, then a ReadIndex quorum round trip. */
export async function requireLeader(deps: EncryptionAdminDeps): Promise<void> {
  const { core } = deps;
  if (!core.isLeader()) {
    // Followers answer with the leader hint (also in the trailing metadata, so a client can follow it); they do
    // not forward operator mutators. A node's own registration reaches the leader by forwarding (writer-registrar.ts).
    const hint = core.leaderHint();
    if (hint.leaderId === '') throw refuse('not leader (no known leader)');
    throw new NodeError(
      'EncryptionFailedPrecondition',
      `not leader (current leader id=${hint.leaderId} address=${hint.leaderAddress})`,
      hint,
    );
  }
  try {
    await core.linearizableRead();
  } catch (error) {
    throw refuse(`leadership not confirmed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** §6.3: non-cutover admin proposals refuse once the unsafe latch is set. */
export function requireNotLatched(state: AdminState): void {
  if (state.unsafeLatched)
    throw new NodeError('EncryptionUnsafeLatch', 'an ambiguous raft cutover failure latched this process; restart it');
}

/** The sidecar, or the empty one when the file does not exist yet. */
export async function currentSidecar(path: string): Promise<Sidecar> {
  return (await readSidecar(path)) ?? emptySidecar();
}

/** A uint64 full id from the wire (decimal string); 0 and garbage refuse. */
export function parseFullId(value: unknown, field: string): bigint {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  if (!/^\d{1,20}$/.test(text) || BigInt(text) === 0n || BigInt(text) >= 1n << 64n)
    throw invalid(`${field}: expected a non-zero uint64 full node id, got '${text}'`);
  return BigInt(text);
}

/** A local_epoch from the wire: at most 0xFFFF (ErrLocalEpochOutOfRange). */
export function parseEpoch(value: unknown, field: string, bugs?: ReadonlySet<string>): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  // BUG SWITCH E21: the wire's uint32 narrowed to 16 bits without a range check (65536 becomes 0).
  if (bugs?.has('E21') === true && Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n & 0xffff;
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw invalid(`${field}: ErrLocalEpochOutOfRange: ${String(value)} is above 0xFFFF`);
  return n;
}

/** A required DEK id: a non-zero uint32. */
export function parseDekId(value: unknown, field: string): number {
  const n = typeof value === 'number' ? value : Number(value ?? 0);
  if (!Number.isInteger(n) || n <= 0 || n > 0xffff_ffff)
    throw invalid(`${field}: expected a non-zero uint32 DEK id, got ${String(value)}`);
  return n;
}

/** Wrapped DEK bytes: non-empty, at most 4096 bytes. */
export function parseWrapped(value: unknown, field: string): Uint8Array {
  const bytes = value instanceof Uint8Array ? value : new Uint8Array(0);
  if (bytes.length === 0 || bytes.length > 4096)
    throw invalid(`${field}: wrapped DEK must be 1..4096 bytes, got ${bytes.length}`);
  return bytes;
}
