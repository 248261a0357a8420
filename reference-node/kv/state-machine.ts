/**
 * The FSM: applies FSM payloads to the state store, serves reads, and takes
 * and restores snapshots.
 *
 * Dispatch on the first payload byte, in the order of spec §5.1:
 * 0x02 lease → 0x03-0x07 encryption band → 0x00/0x01 KV → anything else the
 * legacy decoder (which this model does not carry, so it is an ordinary
 * error response). Only the encryption band can halt; KV errors are responses.
 */
import type { LogIndex } from '../raft/types.js';
import { SerialQueue, type StateMutation, type StateStore } from '../storage/index.js';
import { HaltError, type ApplyResult, type FsmResponse } from './apply-result.js';
import { haltingEncryptionApplier, type EncryptionApplier } from './encryption-applier.js';
import { FsmDecodeError } from './fsm-decode-error.js';
import { decodeKvPayload, FsmOpcode, type KvPayload } from './fsm-payload.js';
import type { Hlc } from './hlc.js';
import type { KvBugSwitches } from './kv-bug-switches.js';
import { KvDefaults, type PayloadLimits } from './kv-defaults.js';
import { executeKvRequests, KvOverlay } from './kv-request-executor.js';
import { readSnapshotHeader, SnapshotHeaderWriter, type SnapshotHeader } from './snapshot-header.js';
import { SnapshotPayloadBuilder } from './snapshot-payload-builder.js';
import { readSnapshotPayload } from './snapshot-payload-reader.js';

/** Options of {@link StateMachine}. */
export interface StateMachineOptions {
  readonly store: StateStore;
  readonly hlc: Hlc;
  /** The encryption band's handler; default: halt on every band opcode. */
  readonly encryptionApplier?: EncryptionApplier;
  readonly limits?: PayloadLimits;
  /**
   * fsync each KV apply batch. Default false: the entry is already in the
   * synced Raft log, and the batch carries its applied index atomically, so
   * a lost batch is simply re-applied on replay.
   */
  readonly syncApply?: boolean;
  /** The runtime raft-envelope cutover for snapshot headers (default: always 0). */
  readonly cutoverIndex?: () => number;
  /** Called once when the no-downgrade latch keeps a header at v2 (log it as an error). */
  readonly onSnapshotHeaderDowngrade?: (latchedCutover: number) => void;
  /** Catalogued bugs to re-introduce (B40, B42 here). */
  readonly bugs?: KvBugSwitches;
}

/** What a restore installed. */
export interface RestoredSnapshot {
  readonly header: SnapshotHeader;
  readonly appliedIndex: LogIndex;
  readonly applicationBlob: Uint8Array;
}

/**
 * The store effects of consecutive committed entries (one Ready's worth),
 * collected by {@link StateMachine.apply} / {@link StateMachine.markApplied}
 * and written by {@link StateMachine.writeBatch} as ONE atomic, unsynced
 * batch together with the applied index of the last entry in it: after a
 * crash either all of them are in the store or none, and the synced Raft
 * log replays the lost ones from the durable applied index. Until it is
 * written, nothing of it is visible to reads or to the applied index.
 */
export class ApplyBatch {
  /** The batch's writes, read through by later entries of the batch. */
  readonly overlay = new KvOverlay();
  readonly mutations: StateMutation[] = [];
  /** The applied index the batch carries (undefined: none yet). */
  appliedIndex: LogIndex | undefined;
  /** Set by an encryption-band apply: it wrote to the store itself, so its applied index is written at once. */
  writeIndexNow = false;

  /** Whether writing the batch would change nothing. */
  get empty(): boolean {
    return this.mutations.length === 0 && this.appliedIndex === undefined;
  }
}

/** Whether an opcode belongs to the encryption band (0x03-0x07). */
export function isEncryptionBandOpcode(opcode: number | undefined): boolean {
  return opcode !== undefined && opcode >= FsmOpcode.encryptionBandFirst && opcode <= FsmOpcode.encryptionBandLast;
}

/** The replicated state machine of one node. */
export class StateMachine {
  private readonly queue = new SerialQueue();
  private readonly store: StateStore;
  private readonly hlc: Hlc;
  private encryptionApplier: EncryptionApplier;
  private readonly limits: PayloadLimits;
  private readonly syncApply: boolean;
  private readonly cutoverIndex: () => number;
  private readonly headerWriter: SnapshotHeaderWriter;
  private restoredCutover = 0;
  private readonly encryptionBandLast: number;

  constructor(options: StateMachineOptions) {
    this.store = options.store;
    this.hlc = options.hlc;
    this.encryptionApplier = options.encryptionApplier ?? haltingEncryptionApplier;
    this.limits = options.limits ?? KvDefaults;
    this.syncApply = options.syncApply ?? false;
    this.cutoverIndex = options.cutoverIndex ?? (() => 0);
    this.headerWriter = new SnapshotHeaderWriter(options.onSnapshotHeaderDowngrade, {
      latch: !(options.bugs?.B42 ?? false),
    });
    // B40: an older dispatcher whose band ends at 0x05 sends 0x06/0x07 to the legacy decoder.
    this.encryptionBandLast = options.bugs?.B40 ? 0x05 : FsmOpcode.encryptionBandLast;
    // Writes skipped as duplicates at replay still bound future timestamps.
    this.hlc.observe(this.store.maxCommitTs());
  }

  /** Installs the encryption layer's applier (startup wiring, before replay). */
  setEncryptionApplier(applier: EncryptionApplier): void {
    this.encryptionApplier = applier;
  }

  /** The durable applied index. */
  appliedIndex(): LogIndex {
    return this.store.appliedIndex();
  }

  /** The cutover index read from the last restored snapshot header (for the §8 divergence guard). */
  restoredCutoverIndex(): number {
    return this.restoredCutover;
  }

  /**
   * Applies the (already unwrapped) payload of the entry at `index`. KV
   * payloads commit their mutations together with the applied index (into
   * `batch` when given, which {@link writeBatch} writes later); other
   * payloads leave advancing the index to the caller ({@link markApplied}).
   * An encryption-band payload writes `batch` first: the band applier reads
   * and writes the store itself, after every earlier entry.
   */
  async apply(index: LogIndex, payload: Uint8Array, batch?: ApplyBatch): Promise<ApplyResult> {
    return this.queue.run(() => this.dispatch(index, payload, batch));
  }

  /** A new, empty apply batch. */
  beginBatch(): ApplyBatch {
    return new ApplyBatch();
  }

  /** Writes `batch` (one atomic batch, synced only with `syncApply`) and empties it. */
  async writeBatch(batch: ApplyBatch): Promise<void> {
    return this.queue.run(() => this.writeBatchNow(batch));
  }

  private async writeBatchNow(batch: ApplyBatch): Promise<void> {
    if (batch.empty) return;
    const appliedIndex = batch.appliedIndex;
    const mutations = batch.mutations.splice(0);
    batch.appliedIndex = undefined;
    batch.overlay.clear();
    await this.store.commit(mutations, {
      ...(appliedIndex === undefined ? {} : { appliedIndex }),
      sync: this.syncApply,
    });
  }

  private async dispatch(index: LogIndex, payload: Uint8Array, batch: ApplyBatch | undefined): Promise<ApplyResult> {
    const opcode = payload[0];
    if (opcode === FsmOpcode.leaseRenewal) return this.applyKv(index, payload, batch);
    if (opcode !== undefined && opcode >= FsmOpcode.encryptionBandFirst && opcode <= this.encryptionBandLast) {
      if (batch !== undefined) {
        await this.writeBatchNow(batch);
        batch.writeIndexNow = true;
      }
      return this.applyEncryptionBand(index, payload);
    }
    if (opcode === FsmOpcode.single || opcode === FsmOpcode.batch) return this.applyKv(index, payload, batch);
    const shown = opcode === undefined ? 'an empty payload' : `opcode 0x${opcode.toString(16).padStart(2, '0')}`;
    return respond({
      kind: 'error',
      code: 'LegacyDecodeFailed',
      message: `legacy request decoder: ${shown} is not a request this node can decode`,
    });
  }

  private async applyEncryptionBand(index: LogIndex, payload: Uint8Array): Promise<ApplyResult> {
    const opcode = payload[0]!;
    if (opcode > 0x05) {
      // 0x06/0x07 are reserved: an unknown opcode halts (spec §5.1), whatever applier is wired.
      return {
        kind: 'halt',
        error: new HaltError(
          'ErrEncryptionApply',
          `unknown encryption opcode 0x0${opcode.toString(16)} at index ${index}`,
        ),
      };
    }
    try {
      const outcome = await this.encryptionApplier.apply({ index, payload, store: this.store });
      return outcome instanceof HaltError ? { kind: 'halt', error: outcome } : respond(outcome);
    } catch (error) {
      const halt =
        error instanceof HaltError
          ? error
          : new HaltError('ErrEncryptionApply', error instanceof Error ? error.message : String(error), {
              cause: error,
            });
      return { kind: 'halt', error: halt };
    }
  }

  private async applyKv(index: LogIndex, payload: Uint8Array, batch: ApplyBatch | undefined): Promise<ApplyResult> {
    let decoded: KvPayload;
    try {
      decoded = decodeKvPayload(payload, this.limits);
    } catch (error) {
      if (!(error instanceof FsmDecodeError)) throw error;
      return respond({ kind: 'error', code: 'KvDecodeFailed', message: error.message });
    }
    if (decoded.kind === 'leaseRenewal') {
      this.hlc.applyLeaseCeiling(decoded.ceilingMs);
      return respond({ kind: 'leaseRenewal', ceilingMs: this.hlc.ceilingMs() });
    }
    const requests = decoded.kind === 'single' ? [decoded.request] : decoded.requests;
    if (batch === undefined) {
      const execution = await executeKvRequests(this.store, requests);
      await this.store.commit(execution.mutations, { appliedIndex: index, sync: this.syncApply });
      this.hlc.observe(execution.maxCommitTs);
      return respondKv(decoded.kind, execution.responses);
    }
    const execution = await executeKvRequests(this.store, requests, batch.overlay);
    batch.mutations.push(...execution.mutations);
    batch.appliedIndex = index;
    this.hlc.observe(execution.maxCommitTs);
    return respondKv(decoded.kind, execution.responses);
  }

  /**
   * Advances the applied index over an entry with no store effect (never
   * backwards): into `batch` when given, except right after an
   * encryption-band apply, whose index is written at once as without a batch.
   */
  async markApplied(index: LogIndex, batch?: ApplyBatch): Promise<void> {
    return this.queue.run(async () => {
      if (batch !== undefined && !batch.writeIndexNow) {
        if (index > this.store.appliedIndex() && index > (batch.appliedIndex ?? 0)) batch.appliedIndex = index;
        return;
      }
      if (batch !== undefined) batch.writeIndexNow = false;
      if (index > this.store.appliedIndex()) await this.store.setAppliedIndex(index);
    });
  }

  /** The live value of `key` at `readTs` (default: the HLC's current reading). */
  async get(key: Uint8Array, readTs: bigint = this.hlc.peek()): Promise<Uint8Array | null> {
    return this.store.get(key, readTs);
  }

  /** The snapshot bytes: header (v1/v2 with the latch) ‖ store payload with `applicationBlob`. */
  async snapshot(applicationBlob: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
    return this.queue.run(async () =>
      this.store.exportTo(async (state) => {
        const header = this.headerWriter.encode(this.hlc.ceilingMs(), this.cutoverIndex());
        // Row by row from the store's iterators into chunks (issue 14: one
        // argument per row overflowed the stack from ~31,000 rows).
        const builder = new SnapshotPayloadBuilder({
          prefix: header,
          appliedIndex: state.appliedIndex,
          maxCommitTs: state.maxCommitTs,
          applicationBlob,
        });
        for await (const rows of state.mvccRowBatches())
          for (const [key, value] of rows) builder.addMvccRow(key, value);
        for await (const rows of state.rawRowBatches()) for (const [key, value] of rows) builder.addRawRow(key, value);
        return builder.finish();
      }),
    );
  }

  /**
   * Cold start with a snapshot that is NOT ahead of the store: the store
   * already holds its effects, but the header's volatile parts (the HLC
   * ceiling of lease entries compacted into it, the cutover for the §8
   * divergence guard) are taken from it. Parses without side effects first.
   */
  async adoptSnapshotHeader(bytes: Uint8Array): Promise<SnapshotHeader> {
    return this.queue.run(async () => {
      const header = readSnapshotHeader(bytes);
      if (header.ceilingMs > 0) this.hlc.applyLeaseCeiling(header.ceilingMs);
      this.restoredCutover = header.cutoverIndex;
      return header;
    });
  }

  /**
   * Replaces the whole state with a snapshot, atomically. The header and the
   * payload are parsed first (no side effects); only a fully valid snapshot
   * touches the store, then the HLC ceiling (if > 0) and the restored
   * cutover are taken from the header (spec §9.4).
   */
  async restore(bytes: Uint8Array): Promise<RestoredSnapshot> {
    return this.queue.run(async () => {
      const header = readSnapshotHeader(bytes);
      // Validated whole before the store is touched; the rows are views into `bytes`.
      const payload = readSnapshotPayload(bytes.subarray(header.payloadOffset));
      await this.store.replaceContents(payload);
      if (header.ceilingMs > 0) this.hlc.applyLeaseCeiling(header.ceilingMs);
      this.hlc.observe(payload.maxCommitTs);
      this.restoredCutover = header.cutoverIndex;
      return { header, appliedIndex: payload.appliedIndex, applicationBlob: payload.applicationBlob };
    });
  }
}

function respondKv(kind: 'single' | 'batch', responses: readonly FsmResponse[]): ApplyResult {
  return respond(kind === 'single' ? responses[0]! : { kind: 'batch', responses });
}

function respond(response: FsmResponse): ApplyResult {
  return { kind: 'response', response };
}
