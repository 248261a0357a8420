/**
 * Messages exchanged between Raft peers (modelled on etcd's raftpb.Message).
 *
 * Only messages that travel between nodes exist here; local events (tick,
 * campaign, snapshot reports) are RawNode methods, not messages.
 */
import type { Entry, LogIndex, NodeId, Snapshot, Term } from './types.js';
import { asLogIndex, asTerm } from './types.js';

/** The kind of a peer message. Values are stable: they are part of the wire codec. */
export enum MessageType {
  /** Leader → follower: entries after (index, logTerm), plus the leader's commit. */
  Append = 1,
  /** Follower → leader: accepted up to `index`, or `reject` with `rejectHint`/`logTerm`. */
  AppendResponse = 2,
  Vote = 3,
  VoteResponse = 4,
  PreVote = 5,
  PreVoteResponse = 6,
  /** Leader → follower: install `snapshot`. */
  Snapshot = 7,
  /** Leader → follower: keep-alive with commit and an optional ReadIndex context. */
  Heartbeat = 8,
  HeartbeatResponse = 9,
  /** Leader → transfer target: campaign now, bypassing pre-vote. */
  TimeoutNow = 10,
  /** Follower → leader: a forwarded ReadIndex request (`context` = request id). */
  ReadIndex = 11,
  /** Leader → follower: the read index for a forwarded request. */
  ReadIndexResponse = 12,
  /** Follower → leader: a forwarded leadership transfer request (`from` is the target). */
  TransferLeader = 13,
}

/** Every message type, in wire order (for codecs and generators). */
export const allMessageTypes: readonly MessageType[] = Object.freeze([
  MessageType.Append,
  MessageType.AppendResponse,
  MessageType.Vote,
  MessageType.VoteResponse,
  MessageType.PreVote,
  MessageType.PreVoteResponse,
  MessageType.Snapshot,
  MessageType.Heartbeat,
  MessageType.HeartbeatResponse,
  MessageType.TimeoutNow,
  MessageType.ReadIndex,
  MessageType.ReadIndexResponse,
  MessageType.TransferLeader,
]);

/** One Raft message. Fields a type does not use are zero / empty / null. */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: Term;
  /** Append: term of the entry at `index`; rejected AppendResponse: term of the hint; votes: last log term. */
  readonly logTerm: Term;
  /** Append: index preceding `entries`; responses: the index accepted/rejected; votes: last log index; ReadIndexResponse: the read index. */
  readonly index: LogIndex;
  readonly entries: readonly Entry[];
  readonly commit: LogIndex;
  readonly snapshot: Snapshot | null;
  readonly reject: boolean;
  readonly rejectHint: LogIndex;
  /** ReadIndex request id / heartbeat read context / the campaign-transfer marker on votes. */
  readonly context: Uint8Array;
}

const emptyBytes = new Uint8Array(0);

/** A message with every unused field at its zero value. */
export function makeMessage(fields: Pick<Message, 'type' | 'from' | 'to'> & Partial<Message>): Message {
  return {
    term: asTerm(0),
    logTerm: asTerm(0),
    index: asLogIndex(0),
    entries: [],
    commit: asLogIndex(0),
    snapshot: null,
    reject: false,
    rejectHint: asLogIndex(0),
    context: emptyBytes,
    ...fields,
  };
}

/** True for the response types that a node sends about a vote request. */
export function isVoteResponse(type: MessageType): boolean {
  return type === MessageType.VoteResponse || type === MessageType.PreVoteResponse;
}

/**
 * The transport ships a snapshot's data separately from the message: it
 * encodes the message with `omitSnapshotData`, streams `snapshot.data`, and
 * on the receiving side re-attaches the data with this function.
 */
export function withSnapshotData(message: Message, data: Uint8Array): Message {
  if (message.type !== MessageType.Snapshot || message.snapshot === null) {
    throw new TypeError(`withSnapshotData: message is not a snapshot message (type ${MessageType[message.type]})`);
  }
  return { ...message, snapshot: { metadata: message.snapshot.metadata, data } };
}
