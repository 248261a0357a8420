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
import { SerialQueue, type StateStore } from '../storage/index.js';
import { HaltError, type ApplyResult, type FsmResponse } from './apply-result.js';
import { haltingEncryptionApplier, type EncryptionApplier } from './encryption-applier.js';
import { FsmDecodeError } from './fsm-decode-error.js';
import { decodeKvPayload, FsmOpcode, type KvPayload } from './fsm-payload.js';
import type { Hlc } from './hlc.js';
import type { KvBugSwitches } from './kv-bug-switches.js';
import { KvDefaults, type PayloadLimits } from './kv-defaults.js';
import { executeKvRequests } from './kv-request-executor.js';
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
    this.headerWriter = new SnapshotHeaderWriter(options.onSnapshotHeaderDowngrade, { latch: !(options.bugs?.B42 ?? false) });
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
   * payloads commit their mutations together with the applied index; other
   * payloads leave advancing the index to the caller ({@link markApplied}).
   */
  async apply(index: LogIndex, payload: Uint8Array): Promise<ApplyResult> {
    return this.queue.run(() => this.dispatch(index, payload));
  }

  private async dispatch(index: LogIndex, payload: Uint8Array): Promise<ApplyResult> {
    const opcode = payload[0];
    if (opcode === FsmOpcode.leaseRenewal) return this.applyKv(index, payload);
    if (opcode !== undefined && opcode >= FsmOpcode.encryptionBandFirst && opcode <= this.encryptionBandLast) {
      return this.applyEncryptionBand(index, payload);
    }
    if (opcode === FsmOpcode.single || opcode === FsmOpcode.batch) return this.applyKv(index, payload);
    const shown = opcode === undefined ? 'an empty payload' : `opcode 0x${opcode.toString(16).padStart(2, '0')}`;
    return respond({ kind: 'error', code: 'LegacyDecodeFailed', message: `legacy request decoder: ${shown} is not a request this node can decode` });
  }

  private async applyEncryptionBand(index: LogIndex, payload: Uint8Array): Promise<ApplyResult> {
    const opcode = payload[0]!;
    if (opcode > 0x05) {
      // 0x06/0x07 are reserved: an unknown opcode halts (spec §5.1), whatever applier is wired.
      return { kind: 'halt', error: new HaltError('ErrEncryptionApply', `unknown encryption opcode 0x0${opcode.toString(16)} at index ${index}`) };
    }
    try {
      const outcome = await this.encryptionApplier.apply({ index, payload, store: this.store });
      return outcome instanceof HaltError ? { kind: 'halt', error: outcome } : respond(outcome);
    } catch (error) {
      const halt = error instanceof HaltError ? error : new HaltError('ErrEncryptionApply', error instanceof Error ? error.message : String(error), { cause: error });
      return { kind: 'halt', error: halt };
    }
  }

  private async applyKv(index: LogIndex, payload: Uint8Array): Promise<ApplyResult> {
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
    const execution = await executeKvRequests(this.store, requests);
    await this.store.commit(execution.mutations, { appliedIndex: index, sync: this.syncApply });
    this.hlc.observe(execution.maxCommitTs);
    const responses = execution.responses;
    return respond(decoded.kind === 'single' ? responses[0]! : { kind: 'batch', responses });
  }

  /** Advances the durable applied index over an entry with no store effect (never backwards). */
  async markApplied(index: LogIndex): Promise<void> {
    return this.queue.run(async () => {
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
        const builder = new SnapshotPayloadBuilder({ prefix: header, appliedIndex: state.appliedIndex, maxCommitTs: state.maxCommitTs, applicationBlob });
        for await (const rows of state.mvccRowBatches()) for (const [key, value] of rows) builder.addMvccRow(key, value);
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

function respond(response: FsmResponse): ApplyResult {
  return { kind: 'response', response };
}
