import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  encodeRegistryKey,
  encodeRegistryValue,
  encodeRotationEntry,
  encryptStorageValue,
  kekFromBytes,
  Keystore,
  NonceFactory,
  ROTATION_SUBTAG,
  wrapRaftPayload,
  writeSidecar,
  type Sidecar,
} from '../encryption/index.js';
import { encodeKvPayload, encodeProposal, encodeSnapshotHeaderV2, encodeSnapshotPayload } from '../kv/index.js';
import { asLogIndex, asNodeId, asTerm, EntryType, type Entry } from '../raft/types.js';
import { concatBytes, encodeMvccKey, NodeStorage } from '../storage/index.js';
import { inspectDataDir, type InspectOptions } from './inspect-data-dir.js';
import { InspectError } from './inspect-error.js';
import type { InspectRecord, MvccRecord, RaftEntryRecord, SummaryRecord } from '../proto/inspect-records.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const STORAGE_DEK = 1;
const RAFT_DEK = 2;
const CUTOVER = 4;

interface Written {
  readonly dataDir: string;
  readonly sidecarPath: string;
  readonly kekPath: string;
  /** Plaintext of the encrypted MVCC value and of the wrapped raft payload (random, so a leak is unambiguous). */
  readonly secretValue: string;
  readonly wrappedNonceHex: string;
  /** The wrapped raft payload of entry 5 and the stored bytes (header ‖ envelope) of the encrypted MVCC value. */
  readonly wrapped: Uint8Array;
  readonly secretStored: Uint8Array;
  readonly secretKey: Uint8Array;
}

function entry(index: number, data: Uint8Array, type: EntryType = EntryType.Normal): Entry {
  return { index: asLogIndex(index), term: asTerm(1), type, data };
}

function put(key: string, value: string, commitTs: bigint): Uint8Array {
  return encodeKvPayload({
    kind: 'single',
    request: { kind: 'put', commitTs, key: utf8(key), value: utf8(value), ttlMs: 0n },
  });
}

function sidecarOf(kek: ReturnType<typeof kekFromBytes>, storageDek: Uint8Array, raftDek: Uint8Array): Sidecar {
  const created = '2026-01-01T00:00:00Z';
  return {
    version: 2,
    raftAppliedIndex: CUTOVER,
    storageEnvelopeActive: true,
    storageEnvelopeCutoverIndex: 2,
    raftEnvelopeCutoverIndex: CUTOVER,
    active: { storage: STORAGE_DEK, raft: RAFT_DEK },
    keys: new Map([
      [STORAGE_DEK, { purpose: 'storage' as const, wrapped: kek.wrapDek(storageDek), created, localEpoch: 3 }],
      [RAFT_DEK, { purpose: 'raft' as const, wrapped: kek.wrapDek(raftDek), created, localEpoch: 1 }],
    ]),
  };
}

/**
 * A stopped node's data dir: log 1..6 (no-op, cleartext put, conf change,
 * the Phase-2 marker at 4, a wrapped put at 5, a cleartext batch at 6 — the
 * violation the summary must count), a snapshot at 3 (v2 header), MVCC rows
 * (cleartext, encrypted, tombstone, reserved state) and a registry row.
 */
async function writeNode(root: string): Promise<Written> {
  const kekBytes = randomBytes(32);
  const kekPath = join(root, 'kek');
  writeFileSync(kekPath, kekBytes, { mode: 0o600 });
  const kek = kekFromBytes(kekBytes);
  const storageDek = randomBytes(32);
  const raftDek = randomBytes(32);
  const keystore = new Keystore();
  keystore.set(STORAGE_DEK, storageDek);
  keystore.set(RAFT_DEK, raftDek);
  const sidecarPath = join(root, 'keys.json');
  await writeSidecar(sidecarPath, sidecarOf(kek, storageDek, raftDek));
  const secretValue = `secret-${randomBytes(12).toString('hex')}`;
  const wrapped = wrapRaftPayload({
    keystore,
    nonces: new NonceFactory(0x1234, 1),
    keyId: RAFT_DEK,
    payload: put('wrapped', secretValue, 50n),
  });
  const marker = encodeRotationEntry({
    subtag: ROTATION_SUBTAG.enableRaftEnvelope,
    dekId: RAFT_DEK,
    purpose: 'raft',
    wrapped: new Uint8Array(0),
    proposer: { dekId: RAFT_DEK, fullNodeId: 7n, localEpoch: 0 },
  });
  const batch = encodeKvPayload({ kind: 'batch', requests: [{ kind: 'delete', commitTs: 60n, key: utf8('gone') }] });
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  let secretKey: Uint8Array = new Uint8Array(0);
  let secretStored: Uint8Array = new Uint8Array(0);
  const storage = await NodeStorage.open(dataDir);
  try {
    await storage.log.append(
      [
        entry(1, new Uint8Array(0)),
        entry(2, encodeProposal(11n, put('plain', 'hello', 10n))),
        entry(3, utf8('conf'), EntryType.ConfChange),
        entry(4, encodeProposal(12n, marker)),
        entry(5, encodeProposal(13n, wrapped)),
        entry(6, encodeProposal(14n, batch)),
      ],
      { term: asTerm(1), vote: asNodeId('n1'), commit: asLogIndex(6) },
    );
    await storage.log.setConfState({ voters: [asNodeId('n1')], learners: [] });
    await storage.state.commit(
      [
        {
          kind: 'version',
          userKey: utf8('plain'),
          commitTs: 10n,
          tombstone: false,
          expireAtMs: 0n,
          value: utf8('hello'),
        },
        {
          kind: 'version',
          userKey: utf8('gone'),
          commitTs: 60n,
          tombstone: true,
          expireAtMs: 0n,
          value: new Uint8Array(0),
        },
        {
          kind: 'raw',
          key: encodeRegistryKey(STORAGE_DEK, 0x1234),
          value: encodeRegistryValue({ fullNodeId: 7n, firstSeenEpoch: 0, lastSeenEpoch: 3 }),
        },
      ],
      { appliedIndex: asLogIndex(6) },
    );
    secretKey = encodeMvccKey(utf8('secret'), 50n);
    const sealed = encryptStorageValue({
      keystore,
      nonces: new NonceFactory(0x1234, 3),
      keyId: STORAGE_DEK,
      pebbleKey: secretKey,
      expireAt: 0n,
      plaintext: utf8(secretValue),
    });
    secretStored = concatBytes(sealed.header, sealed.body);
    const reserved = concatBytes(Uint8Array.of(0b100), new Uint8Array(8), utf8('odd'));
    await storage.database.write(
      [
        { type: 'put', sublevel: storage.database.mvcc, key: secretKey, value: secretStored },
        { type: 'put', sublevel: storage.database.mvcc, key: encodeMvccKey(utf8('reserved'), 70n), value: reserved },
      ],
      true,
    );
    const snapshotData = concatBytes(
      encodeSnapshotHeaderV2(1000, CUTOVER),
      encodeSnapshotPayload({
        contents: {
          appliedIndex: asLogIndex(3),
          maxCommitTs: 10n,
          mvccRows: [[encodeMvccKey(utf8('plain'), 10n), concatBytes(new Uint8Array(9), utf8('hello'))]],
          rawRows: [],
        },
        applicationBlob: new Uint8Array(0),
      }),
    );
    await storage.log.saveSnapshot({
      metadata: { index: asLogIndex(3), term: asTerm(1), confState: { voters: [asNodeId('n1')], learners: [] } },
      data: snapshotData,
    });
  } finally {
    await storage.close();
  }
  return {
    dataDir,
    sidecarPath,
    kekPath,
    secretValue,
    wrappedNonceHex: Buffer.from(wrapped.subarray(6, 18)).toString('hex'),
    wrapped,
    secretStored,
    secretKey,
  };
}

async function inspect(options: InspectOptions): Promise<InspectRecord[]> {
  const records: InspectRecord[] = [];
  await inspectDataDir(options, (record) => {
    records.push(record);
  });
  return records;
}

const entryAt = (records: InspectRecord[], index: number): RaftEntryRecord =>
  records.find((r): r is RaftEntryRecord => r.kind === 'raft-entry' && r.index === index)!;
const mvccOf = (records: InspectRecord[], key: string, source = 'store'): MvccRecord =>
  records.find((r): r is MvccRecord => r.kind === 'mvcc' && r.key === key && r.source === source)!;

describe('inspectDataDir', () => {
  let root: string;
  let node: Written;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'ekv-inspect-'));
    node = await writeNode(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('dumps sidecar, raft state, snapshot, every entry and every record, summary last', async () => {
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath });
    expect(records.map((r) => r.kind).slice(0, 5)).toEqual(['sidecar', 'hard-state', 'conf-state', 'fsm', 'snapshot']);
    expect(records.at(-1)?.kind).toBe('summary');
    expect(records[0]).toMatchObject({
      present: true,
      raftEnvelopeCutoverIndex: CUTOVER,
      active: { storage: 1, raft: 2 },
      keys: [
        { id: 1, purpose: 'storage', localEpoch: 3, wrappedBytes: 60 },
        { id: 2, purpose: 'raft' },
      ],
    });
    expect(records[1]).toEqual({ kind: 'hard-state', present: true, term: 1, vote: 'n1', commit: 6 });
    expect(records[2]).toEqual({ kind: 'conf-state', present: true, voters: ['n1'], learners: [] });
    expect(records[3]).toEqual({ kind: 'fsm', appliedIndex: 6, maxCommitTs: '60' });
    expect(records[4]).toMatchObject({
      kind: 'snapshot',
      present: true,
      index: 3,
      term: 1,
      header: { format: 'v2', ceilingMs: 1000, cutoverIndex: CUTOVER },
      appliedIndex: 3,
      mvccRows: 1,
      rawRows: 0,
    });
    expect(entryAt(records, 1)).toMatchObject({ proposalId: null, wrapped: false, opcode: null, aboveCutover: false });
    expect(entryAt(records, 2)).toMatchObject({
      proposalId: '11',
      wrapped: false,
      opcode: 0,
      opcodeName: 'kv-single',
      aboveCutover: false,
    });
    expect(entryAt(records, 3)).toMatchObject({ type: 'conf-change', proposalId: null, wrapped: false });
    expect(entryAt(records, 4)).toMatchObject({
      wrapped: false,
      opcode: 5,
      opcodeName: 'rotation',
      subtag: 'enable-raft-envelope',
      aboveCutover: false,
    });
    expect(entryAt(records, 5)).toMatchObject({
      wrapped: true,
      opcode: null,
      aboveCutover: true,
      envelope: {
        keyId: RAFT_DEK,
        nonceHex: node.wrappedNonceHex,
        nonceNodeId16: 0x1234,
        nonceLocalEpoch: 1,
        nonceWriteCount: '1',
      },
    });
    expect(entryAt(records, 6)).toMatchObject({
      wrapped: false,
      opcode: 1,
      opcodeName: 'kv-batch',
      aboveCutover: true,
    });
    const summary = records.at(-1) as SummaryRecord;
    expect(summary).toMatchObject({
      raftEntries: 6,
      firstIndex: 1,
      lastIndex: 6,
      wrappedEntries: 1,
      raftCutoverIndex: CUTOVER,
      cleartextProposalsAboveCutover: 1,
      mvccRecords: 4,
      encryptedRecords: 1,
      cleartextRecords: 2,
      tombstones: 1,
      snapshotMvccRecords: 1,
      registryRows: 1,
      otherRawRows: 0,
      errors: 1,
    });
  });

  it('shows encryption state bits, key id and nonce of MVCC records, never an encrypted value', async () => {
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath, values: true });
    expect(mvccOf(records, 'plain')).toMatchObject({
      commitTs: '10',
      tombstone: false,
      stateBits: 0,
      encryptionState: 'cleartext',
      valueBytes: 5,
      value: 'hello',
      valueHex: '68656c6c6f',
    });
    const secret = mvccOf(records, 'secret');
    expect(secret).toMatchObject({
      commitTs: '50',
      stateBits: 1,
      encryptionState: 'envelope',
      envelope: { keyId: STORAGE_DEK, nonceNodeId16: 0x1234, nonceLocalEpoch: 3, nonceWriteCount: '1' },
    });
    expect(secret.valueBytes).toBe(node.secretValue.length + 34);
    expect(secret).not.toHaveProperty('value');
    expect(mvccOf(records, 'gone')).toMatchObject({ tombstone: true, stateBits: 0, valueBytes: 0 });
    expect(mvccOf(records, 'reserved')).toMatchObject({
      stateBits: 2,
      encryptionState: 'reserved',
      error: expect.stringContaining('ErrEncryptedValueReservedState'),
    });
    expect(mvccOf(records, 'plain', 'snapshot')).toMatchObject({ encryptionState: 'cleartext', value: 'hello' });
    expect(records.find((r) => r.kind === 'registry')).toEqual({
      kind: 'registry',
      source: 'store',
      dekId: 1,
      nodeId16: 0x1234,
      fullNodeId: '7',
      firstSeenLocalEpoch: 0,
      lastSeenLocalEpoch: 3,
    });
    expect(JSON.stringify(records)).not.toContain(node.secretValue);
  });

  it("digests each envelope's ciphertext and the AAD it is bound to (spec §2.3, §2.6), so a relocated copy shows", async () => {
    const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
    // The copy of the encrypted value under another key: same key id, nonce and ciphertext, another AAD (its MVCC key).
    const copyKey = encodeMvccKey(utf8('copy'), 51n);
    const storage = await NodeStorage.open(node.dataDir);
    await storage.database.write(
      [{ type: 'put', sublevel: storage.database.mvcc, key: copyKey, value: node.secretStored }],
      true,
    );
    await storage.close();
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath });
    const header = node.secretStored.subarray(0, 9);
    const envelope = node.secretStored.subarray(9);
    // Built here by hand from the spec's layout, not with the node's storageAad/raftAad.
    const storageAadOf = (mvccKey: Uint8Array): Uint8Array =>
      concatBytes(Uint8Array.of(1, 0, 0, 0, 0, STORAGE_DEK), header, mvccKey);
    const secret = mvccOf(records, 'secret').envelope!;
    expect(secret.ciphertextSha256).toBe(sha256(envelope.subarray(18)));
    expect(secret.aadSha256).toBe(sha256(storageAadOf(node.secretKey)));
    const copy = mvccOf(records, 'copy').envelope!;
    expect({ keyId: copy.keyId, nonceHex: copy.nonceHex, ciphertextSha256: copy.ciphertextSha256 }).toEqual({
      keyId: secret.keyId,
      nonceHex: secret.nonceHex,
      ciphertextSha256: secret.ciphertextSha256,
    });
    expect(copy.aadSha256).toBe(sha256(storageAadOf(copyKey)));
    expect(copy.aadSha256).not.toBe(secret.aadSha256);
    const raft = entryAt(records, 5).envelope!;
    expect(raft.ciphertextSha256).toBe(sha256(node.wrapped.subarray(18)));
    expect(raft.aadSha256).toBe(sha256(Uint8Array.of(0x52, 1, 0, 0, 0, RAFT_DEK)));
  });

  it('prints no value bytes without --values', async () => {
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath });
    expect(mvccOf(records, 'plain')).not.toHaveProperty('value');
    expect(JSON.stringify(records)).not.toContain('hello');
  });

  it('opens wrapped raft payloads with --kek-file to show their opcode', async () => {
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath, kekFile: node.kekPath });
    expect(entryAt(records, 5)).toMatchObject({ wrapped: true, unwrapped: true, opcode: 0, opcodeName: 'kv-single' });
    expect(JSON.stringify(records)).not.toContain(node.secretValue);
  });

  it('tells wrapped from cleartext by the bytes without a sidecar, taking the cutover from the snapshot header', async () => {
    rmSync(node.sidecarPath);
    const records = await inspect({ dataDir: node.dataDir });
    expect(records[0]).toEqual({
      kind: 'sidecar',
      present: false,
      searched: expect.arrayContaining([join(node.dataDir, 'encryption', 'keys.json')]),
    });
    expect(entryAt(records, 5)).toMatchObject({ wrapped: true, aboveCutover: true });
    expect(entryAt(records, 6)).toMatchObject({ wrapped: false, opcodeName: 'kv-batch' });
    expect(records.at(-1)).toMatchObject({ raftCutoverIndex: CUTOVER, cleartextProposalsAboveCutover: 1 });
  });

  it('finds a sidecar next to the data dir (README layout) without --sidecar', async () => {
    const records = await inspect({ dataDir: node.dataDir });
    expect(records[0]).toMatchObject({ kind: 'sidecar', present: true, path: node.sidecarPath });
  });

  it('refuses while the node holds the database lock, and names the fix', async () => {
    const running = await NodeStorage.open(node.dataDir);
    try {
      const error = await inspect({ dataDir: node.dataDir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InspectError);
      expect((error as InspectError).code).toBe('ErrInspectDatabaseLocked');
      expect(String(error)).toContain('stop the node first');
    } finally {
      await running.close();
    }
  });

  it('refuses a missing data dir or one without a database, creating nothing', async () => {
    const missing = await inspect({ dataDir: join(root, 'nope') }).catch((e: unknown) => e);
    expect((missing as InspectError).code).toBe('ErrInspectDataDirMissing');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const noDb = await inspect({ dataDir: empty }).catch((e: unknown) => e);
    expect((noDb as InspectError).code).toBe('ErrInspectDataDirMissing');
    expect(existsSync(join(empty, 'db'))).toBe(false);
    const noSidecar = await inspect({ dataDir: node.dataDir, sidecarPath: join(root, 'missing.json') }).catch(
      (e: unknown) => e,
    );
    expect((noSidecar as InspectError).code).toBe('ErrInspectSidecarMissing');
  });

  it("refuses --kek-file without a sidecar, and names a KEK that does not unwrap the sidecar's DEKs", async () => {
    rmSync(node.sidecarPath);
    const noSidecar = await inspect({ dataDir: node.dataDir, kekFile: node.kekPath }).catch((e: unknown) => e);
    expect((noSidecar as InspectError).code).toBe('ErrInspectKekWithoutSidecar');
    const other = await writeNode(mkdtempSync(join(root, 'other-')));
    const wrongKek = await inspect({
      dataDir: node.dataDir,
      sidecarPath: other.sidecarPath,
      kekFile: node.kekPath,
    }).catch((e: unknown) => e);
    expect((wrongKek as InspectError).code).toBe('ErrInspectKekMismatch');
    expect(String(wrongKek)).toContain(node.kekPath);
  });

  it('reports an unreadable sidecar on its line instead of failing', async () => {
    writeFileSync(node.sidecarPath, '{"version": 9}');
    const records = await inspect({ dataDir: node.dataDir, sidecarPath: node.sidecarPath });
    expect(records[0]).toMatchObject({ kind: 'sidecar', present: true, error: expect.stringContaining('ErrSidecar') });
    expect(records.at(-1)?.kind).toBe('summary');
  });
});
