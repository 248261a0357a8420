/**
 * The concrete applier for the encryption band 0x03–0x07 (spec §5.3, §5.4).
 * Every failure becomes a halt marker; nothing in here advances the engine's
 * applied index — the engine does that only on an OK result.
 */
import { applyEnableRaftEnvelope, applyEnableStorageEnvelope } from './apply-cutover.js';
import { applyBootstrap, applyRotateDek, registerOrHalt } from './apply-key-entries.js';
import {
  haltError,
  HaltSignal,
  type ApplyDetail,
  type ApplyResult,
  type EncryptionApplierDeps,
} from './applier-context.js';
import { EncryptionError } from './errors.js';
import {
  decodeEncryptionEntry,
  OPCODE_BOOTSTRAP,
  OPCODE_REGISTRATION,
  OPCODE_ROTATION,
  ROTATION_SUBTAG,
  type RotationEntry,
} from './fsm-wire.js';

/** Applies decoded encryption entries against the injected node interfaces. */
export class EncryptionApplier {
  readonly #deps: EncryptionApplierDeps;

  constructor(deps: EncryptionApplierDeps) {
    this.#deps = deps;
  }

  /**
   * Apply one FSM payload whose first byte is in 0x03–0x07, at log index
   * `raftIdx`. Replay-idempotent: a restart re-delivers the same entry.
   */
  async apply(payload: Uint8Array, raftIdx: number): Promise<ApplyResult> {
    try {
      const entry = decodeEncryptionEntry(payload, { knownSubtags: this.#deps.knownSubtags });
      let detail: ApplyDetail;
      switch (entry.opcode) {
        case OPCODE_REGISTRATION:
          await registerOrHalt(this.#deps, entry.registration);
          detail = 'registration';
          break;
        case OPCODE_BOOTSTRAP:
          detail = await applyBootstrap(this.#deps, entry.bootstrap, raftIdx);
          break;
        case OPCODE_ROTATION:
          detail = await this.#applyRotation(entry.rotation, raftIdx);
          break;
      }
      return { kind: 'ok', detail };
    } catch (err) {
      const error =
        err instanceof HaltSignal ? err.error : haltError(`encryption entry at index ${raftIdx} failed`, err);
      return { kind: 'halt', error };
    }
  }

  // The second site of the sub-tag whitelist (the decoder is the first); both change together.
  async #applyRotation(entry: RotationEntry, raftIdx: number): Promise<ApplyDetail> {
    switch (entry.subtag) {
      case ROTATION_SUBTAG.rotateDek:
        return applyRotateDek(this.#deps, entry, raftIdx);
      case ROTATION_SUBTAG.enableStorageEnvelope:
        return applyEnableStorageEnvelope(this.#deps, entry, raftIdx);
      case ROTATION_SUBTAG.enableRaftEnvelope:
        return applyEnableRaftEnvelope(this.#deps, entry, raftIdx);
      default:
        throw new EncryptionError(
          'ErrFSMWireSubtag',
          `rotation sub-tag 0x${entry.subtag.toString(16).padStart(2, '0')} is not implemented by the applier`,
        );
    }
  }
}
