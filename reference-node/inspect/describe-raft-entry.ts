/**
 * One Raft log entry as an inspection line: the proposal envelope (spec
 * §2.7), whether its FSM payload is a raft envelope, the envelope's key id
 * and nonce, and the payload's opcode.
 *
 * Whether a payload is wrapped is decided from its bytes, never from its
 * index, so the line can show a cleartext proposal above the cutover (the
 * invariant the rollout tests check). A raft envelope starts with 0x01, as
 * does a cleartext batch (opcode 0x01); the two are told apart by the key id
 * (a raft-purpose DEK of the sidecar) and, failing that, by whether the
 * bytes decode as a cleartext batch.
 */
import { EntryType, type Entry } from '../raft/types.js';
import { decodeKvPayload, decodeProposal, FsmOpcode } from '../kv/index.js';
import {
  ENVELOPE_VERSION,
  envelopeMetadata,
  OPCODE_BOOTSTRAP,
  OPCODE_REGISTRATION,
  OPCODE_ROTATION,
  ROTATION_SUBTAG,
  unwrapRaftPayload,
  type Keystore,
} from '../encryption/index.js';
import type { OpcodeName, RaftEntryRecord } from '../proto/inspect-records.js';
import { envelopeFields } from './envelope-fields.js';

/** What the describer knows besides the entry. */
export interface RaftEntryContext {
  /** Ids of raft-purpose DEKs in the sidecar; null without a sidecar. */
  readonly raftKeyIds: ReadonlySet<number> | null;
  /** The raft cutover index (0 = none); null when unknown. */
  readonly cutoverIndex: number | null;
  /** Hydrated from the sidecar with `--kek-file`: wrapped payloads are opened to show their opcode. */
  readonly keystore: Keystore | null;
}

const SUBTAG_NAMES: ReadonlyMap<number, string> = new Map([
  [ROTATION_SUBTAG.rotateDek, 'rotate-dek'],
  [ROTATION_SUBTAG.rewrapDeks, 'rewrap-deks'],
  [ROTATION_SUBTAG.retireDek, 'retire-dek'],
  [ROTATION_SUBTAG.enableStorageEnvelope, 'enable-storage-envelope'],
  [ROTATION_SUBTAG.enableRaftEnvelope, 'enable-raft-envelope'],
]);

/** The name of an FSM opcode (spec §5.1). */
export function opcodeName(opcode: number): OpcodeName {
  switch (opcode) {
    case FsmOpcode.single:
      return 'kv-single';
    case FsmOpcode.batch:
      return 'kv-batch';
    case FsmOpcode.leaseRenewal:
      return 'lease-renewal';
    case OPCODE_REGISTRATION:
      return 'registration';
    case OPCODE_BOOTSTRAP:
      return 'bootstrap';
    case OPCODE_ROTATION:
      return 'rotation';
    case 0x06:
    case 0x07:
      return 'reserved-encryption';
    default:
      return 'unknown';
  }
}

function decodesAsCleartextKv(payload: Uint8Array): boolean {
  try {
    decodeKvPayload(payload);
    return true;
  } catch {
    return false;
  }
}

/** True when `payload` is a raft envelope (see the module comment). */
function isRaftEnvelope(payload: Uint8Array, raftKeyIds: ReadonlySet<number> | null): boolean {
  if (payload[0] !== ENVELOPE_VERSION) return false;
  const metadata = envelopeMetadata(payload);
  if (metadata === null) return false;
  if (raftKeyIds?.has(metadata.keyId) === true) return true;
  return !decodesAsCleartextKv(payload);
}

function opcodeFields(payload: Uint8Array): Pick<RaftEntryRecord, 'opcode' | 'opcodeName' | 'subtag'> {
  const opcode = payload[0];
  if (opcode === undefined) return { opcode: null, opcodeName: null };
  // Rotation bodies are `0x05 ‖ wire version ‖ sub-tag ‖ …` (spec §5.2).
  const subtag =
    opcode === OPCODE_ROTATION && payload[2] !== undefined
      ? (SUBTAG_NAMES.get(payload[2]) ?? `0x${payload[2].toString(16).padStart(2, '0')}`)
      : undefined;
  return { opcode, opcodeName: opcodeName(opcode), ...(subtag === undefined ? {} : { subtag }) };
}

function unwrapFields(
  payload: Uint8Array,
  keystore: Keystore,
): Pick<RaftEntryRecord, 'opcode' | 'opcodeName' | 'subtag' | 'unwrapped' | 'unwrapError'> {
  try {
    return { ...opcodeFields(unwrapRaftPayload(keystore, payload)), unwrapped: true };
  } catch (error) {
    return {
      opcode: null,
      opcodeName: null,
      unwrapped: false,
      unwrapError: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Describes one entry (never throws on odd bytes: they are reported, not fatal). */
export function describeRaftEntry(entry: Entry, context: RaftEntryContext): RaftEntryRecord {
  const aboveCutover =
    context.cutoverIndex === null ? null : context.cutoverIndex !== 0 && entry.index > context.cutoverIndex;
  const base = {
    kind: 'raft-entry' as const,
    index: entry.index,
    term: entry.term,
    type: entry.type === EntryType.ConfChange ? ('conf-change' as const) : ('normal' as const),
    dataBytes: entry.data.length,
    aboveCutover,
  };
  const proposal = entry.type === EntryType.Normal && entry.data.length > 0 ? decodeProposal(entry.data) : null;
  if (proposal === null) return { ...base, proposalId: null, wrapped: false, opcode: null, opcodeName: null };
  const proposalId = proposal.id.toString();
  const envelope = isRaftEnvelope(proposal.payload, context.raftKeyIds)
    ? envelopeFields(proposal.payload, { kind: 'raft' })
    : null;
  if (envelope === null) return { ...base, proposalId, wrapped: false, ...opcodeFields(proposal.payload) };
  const opened =
    context.keystore === null ? { opcode: null, opcodeName: null } : unwrapFields(proposal.payload, context.keystore);
  return { ...base, proposalId, wrapped: true, ...opened, envelope };
}
