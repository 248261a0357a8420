/**
 * The public format of `ekv-admin inspect`: JSON lines, one object per line,
 * discriminated by `kind`, in the order of `InspectRecord` below (the
 * harness saves them as `nodes/<id>/inspect.jsonl`; the checkers read them).
 * uint64 quantities (timestamps, proposal ids, nonce write counts, full node
 * ids) are decimal strings; everything that fits a double is a number. Value
 * bytes never appear unless asked for (`--values`) and only for cleartext
 * records. Nothing is decrypted to produce a line: the digests of an envelope
 * let a checker compare envelopes across nodes without any key.
 */

/** Key id, nonce and digests of an envelope (nothing is decrypted to get them). */
export interface EnvelopeFields {
  readonly keyId: number;
  /** The 12 nonce bytes, hex. */
  readonly nonceHex: string;
  /** The nonce's `node_id16` (the writer: the applying node for storage, the proposing leader for raft). */
  readonly nonceNodeId16: number;
  readonly nonceLocalEpoch: number;
  /** Decimal string (uint64). */
  readonly nonceWriteCount: string;
  /**
   * SHA-256 (hex) of the envelope's ciphertext ‖ tag bytes: equal bytes ⇔
   * equal digests, so "same (key id, nonce), different ciphertext" (nonce
   * reuse, invariant I2) shows without a key.
   */
  readonly ciphertextSha256: string;
  /**
   * SHA-256 (hex) of the AAD the envelope is bound to, rebuilt from the stored
   * bytes: for a storage value (spec §2.3) `version ‖ flag ‖ key_id BE32 ‖
   * the 9-byte value header as stored ‖ the MVCC key`; for a raft entry
   * (spec §2.6) `'R' ‖ version ‖ key_id BE32`.
   */
  readonly aadSha256: string;
}

/** The sidecar (spec §4.2) without key material (the wrapped DEKs are summarised by length). */
export type SidecarRecord =
  | {
      readonly kind: 'sidecar';
      readonly present: true;
      readonly path: string;
      readonly version: number;
      readonly raftAppliedIndex: number;
      readonly storageEnvelopeActive: boolean;
      readonly storageEnvelopeCutoverIndex: number;
      readonly raftEnvelopeCutoverIndex: number;
      readonly active: { readonly storage: number; readonly raft: number };
      readonly keys: readonly {
        readonly id: number;
        readonly purpose: string;
        readonly created: string;
        readonly localEpoch: number;
        readonly wrappedBytes: number;
      }[];
    }
  | { readonly kind: 'sidecar'; readonly present: false; readonly searched: readonly string[] }
  /** The file exists but does not parse or validate. */
  | { readonly kind: 'sidecar'; readonly present: true; readonly path: string; readonly error: string };

/** The Raft hard state (null fields when none was ever persisted). */
export interface HardStateRecord {
  readonly kind: 'hard-state';
  readonly present: boolean;
  readonly term: number | null;
  readonly vote: string | null;
  readonly commit: number | null;
}

/** The persisted membership. */
export interface ConfStateRecord {
  readonly kind: 'conf-state';
  readonly present: boolean;
  readonly voters: readonly string[];
  readonly learners: readonly string[];
}

/** FSM metadata: the durable applied index and the highest applied commit timestamp. */
export interface FsmRecord {
  readonly kind: 'fsm';
  readonly appliedIndex: number;
  readonly maxCommitTs: string;
}

/** The newest snapshot: its metadata, the FSM header (spec §9) and what its store payload holds. */
export type SnapshotRecord =
  | { readonly kind: 'snapshot'; readonly present: false }
  | {
      readonly kind: 'snapshot';
      readonly present: true;
      readonly index: number;
      readonly term: number;
      readonly voters: readonly string[];
      readonly learners: readonly string[];
      /** Null when the file could not be read or parsed (see `error`). */
      readonly header: {
        readonly format: 'legacy' | 'v1' | 'v2';
        readonly ceilingMs: number;
        readonly cutoverIndex: number;
      } | null;
      readonly dataBytes: number | null;
      readonly appliedIndex: number | null;
      readonly mvccRows: number | null;
      readonly rawRows: number | null;
      readonly error?: string;
    };

/** What the first byte of an FSM payload says (spec §5.1). */
export type OpcodeName =
  | 'kv-single'
  | 'kv-batch'
  | 'lease-renewal'
  | 'registration'
  | 'bootstrap'
  | 'rotation'
  | 'reserved-encryption'
  | 'unknown';

/** One Raft log entry. */
export interface RaftEntryRecord {
  readonly kind: 'raft-entry';
  readonly index: number;
  readonly term: number;
  readonly type: 'normal' | 'conf-change';
  readonly dataBytes: number;
  /** The proposal envelope's id (decimal), or null: empty no-op entry, conf change, or no version-1 envelope. */
  readonly proposalId: string | null;
  /** True when the FSM payload is a raft envelope (spec §2.7). */
  readonly wrapped: boolean;
  /** First byte of the cleartext FSM payload; for a wrapped entry only when a KEK was given and the unwrap worked. */
  readonly opcode: number | null;
  readonly opcodeName: OpcodeName | null;
  /** The rotation sub-tag name for opcode 0x05 (e.g. enable-raft-envelope), when readable. */
  readonly subtag?: string;
  /** `index > raft cutover` when a cutover is known (from the sidecar, else the snapshot header); null otherwise. */
  readonly aboveCutover: boolean | null;
  /** For wrapped entries with a KEK: whether the raft envelope opened under the sidecar's DEKs. */
  readonly unwrapped?: boolean;
  readonly unwrapError?: string;
  readonly envelope?: EnvelopeFields;
}

/** One MVCC version, from the live store or from the newest snapshot file. */
export interface MvccRecord {
  readonly kind: 'mvcc';
  readonly source: 'store' | 'snapshot';
  /** The user key as UTF-8, or null when it is not valid UTF-8 (see keyHex). */
  readonly key: string | null;
  readonly keyHex: string;
  readonly commitTs: string;
  readonly tombstone: boolean;
  readonly expireAtMs: string;
  /** Header byte 0 bits 1-2 (0 cleartext, 1 envelope, 2/3 reserved). */
  readonly stateBits: number;
  readonly encryptionState: 'cleartext' | 'envelope' | 'reserved';
  /** Bytes of the stored body (the envelope for state 01). */
  readonly valueBytes: number;
  readonly envelope?: EnvelopeFields;
  /** Only with `--values`, only for cleartext records: UTF-8 text (null if not valid UTF-8) and hex. */
  readonly value?: string | null;
  readonly valueHex?: string;
  /** A header or envelope that does not decode. */
  readonly error?: string;
}

/** A writer-registry row (spec §3.1). */
export interface RegistryRecord {
  readonly kind: 'registry';
  readonly source: 'store' | 'snapshot';
  readonly dekId: number;
  readonly nodeId16: number;
  readonly fullNodeId: string;
  readonly firstSeenLocalEpoch: number;
  readonly lastSeenLocalEpoch: number;
}

/** Any other raw (non-MVCC) row, or a registry row that does not decode. */
export interface RawRecord {
  readonly kind: 'raw';
  readonly source: 'store' | 'snapshot';
  readonly keyHex: string;
  readonly valueBytes: number;
  readonly error?: string;
}

/** Totals, last line of every inspection. */
export interface SummaryRecord {
  readonly kind: 'summary';
  readonly raftEntries: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly wrappedEntries: number;
  readonly raftCutoverIndex: number | null;
  /** Normal entries carrying a proposal above the cutover whose payload is NOT wrapped (must be 0). */
  readonly cleartextProposalsAboveCutover: number;
  readonly mvccRecords: number;
  readonly encryptedRecords: number;
  readonly cleartextRecords: number;
  readonly tombstones: number;
  readonly snapshotMvccRecords: number;
  readonly registryRows: number;
  readonly otherRawRows: number;
  readonly errors: number;
}

/** Every line `inspect` prints. */
export type InspectRecord =
  | SidecarRecord
  | HardStateRecord
  | ConfStateRecord
  | FsmRecord
  | SnapshotRecord
  | RaftEntryRecord
  | MvccRecord
  | RegistryRecord
  | RawRecord
  | SummaryRecord;
