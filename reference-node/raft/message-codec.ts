/**
 * Compact binary form of a {@link Message}, shipped as opaque bytes by the
 * peer transport. Layout (all integers unsigned varints):
 *
 *   version(1) type from to term logTerm index commit reject rejectHint
 *   context  entryCount { term index type data }*
 *   snapshotFlag [ index term voters learners [data] ]
 *
 * snapshotFlag: 0 = no snapshot, 1 = snapshot with data, 2 = snapshot whose
 * data was omitted (the transport streams it separately and re-attaches it
 * with `withSnapshotData`).
 */
import { ByteReader, ByteWriter } from './byte-codec.js';
import { RaftCodecError } from './errors.js';
import { allMessageTypes, MessageType, type Message } from './message.js';
import { asLogIndex, asNodeId, asTerm, EntryType, type Entry, type NodeId, type Snapshot } from './types.js';

const codecVersion = 1;
const snapshotAbsent = 0;
const snapshotWithData = 1;
const snapshotDataOmitted = 2;

export interface EncodeMessageOptions {
  /** Leave out `snapshot.data` (the transport sends it in chunks). */
  readonly omitSnapshotData?: boolean;
}

/** Encodes a message. */
export function encodeMessage(m: Message, options: EncodeMessageOptions = {}): Uint8Array {
  const w = new ByteWriter();
  w.byte(codecVersion);
  w.byte(m.type);
  w.string(m.from);
  w.string(m.to);
  w.varint(m.term);
  w.varint(m.logTerm);
  w.varint(m.index);
  w.varint(m.commit);
  w.byte(m.reject ? 1 : 0);
  w.varint(m.rejectHint);
  w.bytes(m.context);
  w.varint(m.entries.length);
  for (const e of m.entries) {
    w.varint(e.term);
    w.varint(e.index);
    w.byte(e.type);
    w.bytes(e.data);
  }
  if (m.snapshot === null) {
    w.byte(snapshotAbsent);
  } else {
    const omit = options.omitSnapshotData === true;
    w.byte(omit ? snapshotDataOmitted : snapshotWithData);
    const { index, term, confState } = m.snapshot.metadata;
    w.varint(index);
    w.varint(term);
    w.varint(confState.voters.length);
    for (const id of confState.voters) w.string(id);
    w.varint(confState.learners.length);
    for (const id of confState.learners) w.string(id);
    if (!omit) w.bytes(m.snapshot.data);
  }
  return w.finish();
}

function readNodeId(r: ByteReader, field: string): NodeId {
  const at = r.offset;
  const id = r.string(field);
  if (id.length === 0) throw new RaftCodecError(`${field} is empty`, at);
  return asNodeId(id);
}

function readEntry(r: ByteReader): Entry {
  const term = asTerm(r.varint('entry term'));
  const index = asLogIndex(r.varint('entry index'));
  const at = r.offset;
  const type = r.byte('entry type');
  if (type !== (EntryType.Normal as number) && type !== (EntryType.ConfChange as number))
    throw new RaftCodecError(`unknown entry type ${type}`, at);
  return { term, index, type, data: r.bytes('entry data') };
}

function readIds(r: ByteReader, field: string): NodeId[] {
  const count = r.count(`${field} count`);
  const ids: NodeId[] = [];
  for (let i = 0; i < count; i++) ids.push(readNodeId(r, field));
  return ids;
}

function readSnapshot(r: ByteReader): Snapshot | null {
  const at = r.offset;
  const flag = r.byte('snapshot flag');
  if (flag === snapshotAbsent) return null;
  if (flag !== snapshotWithData && flag !== snapshotDataOmitted)
    throw new RaftCodecError(`unknown snapshot flag ${flag}`, at);
  const index = asLogIndex(r.varint('snapshot index'));
  const term = asTerm(r.varint('snapshot term'));
  const voters = readIds(r, 'snapshot voter');
  const learners = readIds(r, 'snapshot learner');
  const data = flag === snapshotWithData ? r.bytes('snapshot data') : new Uint8Array(0);
  return { metadata: { index, term, confState: { voters, learners } }, data };
}

/** Decodes bytes written by {@link encodeMessage}; throws only RaftCodecError. */
export function decodeMessage(bytes: Uint8Array): Message {
  const r = new ByteReader(bytes);
  const version = r.byte('version');
  if (version !== codecVersion) throw new RaftCodecError(`unknown message codec version ${version}`, 0);
  const typeCode = r.byte('message type');
  if (!allMessageTypes.includes(typeCode)) throw new RaftCodecError(`unknown message type ${typeCode}`, 1);
  const from = readNodeId(r, 'from');
  const to = readNodeId(r, 'to');
  const term = asTerm(r.varint('term'));
  const logTerm = asTerm(r.varint('logTerm'));
  const index = asLogIndex(r.varint('index'));
  const commit = asLogIndex(r.varint('commit'));
  const rejectAt = r.offset;
  const rejectByte = r.byte('reject');
  if (rejectByte > 1) throw new RaftCodecError(`reject flag must be 0 or 1, got ${rejectByte}`, rejectAt);
  const rejectHint = asLogIndex(r.varint('rejectHint'));
  const context = r.bytes('context');
  const entryCount = r.count('entry count');
  const entries: Entry[] = [];
  for (let i = 0; i < entryCount; i++) entries.push(readEntry(r));
  const snapshotAt = r.offset;
  const snapshot = readSnapshot(r);
  r.end();
  if ((typeCode === (MessageType.Snapshot as number)) !== (snapshot !== null)) {
    throw new RaftCodecError('a snapshot must be present exactly in Snapshot messages', snapshotAt);
  }
  return {
    type: typeCode,
    from,
    to,
    term,
    logTerm,
    index,
    entries,
    commit,
    snapshot,
    reject: rejectByte === 1,
    rejectHint,
    context,
  };
}
