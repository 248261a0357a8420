/**
 * The hook through which the encryption layer applies the encryption band
 * (opcodes 0x03-0x05, spec §5.3). Without an applier wired (this stage) every
 * band entry halts, as an older binary that does not know the opcode would.
 * Handlers must be replay-idempotent for the entry that halted or crashed
 * before the applied index moved past it (spec §5.4): that entry is delivered
 * again after a restart. Entries at or below the durable applied index are
 * never re-delivered (the pipeline drops them as duplicates).
 */
import type { LogIndex } from '../raft/types.js';
import type { StateStore } from '../storage/index.js';
import { HaltError, type FsmResponse } from './apply-result.js';

/** What an encryption handler sees. */
export interface EncryptionApplyInput {
  /** The entry's log index (the cutover index for enable-raft-envelope). */
  readonly index: LogIndex;
  /** The full FSM payload, opcode included. */
  readonly payload: Uint8Array;
  /** The node's state store (writer-registry rows are raw rows, synced). */
  readonly store: StateStore;
}

/** Applies encryption-band payloads; throws a {@link HaltError} (or returns one) to halt. */
export interface EncryptionApplier {
  apply(input: EncryptionApplyInput): Promise<Extract<FsmResponse, { kind: 'encryption' }> | HaltError>;
}

/** The default: no applier wired, so every band opcode halts (an unknown opcode to this binary). */
export const haltingEncryptionApplier: EncryptionApplier = Object.freeze({
  async apply(input: EncryptionApplyInput): Promise<HaltError> {
    const opcode = input.payload[0] ?? 0;
    return new HaltError(
      'ErrEncryptionApply',
      `opcode 0x${opcode.toString(16).padStart(2, '0')} at index ${input.index}: no encryption applier is wired`,
    );
  },
});
