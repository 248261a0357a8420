/**
 * Byte layouts of the Raft records the log store persists. Entries are
 * binary (`type u8 ‖ BE64 term ‖ data`, the index is the key); the small
 * metadata records are JSON, validated on every read (an assertion-grade
 * check: a malformed record means the data directory is damaged).
 */
import { asLogIndex, asNodeId, asTerm, EntryType } from '../raft/types.js';
import type { ConfState, Entry, HardState, LogIndex, SnapshotMetadata } from '../raft/types.js';
import { concatBytes, encodeIndexBE, readIndexBE } from './bytes.js';
import { StorageError } from './storage-error.js';

const ENTRY_HEADER_BYTES = 9;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** The log key of an entry: BE64 index (so keys sort by index). */
export function logKey(index: number): Uint8Array {
  return encodeIndexBE(index);
}

/** Encodes an entry's value (its index lives in the key). */
export function encodeEntryValue(entry: Entry): Uint8Array {
  const header = new Uint8Array(ENTRY_HEADER_BYTES);
  header[0] = entry.type;
  header.set(encodeIndexBE(entry.term), 1);
  return concatBytes(header, entry.data);
}

/** Decodes an entry stored under `index`. */
export function decodeEntryValue(index: LogIndex, value: Uint8Array): Entry {
  if (value.length < ENTRY_HEADER_BYTES) {
    throw new StorageError(
      'ErrCorruptMetadata',
      `log entry ${index} is ${value.length} bytes, shorter than its header`,
    );
  }
  const type = value[0];
  if (type !== EntryType.Normal && type !== EntryType.ConfChange) {
    throw new StorageError('ErrCorruptMetadata', `log entry ${index} has unknown type ${type}`);
  }
  // Copy into a plain Uint8Array: classic-level hands out Buffers.
  return { index, term: asTerm(readIndexBE(value, 1)), type, data: new Uint8Array(value.subarray(ENTRY_HEADER_BYTES)) };
}

function encodeJson(value: unknown): Uint8Array {
  return textEncoder.encode(JSON.stringify(value));
}

function parseJson(bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(textDecoder.decode(bytes));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch (error) {
    throw new StorageError('ErrCorruptMetadata', `${what} is not valid JSON`, { cause: error });
  }
  throw new StorageError('ErrCorruptMetadata', `${what} is not a JSON object`);
}

function nonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new StorageError(
      'ErrCorruptMetadata',
      `${what} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function nodeIdList(value: unknown, what: string): ReturnType<typeof asNodeId>[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id !== '')) {
    throw new StorageError('ErrCorruptMetadata', `${what} must be a list of non-empty node ids`);
  }
  return (value as string[]).map(asNodeId);
}

/** Encodes a hard state record. */
export function encodeHardState(hardState: HardState): Uint8Array {
  return encodeJson({ term: hardState.term, vote: hardState.vote, commit: hardState.commit });
}

/** Decodes a hard state record. */
export function decodeHardState(bytes: Uint8Array): HardState {
  const record = parseJson(bytes, 'hard state');
  const vote = record.vote;
  if (vote !== null && (typeof vote !== 'string' || vote === '')) {
    throw new StorageError('ErrCorruptMetadata', 'hard state vote must be null or a node id');
  }
  return {
    term: asTerm(nonNegativeInteger(record.term, 'hard state term')),
    vote: vote === null ? null : asNodeId(vote),
    commit: asLogIndex(nonNegativeInteger(record.commit, 'hard state commit')),
  };
}

/** Encodes a conf state record. */
export function encodeConfState(confState: ConfState): Uint8Array {
  return encodeJson(confStateJson(confState));
}

function confStateJson(confState: ConfState): { voters: string[]; learners: string[] } {
  return { voters: [...confState.voters], learners: [...confState.learners] };
}

function confStateFromRecord(record: Record<string, unknown>, what: string): ConfState {
  return {
    voters: nodeIdList(record.voters, `${what} voters`),
    learners: nodeIdList(record.learners, `${what} learners`),
  };
}

/** Decodes a conf state record. */
export function decodeConfState(bytes: Uint8Array): ConfState {
  return confStateFromRecord(parseJson(bytes, 'conf state'), 'conf state');
}

/** Encodes the metadata of the newest snapshot. */
export function encodeSnapshotMetadata(metadata: SnapshotMetadata): Uint8Array {
  return encodeJson({ index: metadata.index, term: metadata.term, confState: confStateJson(metadata.confState) });
}

/** Decodes the metadata of the newest snapshot. */
export function decodeSnapshotMetadata(bytes: Uint8Array): SnapshotMetadata {
  const record = parseJson(bytes, 'snapshot metadata');
  const confState = record.confState;
  if (typeof confState !== 'object' || confState === null || Array.isArray(confState)) {
    throw new StorageError('ErrCorruptMetadata', 'snapshot metadata confState must be an object');
  }
  return {
    index: asLogIndex(nonNegativeInteger(record.index, 'snapshot index')),
    term: asTerm(nonNegativeInteger(record.term, 'snapshot term')),
    confState: confStateFromRecord(confState as Record<string, unknown>, 'snapshot confState'),
  };
}
