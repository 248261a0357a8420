/**
 * The engine's apply pipeline for normal entries, in the load-bearing order
 * of spec §5.5:
 *
 * 1. empty data → skip (the leader's no-op); not a proposal envelope → skip;
 * 2. strictly above the cutover (0 = never) → unwrap, or HALT(ErrRaftUnwrapFailed);
 * 3. replay: at or below the durable applied index, every data-mutating
 *    entry is a duplicate and skipped: KV requests, and encryption-band
 *    entries too (their registry rows and sidecar are durable before the
 *    applied index moves, and re-running an older registration after a newer
 *    one would halt as a rollback). Only HLC lease entries (0x02), whose
 *    effect is volatile, are re-applied;
 * 4. fsm.apply; a halt marker → HALT: the applied index does NOT advance and
 *    the proposal is NOT resolved, so a restart replays the same entry and
 *    halts again at the same index;
 * 5. otherwise the applied index advances durably, then the proposal resolves.
 *
 * {@link ApplyPipeline.applyNormalEntries} runs this for consecutive entries
 * (one Ready's) into ONE store batch that carries the KV mutations of all of
 * them and the applied index of the last applied one; it is written before
 * any of their proposals resolves. A halt in the middle writes the batch of
 * the entries before it (applied exactly once) and stops: the applied index
 * stays below the halting entry.
 *
 * Once halted, the pipeline refuses every later entry (the node stays halted
 * until restart).
 */
import type { Entry, LogIndex } from '../raft/types.js';
import { HaltError, type FsmResponse, type HaltReason } from './apply-result.js';
import { FsmOpcode } from './fsm-payload.js';
import type { KvBugSwitches } from './kv-bug-switches.js';
import { decodeProposal } from './proposal-envelope.js';
import type { ProposalRegistry } from './proposal-registry.js';
import { inertRaftUnwrapper, type RaftUnwrapper } from './raft-unwrapper.js';
import type { ApplyBatch, StateMachine } from './state-machine.js';

/** The halt the pipeline latched. */
export interface HaltState {
  readonly reason: HaltReason;
  readonly message: string;
  /** The index of the entry that halted (not applied). */
  readonly index: LogIndex;
  readonly error: HaltError;
}

/** What happened to one entry. */
export type PipelineOutcome =
  | { readonly kind: 'skipped'; readonly index: LogIndex; readonly why: 'empty' | 'notEnvelope' | 'duplicate' }
  | {
      readonly kind: 'applied';
      readonly index: LogIndex;
      readonly proposalId: bigint;
      readonly response: FsmResponse;
      readonly resolved: boolean;
    }
  | { readonly kind: 'halted'; readonly halt: HaltState };

/** One entry of a batch before the batch is written: an applied entry's proposal resolves only after. */
type BatchStep =
  | Exclude<PipelineOutcome, { kind: 'applied' }>
  | { readonly kind: 'apply'; readonly index: LogIndex; readonly proposalId: bigint; readonly response: FsmResponse };

/** Options of {@link ApplyPipeline}. */
export interface ApplyPipelineOptions {
  readonly fsm: StateMachine;
  readonly proposals: ProposalRegistry;
  /** The raft-envelope unwrap hook (default: inert, cutover 0). */
  readonly unwrapper?: RaftUnwrapper;
  /** Catalogued bugs to re-introduce (B4 only here). */
  readonly bugs?: KvBugSwitches;
}

/** Applies committed normal entries to the FSM, one at a time, in log order. */
export class ApplyPipeline {
  private readonly fsm: StateMachine;
  private readonly proposals: ProposalRegistry;
  private unwrapper: RaftUnwrapper;
  private haltState: HaltState | null = null;
  private readonly nonStrictCutover: boolean;

  constructor(options: ApplyPipelineOptions) {
    this.fsm = options.fsm;
    this.proposals = options.proposals;
    this.unwrapper = options.unwrapper ?? inertRaftUnwrapper;
    this.nonStrictCutover = options.bugs?.B4 ?? false;
  }

  /** Installs the encryption layer's unwrap hook (startup wiring, before replay). */
  setUnwrapper(unwrapper: RaftUnwrapper): void {
    this.unwrapper = unwrapper;
  }

  /** The latched halt, or null while applying normally. */
  halted(): HaltState | null {
    return this.haltState;
  }

  /** The durable applied index. */
  appliedIndex(): LogIndex {
    return this.fsm.appliedIndex();
  }

  /** Applies one committed normal entry (see the module comment for the order). */
  async applyNormalEntry(entry: Entry): Promise<PipelineOutcome> {
    const [outcome] = await this.applyNormalEntries([entry]);
    return outcome!;
  }

  /**
   * Applies consecutive committed normal entries, in log order, into one
   * store batch (see the module comment); stops at a halt, whose outcome is
   * the last one returned.
   */
  async applyNormalEntries(entries: readonly Entry[]): Promise<PipelineOutcome[]> {
    const batch = this.fsm.beginBatch();
    const steps: BatchStep[] = [];
    for (const entry of entries) {
      const step = await this.applyInto(batch, entry);
      steps.push(step);
      if (step.kind === 'halted') break;
    }
    // Every effect is in the store before any proposal of the batch resolves.
    await this.fsm.writeBatch(batch);
    return steps.map((step): PipelineOutcome => {
      if (step.kind !== 'apply') return step;
      const resolved = this.proposals.resolve(step.proposalId, { index: step.index, response: step.response });
      return { kind: 'applied', index: step.index, proposalId: step.proposalId, response: step.response, resolved };
    });
  }

  private async applyInto(batch: ApplyBatch, entry: Entry): Promise<BatchStep> {
    if (this.haltState !== null) return { kind: 'halted', halt: this.haltState };
    if (entry.data.length === 0) return this.skip(batch, entry.index, 'empty');
    const envelope = decodeProposal(entry.data);
    if (envelope === null) return this.skip(batch, entry.index, 'notEnvelope');
    let payload = envelope.payload;
    const cutover = this.unwrapper.cutoverIndex();
    // Strict '>': the cutover entry itself is cleartext, and cutover 0 means "never unwrap".
    // (B4 re-introduces '>=', which unwraps the cleartext marker and halts.)
    const above = this.nonStrictCutover ? entry.index >= cutover : entry.index > cutover;
    if (cutover !== 0 && above) {
      try {
        payload = this.unwrapper.unwrap(payload, entry.index);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return this.halt(
          entry.index,
          new HaltError('ErrRaftUnwrapFailed', `entry ${entry.index}: ${message}`, { cause: error }),
        );
      }
    }
    const replay = entry.index <= this.fsm.appliedIndex();
    if (replay && payload[0] !== FsmOpcode.leaseRenewal) return this.skip(batch, entry.index, 'duplicate');
    const result = await this.fsm.apply(entry.index, payload, batch);
    if (result.kind === 'halt') return this.halt(entry.index, result.error);
    if (!replay) await this.fsm.markApplied(entry.index, batch);
    return { kind: 'apply', index: entry.index, proposalId: envelope.id, response: result.response };
  }

  /**
   * Advances the applied index over an entry the server handles itself
   * (conf changes). Refused once halted: nothing after the halt applies.
   */
  async advanceOver(index: LogIndex): Promise<void> {
    if (this.haltState !== null) {
      throw new Error(`assertion failed: advancing over ${index} after the halt at ${this.haltState.index}`);
    }
    await this.fsm.markApplied(index);
  }

  private async skip(
    batch: ApplyBatch,
    index: LogIndex,
    why: 'empty' | 'notEnvelope' | 'duplicate',
  ): Promise<BatchStep> {
    // Skipped entries still count as applied (they are below or at the commit index).
    await this.fsm.markApplied(index, batch);
    return { kind: 'skipped', index, why };
  }

  private halt(index: LogIndex, error: HaltError): BatchStep {
    this.haltState = { reason: error.reason, message: error.message, index, error };
    return { kind: 'halted', halt: this.haltState };
  }
}
