/**
 * Deterministic nonces (spec §2.8): `BE16 node_id16 ‖ BE16 local_epoch ‖ BE64 write_count`.
 * One factory per purpose per process load, pinned to that load's epoch.
 */
import { EncryptionError } from './errors.js';
import { NONCE_BYTES } from './kek-file.js';

const UINT64_MAX = 0xffff_ffff_ffff_ffffn;

/** Something that hands out fresh 12-byte nonces (the storage and raft envelopes take this). */
export interface NonceSource {
  next(): Uint8Array;
}

/**
 * The counter is incremented before use, so the first nonce of a load carries
 * write_count 1. When it would wrap, the factory latches: every later call
 * fails with ErrWriteCountExhausted until the process restarts (and bumps the epoch).
 */
export class NonceFactory implements NonceSource {
  readonly nodeId16: number;
  readonly localEpoch: number;
  #writeCount: bigint;
  #exhausted = false;

  /** `initialWriteCount` exists for tests of the wrap latch; production starts at 0. */
  constructor(nodeId16: number, localEpoch: number, initialWriteCount = 0n) {
    if (!Number.isInteger(nodeId16) || nodeId16 < 0 || nodeId16 > 0xffff)
      throw new Error(`nonce factory: node_id16 ${nodeId16} is not a uint16`);
    if (!Number.isInteger(localEpoch) || localEpoch < 0 || localEpoch > 0xffff)
      throw new Error(`nonce factory: local_epoch ${localEpoch} is not a uint16`);
    if (initialWriteCount < 0n || initialWriteCount > UINT64_MAX)
      throw new Error('nonce factory: initial write count is not a uint64');
    this.nodeId16 = nodeId16;
    this.localEpoch = localEpoch;
    this.#writeCount = initialWriteCount;
  }

  /** The last write_count handed out (0 before the first nonce). */
  get writeCount(): bigint {
    return this.#writeCount;
  }

  /** True once the counter has wrapped in this load. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** The next nonce; ErrWriteCountExhausted once the counter has wrapped. */
  next(): Uint8Array {
    if (this.#exhausted || this.#writeCount === UINT64_MAX) {
      this.#exhausted = true;
      throw new EncryptionError(
        'ErrWriteCountExhausted',
        `write_count wrapped for node_id16 ${this.nodeId16} epoch ${this.localEpoch}; restart to bump the epoch`,
      );
    }
    this.#writeCount += 1n;
    return encodeNonce(this.nodeId16, this.localEpoch, this.#writeCount);
  }
}

/** The 12-byte nonce layout. */
export function encodeNonce(nodeId16: number, localEpoch: number, writeCount: bigint): Uint8Array {
  const out = Buffer.alloc(NONCE_BYTES);
  out.writeUInt16BE(nodeId16, 0);
  out.writeUInt16BE(localEpoch, 2);
  out.writeBigUInt64BE(writeCount, 4);
  return out;
}

/** The fields of a 12-byte nonce (the inspection tool and the nonce checker use this). */
export function decodeNonce(nonce: Uint8Array): {
  readonly nodeId16: number;
  readonly localEpoch: number;
  readonly writeCount: bigint;
} {
  if (nonce.length !== NONCE_BYTES)
    throw new EncryptionError('ErrBadNonceSize', `nonce is ${nonce.length} bytes, want ${NONCE_BYTES}`);
  const view = Buffer.from(nonce.buffer, nonce.byteOffset, nonce.length);
  return { nodeId16: view.readUInt16BE(0), localEpoch: view.readUInt16BE(2), writeCount: view.readBigUInt64BE(4) };
}
