/**
 * Proposal ids and the waiters of proposals in flight.
 *
 * An id is `random32 ‖ counter32`: the high half is drawn from the injected
 * random source once per process load (and again if the counter wraps), so
 * ids are unique within a load and, with overwhelming probability, across
 * restarts and nodes. Only the proposing process resolves its own ids; an
 * applied entry whose id is unknown here simply has no waiter.
 */
// Direct imports (not proto/index.js): the registry needs only the error
// registry, not the gRPC loaders and clients the index also exports.
import { NodeErrors, type NodeErrorName } from '../proto/errors.js';
import { NodeError } from '../proto/node-error.js';
import type { LogIndex } from '../raft/types.js';
import type { FsmResponse } from './apply-result.js';
import { KvDefaults } from './kv-defaults.js';

/** An injected source of random 32-bit values. */
export interface RandomSource {
  /** A uniformly random integer in [0, 2^32). */
  nextUint32(): number;
}

/** What a waiter receives once its proposal is applied. */
export interface AppliedProposal {
  readonly index: LogIndex;
  readonly response: FsmResponse;
}

/** A registered proposal: its id (to put in the envelope) and its outcome. */
export interface PendingProposal {
  readonly id: bigint;
  readonly applied: Promise<AppliedProposal>;
}

/** Options of {@link ProposalRegistry}. */
export interface ProposalRegistryOptions {
  readonly random: RandomSource;
  readonly pendingProposalsMax?: number;
}

interface Waiter {
  resolve(value: AppliedProposal): void;
  reject(error: NodeError): void;
}

/** Names of the registry errors allowed for pending proposals: all indefinite (they may still commit). */
export type PendingRejection = Extract<
  NodeErrorName,
  'LeadershipLost' | 'HaltedWhilePending' | 'ProposalTimeout' | 'ForwardFailed' | 'Internal'
>;

/** Allocates proposal ids and tracks their waiters (bounded). */
export class ProposalRegistry {
  private readonly waiters = new Map<bigint, Waiter>();
  private readonly random: RandomSource;
  private readonly pendingProposalsMax: number;
  private high: bigint;
  private counter = 0;

  constructor(options: ProposalRegistryOptions) {
    this.random = options.random;
    this.pendingProposalsMax = options.pendingProposalsMax ?? KvDefaults.pendingProposalsMax;
    if (!Number.isSafeInteger(this.pendingProposalsMax) || this.pendingProposalsMax < 1) {
      throw new RangeError(`pendingProposalsMax must be a positive integer, got ${this.pendingProposalsMax}`);
    }
    this.high = this.drawHigh();
  }

  private drawHigh(): bigint {
    const value = this.random.nextUint32();
    if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
      throw new RangeError(`random source returned ${value}, not a uint32`);
    return BigInt(value) << 32n;
  }

  /** A fresh proposal id. */
  allocateId(): bigint {
    this.counter += 1;
    if (this.counter > 0xffff_ffff) {
      this.counter = 1;
      this.high = this.drawHigh();
    }
    return this.high | BigInt(this.counter);
  }

  /**
   * Allocates an id and registers a waiter for it. Throws `Overloaded`
   * (definite: nothing was proposed) when `pendingProposalsMax` are in flight.
   */
  register(): PendingProposal {
    if (this.waiters.size >= this.pendingProposalsMax) {
      throw new NodeError(
        'Overloaded',
        `${this.waiters.size} proposals are pending (pendingProposalsMax ${this.pendingProposalsMax})`,
      );
    }
    const id = this.allocateId();
    const applied = new Promise<AppliedProposal>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
    });
    // A waiter nobody awaits (e.g. the caller gave up) must not crash the process.
    applied.catch(() => undefined);
    return { id, applied };
  }

  /** Resolves the waiter of `id` (false when this process has none). */
  resolve(id: bigint, value: AppliedProposal): boolean {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return false;
    this.waiters.delete(id);
    waiter.resolve(value);
    return true;
  }

  /**
   * Rejects the waiter of `id` without resolving it (a timeout, a failed
   * forward, or a proposal Raft dropped). The error decides definiteness.
   */
  reject(id: bigint, error: NodeError): boolean {
    const waiter = this.waiters.get(id);
    if (waiter === undefined) return false;
    this.waiters.delete(id);
    waiter.reject(error);
    return true;
  }

  /**
   * Rejects every pending proposal (leadership lost, halt, shutdown). Only
   * indefinite errors are allowed: each entry may already be in the log and
   * may still commit on other replicas.
   */
  rejectAll(name: PendingRejection, message: string): number {
    if (NodeErrors[name].definite)
      throw new Error(`assertion failed: ${name} is definite; pending proposals need an indefinite error`);
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const waiter of waiters) waiter.reject(new NodeError(name, message));
    return waiters.length;
  }

  /** Number of proposals waiting. */
  pendingCount(): number {
    return this.waiters.size;
  }
}
