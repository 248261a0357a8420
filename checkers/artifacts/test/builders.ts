// Builders of synthetic rollout-checker inputs for tests: histories with
// rollout steps, client and canary writes; status samples; inspect records.
// Defaults describe a healthy node, so a test states only what matters to it.
import type { HistoryOp, HistoryValue } from '../../history/index.js';
import type {
  EnvelopeView,
  InspectView,
  MvccInspectView,
  NodeStatusView,
  RaftEntryInspectView,
  SidecarView,
  StatusSample,
} from '../index.js';

type Completion = 'ok' | 'fail' | 'info';

/** Appends ops with consecutive indexes; each op is 1 ms after the one before unless `at` moves the clock. */
export class HistoryBuilder {
  readonly ops: HistoryOp[] = [];
  private nowNs = 0;

  /** Moves the clock to `ms` (ms since the test started) for the next op. */
  at(ms: number): this {
    this.nowNs = ms * 1_000_000;
    return this;
  }

  add(op: Omit<HistoryOp, 'index' | 'time'>): HistoryOp {
    const full: HistoryOp = { ...op, index: this.ops.length, time: this.nowNs };
    this.ops.push(full);
    this.nowNs += 1_000_000;
    return full;
  }

  /** A rollout step: its invoke and (unless `completion` is 'none') its completion. */
  step(
    f: string,
    options: {
      readonly params?: HistoryValue;
      readonly completion?: Completion | 'none';
      readonly value?: HistoryValue;
      readonly node?: string;
      readonly logIndex?: number;
    } = {},
  ): { invoke: HistoryOp; completion?: HistoryOp } {
    const node = options.node === undefined ? {} : { node: options.node };
    const invoke = this.add({ process: 'rollout', type: 'invoke', f, value: options.params ?? { step: f }, ...node });
    if (options.completion === 'none') return { invoke };
    const completion = this.add({
      process: 'rollout',
      type: options.completion ?? 'ok',
      f,
      value: options.value ?? null,
      ...node,
      ...(options.logIndex === undefined ? {} : { logIndex: options.logIndex }),
    });
    return { invoke, completion };
  }

  /** A client write (invoke + completion; 'none' leaves it pending). */
  write(
    process: number,
    key: string,
    value: HistoryValue,
    options: { readonly completion?: Completion | 'none'; readonly logIndex?: number; readonly node?: string } = {},
  ): { invoke: HistoryOp; completion?: HistoryOp } {
    const node = options.node === undefined ? {} : { node: options.node };
    const invoke = this.add({ process, type: 'invoke', f: 'write', key, value, ...node });
    if (options.completion === 'none') return { invoke };
    const completion = this.add({
      process,
      type: options.completion ?? 'ok',
      f: 'write',
      key,
      value,
      ...node,
      ...(options.logIndex === undefined ? {} : { logIndex: options.logIndex }),
    });
    return { invoke, completion };
  }

  /** A final local read of `key` on `node` answering `value` at applied index `logIndex`. */
  readLocal(
    process: number,
    node: string,
    key: string,
    value: HistoryValue,
    logIndex: number,
    completion: Completion = 'ok',
  ): HistoryOp {
    this.add({ process, type: 'invoke', f: 'read-local', key, value: null, node });
    return this.add({
      process,
      type: completion,
      f: 'read-local',
      key,
      value: completion === 'ok' ? value : null,
      node,
      ...(completion === 'ok' ? { logIndex } : {}),
    });
  }

  /** A nemesis action (invoke + info completion). */
  nemesis(f: string, value: HistoryValue = null): HistoryOp {
    this.add({ process: 'nemesis', type: 'invoke', f, value });
    return this.add({ process: 'nemesis', type: 'info', f, value });
  }
}

/** A healthy node's Status. */
export function nodeStatus(fields: Partial<NodeStatusView> = {}): NodeStatusView {
  return {
    role: 'follower',
    term: 2,
    leader: 'n1',
    commitIndex: 10,
    appliedIndex: 10,
    lastIndex: 10,
    snapshotIndex: 0,
    halted: false,
    haltCode: 0,
    haltError: '',
    haltIndex: 0,
    haltReason: '',
    stage: '6F',
    bugs: [],
    snapshotFormat: '',
    uptimeMs: 1000,
    ...fields,
  };
}

/** A node's sidecar after bootstrap (storage DEK 1, raft DEK 2), before any cutover. */
export function sidecarView(fields: Partial<SidecarView> = {}): SidecarView {
  return {
    appliedIndex: 10,
    keyIds: [1, 2],
    activeStorageId: 1,
    activeRaftId: 2,
    storageEnvelopeActive: false,
    storageEnvelopeCutoverIndex: 0,
    raftEnvelopeCutoverIndex: 0,
    sidecarVersion: 2,
    localEpochs: { 1: 1, 2: 1 },
    ...fields,
  };
}

/** A status sample at `ms`; `status` and `sidecar` default to a healthy node (pass null for none). */
export function sample(
  ms: number,
  node: string,
  fields: {
    readonly process?: StatusSample['process'];
    readonly status?: Partial<NodeStatusView> | null;
    readonly sidecar?: Partial<SidecarView> | null;
  } = {},
): StatusSample {
  const process = fields.process ?? 'running';
  const status = fields.status === null || process === 'down' ? null : nodeStatus(fields.status ?? {});
  const sidecar =
    fields.sidecar === null || process === 'down'
      ? null
      : fields.sidecar === undefined
        ? null
        : sidecarView(fields.sidecar);
  return { time: ms * 1_000_000, node, process, status, sidecar };
}

/** A halted node's Status fields: it halted on entry `haltIndex`, so its applied index stays below it. */
export function halted(
  haltIndex: number,
  haltError: string,
  fields: Partial<NodeStatusView> = {},
): Partial<NodeStatusView> {
  return {
    halted: true,
    haltIndex,
    haltError,
    haltCode: 40,
    haltReason: `${haltError} at ${haltIndex}`,
    appliedIndex: haltIndex - 1,
    commitIndex: haltIndex,
    ...fields,
  };
}

/** Envelope fields; digests derive from `ciphertext` and `aad` labels so tests can make them equal or not. */
export function envelope(
  keyId: number,
  nonce: number,
  options: { readonly ciphertext?: string; readonly aad?: string; readonly node16?: number } = {},
): EnvelopeView {
  const digest = (label: string): string =>
    Array.from(label.padEnd(32, '.').slice(0, 32), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  return {
    keyId,
    nonceHex: nonce.toString(16).padStart(24, '0'),
    nonceNodeId16: options.node16 ?? 1,
    nonceLocalEpoch: 1,
    nonceWriteCount: String(nonce),
    ciphertextSha256: digest(options.ciphertext ?? `ct-${keyId}-${nonce}`),
    aadSha256: digest(options.aad ?? `aad-${keyId}`),
  };
}

/** A raft log entry carrying a proposal (cleartext kv-batch unless `wrapped`). */
export function raftEntry(index: number, fields: Partial<RaftEntryInspectView> = {}): RaftEntryInspectView {
  const wrapped = fields.wrapped ?? false;
  return {
    kind: 'raft-entry',
    index,
    term: 2,
    type: 'normal',
    proposalId: String(1000 + index),
    wrapped,
    opcode: wrapped ? null : 1,
    opcodeName: wrapped ? null : 'kv-batch',
    aboveCutover: null,
    ...fields,
  };
}

/** The raft cutover marker at `index` (cleartext rotation, sub-tag enable-raft-envelope). */
export function marker(index: number): RaftEntryInspectView {
  return raftEntry(index, { opcode: 5, opcodeName: 'rotation', subtag: 'enable-raft-envelope' });
}

/** An MVCC record: encrypted when given an envelope, else cleartext with `value`. */
export function mvcc(
  key: string,
  fields: Partial<MvccInspectView> & { readonly envelope?: EnvelopeView } = {},
): MvccInspectView {
  const encrypted = fields.envelope !== undefined;
  const value = fields.value;
  return {
    kind: 'mvcc',
    source: 'store',
    key,
    keyHex: Buffer.from(key).toString('hex'),
    commitTs: '100',
    tombstone: false,
    encryptionState: encrypted ? 'envelope' : 'cleartext',
    ...(encrypted || value === undefined
      ? {}
      : { value, valueHex: value === null ? '' : Buffer.from(value).toString('hex') }),
    ...fields,
  };
}

/** The sidecar line of an inspection. */
export function sidecarRecord(
  fields: { readonly storageCutover?: number; readonly raftCutover?: number; readonly raftAppliedIndex?: number } = {},
): InspectView {
  return {
    kind: 'sidecar',
    present: true,
    version: 2,
    raftAppliedIndex: fields.raftAppliedIndex ?? 10,
    storageEnvelopeActive: (fields.storageCutover ?? 0) > 0,
    storageEnvelopeCutoverIndex: fields.storageCutover ?? 0,
    raftEnvelopeCutoverIndex: fields.raftCutover ?? 0,
    active: { storage: 1, raft: 2 },
    // The raft epoch is bumped only by starts with the raft cutover active (spec §3.3).
    keys: [
      { id: 1, purpose: 'storage', localEpoch: 1 },
      { id: 2, purpose: 'raft', localEpoch: (fields.raftCutover ?? 0) > 0 ? 1 : 0 },
    ],
  };
}

/** The summary line that closes an inspection. */
export function summaryRecord(): InspectView {
  return {
    kind: 'summary',
    raftEntries: 0,
    wrappedEntries: 0,
    raftCutoverIndex: null,
    cleartextProposalsAboveCutover: 0,
    errors: 0,
  };
}

/** A canary value: 48 hex digits derived from `n` (unique per n). */
export function canaryValue(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(6);
}
