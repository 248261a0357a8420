/**
 * How a node gets its own writer registration (an 0x03 entry for one DEK,
 * its full id and its pinned epoch) committed (spec §3.4 (b)3, (d), (e)):
 * proposed locally when it leads, otherwise by forwarding the
 * `RegisterEncryptionWriter` RPC to the leader, which proposes it through its
 * own admin path (mutator gate, leader gate, semaphore). Proposed locally it is
 * a user proposal, held by the Phase-2 cutover barrier (spec §7.6: "writer
 * registrations issued by the node itself use the gated Propose and retry").
 */
import { encodeRegistrationEntry, type WriterRegistration } from '../encryption/index.js';
import type { RegisterEncryptionWriterRequest } from '../proto/index.js';

/** What the registrar needs from the node. */
export interface WriterRegistrarDeps {
  readonly isLeader: () => boolean;
  /** Proposes an FSM payload through the normal (wrapping) path and waits for it to apply here. */
  readonly proposeLocally: (payload: Uint8Array) => Promise<unknown>;
  /** Calls RegisterEncryptionWriter on the leader (LeaderForwarder.encryptionAdmin); `deadlineMs` in epoch ms. */
  readonly forwardToLeader: (request: RegisterEncryptionWriterRequest, deadlineMs: number) => Promise<unknown>;
  /** Proposes through the barrier-exempt admin path (NodeCore.proposeAdmin): only bug switch E17 uses it. */
  readonly proposeExempt?: (payload: Uint8Array) => Promise<unknown>;
  /** Catalogued bugs (E17 here). */
  readonly bugs?: ReadonlySet<string>;
}

/** Commits `registration` (resolves once committed: applied here, or acknowledged by the leader). */
export type RegisterOwnWriter = (registration: WriterRegistration, deadlineMs: number) => Promise<void>;

/** The registrar of one node. */
export function ownWriterRegistrar(deps: WriterRegistrarDeps): RegisterOwnWriter {
  return async (registration, deadlineMs) => {
    if (deps.isLeader()) {
      // BUG SWITCH E17: the registration skips the cutover barrier (admin path), so it can land cleartext above the marker.
      const propose =
        deps.bugs?.has('E17') === true && deps.proposeExempt !== undefined ? deps.proposeExempt : deps.proposeLocally;
      await propose(encodeRegistrationEntry(registration));
      return;
    }
    await deps.forwardToLeader(
      {
        dekId: registration.dekId,
        writers: [{ fullNodeId: registration.fullNodeId.toString(), localEpoch: registration.localEpoch }],
      },
      deadlineMs,
    );
  };
}
