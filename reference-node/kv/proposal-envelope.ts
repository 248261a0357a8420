/**
 * The proposal envelope every normal Raft entry carries (spec §2.7):
 * `entry.data = 0x01 ‖ BE64 proposal_id ‖ fsm_payload`.
 *
 * The envelope is never encrypted: after the Phase-2 cutover only the
 * payload is wrapped, so the proposal id can always be resolved (B3).
 */
import { concatBytes, encodeUint64BE, readUint64BE } from '../storage/index.js';

/** The envelope's version byte. */
export const PROPOSAL_ENVELOPE_VERSION = 0x01;
/** Bytes before the payload (version + id). */
export const PROPOSAL_ENVELOPE_HEADER_BYTES = 9;

/** A decoded proposal envelope. */
export interface ProposalEnvelope {
  readonly id: bigint;
  readonly payload: Uint8Array;
}

/** Wraps an FSM payload with its proposal id. */
export function encodeProposal(id: bigint, payload: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(PROPOSAL_ENVELOPE_VERSION), encodeUint64BE(id), payload);
}

/** Unwraps entry data; null when it is not a version-1 envelope (the pipeline skips such entries). */
export function decodeProposal(data: Uint8Array): ProposalEnvelope | null {
  if (data.length < PROPOSAL_ENVELOPE_HEADER_BYTES || data[0] !== PROPOSAL_ENVELOPE_VERSION) return null;
  return { id: readUint64BE(data, 1), payload: data.subarray(PROPOSAL_ENVELOPE_HEADER_BYTES) };
}
