/**
 * The node's durable storage (layer 2): the node database and its sublevels,
 * the Raft log store with snapshot files, and the FSM state store (MVCC rows
 * with the spec §2.1 key and value-header layout, raw registry rows, the
 * applied index). The encryption layer plugs in through {@link ValueCodec}.
 */
export { NodeStorage } from './node-storage.js';
export type { NodeStorageOptions } from './node-storage.js';
export { NodeDatabase, NodeBatch } from './node-database.js';
export type {
  BinaryLevel,
  BinarySublevel,
  BatchOperation,
  OpenNodeDatabaseOptions,
  WriteCounts,
} from './node-database.js';
export { LogStore } from './log-store.js';
export type { LoadedLog, WriteOptions } from './log-store.js';
export { StateStore, isVisibleAt, STATE_EXPORT_BATCH_ROWS } from './state-store.js';
export type {
  StateMutation,
  StoredVersion,
  StateContents,
  StateExport,
  StateImport,
  StateRow,
  StateStoreOptions,
  ValueCodecs,
} from './state-store.js';
export { encodeMvccKey, decodeMvccKey, mvccKeyUpperBound, MVCC_TIMESTAMP_BYTES } from './mvcc-key.js';
export { encodeValueHeader, decodeValueHeader, VALUE_HEADER_BYTES } from './value-header.js';
export type { ValueHeader, EncryptionState } from './value-header.js';
export { cleartextValueCodec } from './value-codec.js';
export type { ValueCodec, EncodeBodyInput, DecodeBodyInput } from './value-codec.js';
export { hlcTimestamp, hlcPhysicalMs, hlcLogical, HLC_LOGICAL_BITS, HLC_LOGICAL_MAX } from './hlc-timestamp.js';
export { writeSnapshotFile, readSnapshotFile, snapshotDirectory, snapshotFileName } from './snapshot-file.js';
export { StorageError, isStorageError } from './storage-error.js';
export type { StorageErrorCode } from './storage-error.js';
export { encodeUint64BE, readUint64BE, concatBytes, concatByteArrays, bytesEqual } from './bytes.js';
export { SerialQueue } from './serial-queue.js';
