/**
 * The pure Raft core (layer 1 of the reference node). Explicit surface; see
 * raw-node.ts for the state machine and ready.ts for the shell's contract.
 */
export { bootstrap, type BootstrapState } from './bootstrap.js';
export { applyConfChangeToConfState, decodeConfChange, encodeConfChange, validateConfChange } from './conf-change.js';
export {
  raftConfigDefaults,
  resolveRaftConfig,
  type RaftConfig,
  type RaftConfigInput,
  type RaftLogger,
  type RaftLogLevel,
} from './config.js';
export {
  describeBytes,
  describeEntries,
  describeEntry,
  describeHardState,
  describeMessage,
  describeReady,
  describeSnapshot,
} from './describe.js';
export {
  assert,
  isRaftError,
  RaftAssertionError,
  RaftCodecError,
  RaftError,
  RaftErrorDocs,
  type RaftErrorCode,
} from './errors.js';
export { MemoryStorage } from './memory-storage.js';
export { decodeMessage, encodeMessage, type EncodeMessageOptions } from './message-codec.js';
export { allMessageTypes, makeMessage, MessageType, withSnapshotData, type Message } from './message.js';
export type { ProgressState } from './progress.js';
export { RawNode } from './raw-node.js';
export type { Ready } from './ready.js';
export type { PeerProgress, RaftStatus } from './status.js';
export type { InitialState, Storage } from './storage.js';
export {
  asLogIndex,
  asNodeId,
  asTerm,
  EntryType,
  type ConfChange,
  type ConfChangeType,
  type ConfState,
  type Entry,
  type HardState,
  type LogIndex,
  type NodeId,
  type ReadState,
  type Role,
  type Snapshot,
  type SnapshotMetadata,
  type SoftState,
  type Term,
} from './types.js';
