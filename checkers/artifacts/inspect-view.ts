// nodes/<id>/inspect.jsonl: the offline inspection of a node's data dir and
// sidecar, as `ekv-admin inspect <data-dir> --sidecar … --kek-file … --values`
// prints it after the run (one JSON object per line, discriminated by
// `kind`). The node's own definition of these records is the public format in
// reference-node/proto/ (inspect-records); checkers/ may import nothing of the
// node, so this is the checkers' view of the same lines: the fields the
// checkers read, with the same names and meanings. The harness checks at
// compile time that the node's records are assignable to this view.

/** Key id, nonce and digests of an envelope (nothing is decrypted to get them). */
export interface EnvelopeView {
  readonly keyId: number;
  /** The 12 nonce bytes, hex. */
  readonly nonceHex: string;
  readonly nonceNodeId16: number;
  readonly nonceLocalEpoch: number;
  /** Decimal string (uint64). */
  readonly nonceWriteCount: string;
  /** SHA-256 (hex) of the envelope's ciphertext and tag: equal bytes ⇔ equal digests. */
  readonly ciphertextSha256: string;
  /** SHA-256 (hex) of the AAD the envelope is bound to (spec §2.3 storage, §2.6 raft). */
  readonly aadSha256: string;
}

/** The sidecar as found in the node's directory. */
export type SidecarInspectView =
  | {
      readonly kind: 'sidecar';
      readonly present: true;
      readonly version: number;
      readonly raftAppliedIndex: number;
      readonly storageEnvelopeActive: boolean;
      readonly storageEnvelopeCutoverIndex: number;
      readonly raftEnvelopeCutoverIndex: number;
      readonly active: { readonly storage: number; readonly raft: number };
      readonly keys: readonly { readonly id: number; readonly purpose: string; readonly localEpoch: number }[];
    }
  | { readonly kind: 'sidecar'; readonly present: false }
  | { readonly kind: 'sidecar'; readonly present: true; readonly error: string };

/** FSM metadata: the durable applied index. */
export interface FsmInspectView {
  readonly kind: 'fsm';
  readonly appliedIndex: number;
}

/** The newest snapshot's header. */
export type SnapshotInspectView =
  | { readonly kind: 'snapshot'; readonly present: false }
  | {
      readonly kind: 'snapshot';
      readonly present: true;
      readonly index: number;
      readonly header: { readonly format: 'legacy' | 'v1' | 'v2'; readonly cutoverIndex: number } | null;
    };

/** One Raft log entry. */
export interface RaftEntryInspectView {
  readonly kind: 'raft-entry';
  readonly index: number;
  readonly term: number;
  readonly type: 'normal' | 'conf-change';
  /** Proposal id (decimal) or null (empty no-op entry, conf change). */
  readonly proposalId: string | null;
  /** The FSM payload is a raft envelope (decided from the bytes). */
  readonly wrapped: boolean;
  /** First byte of the cleartext payload (of the unwrapped one for a wrapped entry opened with the KEK). */
  readonly opcode: number | null;
  readonly opcodeName: string | null;
  readonly subtag?: string;
  readonly aboveCutover: boolean | null;
  readonly unwrapped?: boolean;
  readonly envelope?: EnvelopeView;
}

/** One MVCC version (live store or the newest snapshot file). */
export interface MvccInspectView {
  readonly kind: 'mvcc';
  readonly source: 'store' | 'snapshot';
  readonly key: string | null;
  readonly keyHex: string;
  readonly commitTs: string;
  readonly tombstone: boolean;
  readonly encryptionState: 'cleartext' | 'envelope' | 'reserved';
  readonly envelope?: EnvelopeView;
  /** Cleartext records only (inspect --values): the value as UTF-8 text (null if not UTF-8) and hex. */
  readonly value?: string | null;
  readonly valueHex?: string;
  readonly error?: string;
}

/** A writer-registry row. */
export interface RegistryInspectView {
  readonly kind: 'registry';
  readonly source: 'store' | 'snapshot';
  readonly dekId: number;
  readonly nodeId16: number;
  readonly fullNodeId: string;
  readonly firstSeenLocalEpoch: number;
  readonly lastSeenLocalEpoch: number;
}

/** Totals (the last line). */
export interface SummaryInspectView {
  readonly kind: 'summary';
  readonly raftEntries: number;
  readonly wrappedEntries: number;
  readonly raftCutoverIndex: number | null;
  readonly cleartextProposalsAboveCutover: number;
  readonly errors: number;
}

/** Any other line (hard-state, conf-state, raw rows): kept, not read by the checkers. */
export interface OtherInspectView {
  readonly kind: 'hard-state' | 'conf-state' | 'raw';
}

/** Every line of inspect.jsonl, as the checkers see it. */
export type InspectView =
  | SidecarInspectView
  | FsmInspectView
  | SnapshotInspectView
  | RaftEntryInspectView
  | MvccInspectView
  | RegistryInspectView
  | SummaryInspectView
  | OtherInspectView;

/** One node's inspection. */
export interface NodeInspection {
  readonly node: string;
  readonly records: readonly InspectView[];
}

/** A file of a node's data dir or sidecar, for the raw-bytes plaintext scan. */
export interface RawFile {
  readonly node: string;
  /** Path relative to the run directory (shown in findings). */
  readonly path: string;
  readonly bytes: Uint8Array;
  /** The file's permission bits (`mode & 0o777`), when the collector could read them. */
  readonly mode?: number;
}
