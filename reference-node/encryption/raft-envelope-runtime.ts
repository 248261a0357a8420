/**
 * The per-process raft-envelope runtime (spec §2.6, §3.4(e), §7.6): the wrap
 * closure the installer publishes on every replica when it applies the
 * cutover marker (and at startup from the sidecar), the engine-side unwrap,
 * and the raft-DEK registration gate with its single exemption.
 */
import { EncryptionError } from './errors.js';
import { encodeRegistrationEntry } from './fsm-wire.js';
import type { Keystore } from './keystore.js';
import type { NonceSource } from './nonce-factory.js';
import { unwrapRaftPayload, wrapRaftPayload } from './raft-envelope.js';
import type { RaftWrapInstaller } from './applier-context.js';

/** What the runtime needs: the process keystore, the raft nonce factory (pinned to the raft epoch), and this node's identity. */
export interface RaftEnvelopeRuntimeDeps {
  readonly keystore: Keystore;
  readonly nonces: NonceSource;
  readonly fullNodeId: bigint;
  /** The raft epoch this load's raft factory is pinned to. */
  readonly raftEpoch: number;
}

/**
 * Holds the installed (cutover index, raft DEK). Once installed, wrapping
 * stays on for the rest of the process (never reset); a later install only
 * moves to a newer raft DEK after a rotation.
 */
export class RaftEnvelopeRuntime {
  readonly #deps: RaftEnvelopeRuntimeDeps;
  #cutoverIndex = 0;
  #raftDekId = 0;
  #registeredDekId = 0;
  /** The coordinator's wrap-on-propose flag: set by `install`, never reset within the process. */
  #wrapOnPropose = false;

  constructor(deps: RaftEnvelopeRuntimeDeps) {
    this.#deps = deps;
  }

  /** The installer handed to the applier (idempotent: replays re-install the same values). */
  readonly installer: RaftWrapInstaller = async (cutoverIndex, raftDekId) => {
    this.install(cutoverIndex, raftDekId);
  };

  /** Publish the wrap for (cutover, DEK); the DEK must be loaded, the cutover non-zero and never changed once set. */
  install(cutoverIndex: number, raftDekId: number): void {
    this.recordCutoverWithoutWrap(cutoverIndex, raftDekId);
    this.#wrapOnPropose = true;
  }

  /**
   * The engine (unwrap) half alone: entries above the cutover are unwrapped,
   * but proposals are not wrapped unless `install` ran too. The correct code
   * never calls this by itself (unwrap and wrap ship together, spec §7.6);
   * it exists for the bug switches B7 and B8, which lose the wrap half.
   */
  recordCutoverWithoutWrap(cutoverIndex: number, raftDekId: number): void {
    if (cutoverIndex <= 0 || !Number.isSafeInteger(cutoverIndex))
      throw new Error(`raft envelope: cutover index ${cutoverIndex} is not a positive log index`);
    if (this.#cutoverIndex !== 0 && this.#cutoverIndex !== cutoverIndex) {
      throw new Error(
        `raft envelope: cutover is ${this.#cutoverIndex}; it never changes (asked to install ${cutoverIndex})`,
      );
    }
    if (!this.#deps.keystore.has(raftDekId))
      throw new EncryptionError('ErrUnknownKeyID', `raft DEK ${raftDekId} is not loaded; cannot install the wrap`);
    this.#cutoverIndex = cutoverIndex;
    this.#raftDekId = raftDekId;
  }

  /** The installer of bug switch B8: on apply of the marker it records the cutover for unwrap and publishes no wrap. */
  readonly unwrapOnlyInstaller: RaftWrapInstaller = async (cutoverIndex, raftDekId) => {
    this.recordCutoverWithoutWrap(cutoverIndex, raftDekId);
  };

  /** 0 until installed (the engine treats 0 as "never unwrap"). */
  get cutoverIndex(): number {
    return this.#cutoverIndex;
  }

  /** The raft DEK new proposals are wrapped with (0 until installed). */
  get raftDekId(): number {
    return this.#raftDekId;
  }

  /** True once a wrap is installed: every proposal path except the cutover marker must wrap. */
  get wrapping(): boolean {
    return this.#wrapOnPropose;
  }

  /** Record that (raftDek, me, raftEpoch) is committed in the registry; opens the wrap gate for that DEK. */
  markRegistered(raftDekId: number): void {
    this.#registeredDekId = raftDekId;
  }

  /** True if this node may wrap under the current raft DEK. */
  registered(): boolean {
    return this.#raftDekId !== 0 && this.#registeredDekId === this.#raftDekId;
  }

  /**
   * Wrap an FSM payload (never the proposal envelope around it). Fails with
   * the retryable ErrWriterNotRegistered until this node's raft registration
   * has committed — except for that very registration payload, which may be
   * wrapped and proposed (the one exemption).
   */
  wrap(payload: Uint8Array): Uint8Array {
    if (!this.wrapping) throw new Error('raft envelope: wrap called before a wrap was installed');
    if (!this.registered() && !this.#isOwnRegistration(payload)) {
      throw new EncryptionError(
        'ErrWriterNotRegistered',
        `raft DEK ${this.#raftDekId} epoch ${this.#deps.raftEpoch} is not yet registered for this node`,
      );
    }
    return wrapRaftPayload({
      keystore: this.#deps.keystore,
      nonces: this.#deps.nonces,
      keyId: this.#raftDekId,
      payload,
    });
  }

  /** Unwrap the payload of an entry strictly above the cutover (the caller applies the strict `>`). */
  unwrap(payload: Uint8Array): Uint8Array {
    return unwrapRaftPayload(this.#deps.keystore, payload);
  }

  #isOwnRegistration(payload: Uint8Array): boolean {
    const own = encodeRegistrationEntry({
      dekId: this.#raftDekId,
      fullNodeId: this.#deps.fullNodeId,
      localEpoch: this.#deps.raftEpoch,
    });
    return Buffer.from(payload.buffer, payload.byteOffset, payload.length).equals(own);
  }
}
