/**
 * FSM payload codecs for the opcodes the kv layer owns (spec §5.1):
 *
 * ```
 * 0x00 single:  0x00 ‖ request
 * 0x01 batch:   0x01 ‖ BE32 count (1..batchRequestsMax) ‖ request × count
 * 0x02 lease:   0x02 ‖ BE int64 ceiling_ms (≥ 0)                      (9 bytes)
 * request:      kind u8 ‖ BE64 commit_ts ‖ BE32 key_len ‖ key ‖ body
 *   1 Put:            BE32 len ‖ value ‖ BE64 ttl_ms (0 = none)
 *   2 Delete:         (nothing)
 *   3 CompareAndSet:  expect u8 (0 absent, 1 value) ‖ [BE32 len ‖ expected] ‖ BE32 len ‖ new_value
 * ```
 *
 * Each request carries the commit timestamp its proposer's HLC assigned, so
 * every replica writes identical MVCC keys. No trailing bytes are allowed.
 */
import { concatByteArrays, concatBytes, encodeUint64BE } from '../storage/index.js';
import { ByteReader } from './byte-reader.js';
import { FsmDecodeError } from './fsm-decode-error.js';
import { KvDefaults, type PayloadLimits } from './kv-defaults.js';

/** FSM opcodes (first payload byte). */
export const FsmOpcode = Object.freeze({
  single: 0x00,
  batch: 0x01,
  leaseRenewal: 0x02,
  /** First opcode of the encryption band (0x03-0x07). */
  encryptionBandFirst: 0x03,
  /** Last opcode of the encryption band; 0x06 and 0x07 are reserved and halt. */
  encryptionBandLast: 0x07,
});

/** One KV request, as replicated. */
export type KvRequest =
  | {
      readonly kind: 'put';
      readonly commitTs: bigint;
      readonly key: Uint8Array;
      readonly value: Uint8Array;
      readonly ttlMs: bigint;
    }
  | { readonly kind: 'delete'; readonly commitTs: bigint; readonly key: Uint8Array }
  | {
      readonly kind: 'compareAndSet';
      readonly commitTs: bigint;
      readonly key: Uint8Array;
      /** null = the compare succeeds iff the key is absent. */
      readonly expected: Uint8Array | null;
      readonly newValue: Uint8Array;
    };

/** A decoded kv-layer payload. */
export type KvPayload =
  | { readonly kind: 'single'; readonly request: KvRequest }
  | { readonly kind: 'batch'; readonly requests: readonly KvRequest[] }
  | { readonly kind: 'leaseRenewal'; readonly ceilingMs: number };

const RequestKind = { put: 1, delete: 2, compareAndSet: 3 } as const;

function u32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

function lengthPrefixed(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32(bytes.length), bytes);
}

/** Encodes one request (without an opcode). */
export function encodeKvRequest(request: KvRequest): Uint8Array {
  const head = concatBytes(
    Uint8Array.of(RequestKind[request.kind]),
    encodeUint64BE(request.commitTs),
    lengthPrefixed(request.key),
  );
  switch (request.kind) {
    case 'put':
      return concatBytes(head, lengthPrefixed(request.value), encodeUint64BE(request.ttlMs));
    case 'delete':
      return head;
    case 'compareAndSet':
      return concatBytes(
        head,
        request.expected === null ? Uint8Array.of(0) : concatBytes(Uint8Array.of(1), lengthPrefixed(request.expected)),
        lengthPrefixed(request.newValue),
      );
  }
}

/** Encodes a kv-layer payload with its opcode. */
export function encodeKvPayload(payload: KvPayload): Uint8Array {
  switch (payload.kind) {
    case 'single':
      return concatBytes(Uint8Array.of(FsmOpcode.single), encodeKvRequest(payload.request));
    case 'batch':
      return concatByteArrays([
        Uint8Array.of(FsmOpcode.batch),
        u32(payload.requests.length),
        ...payload.requests.map(encodeKvRequest),
      ]);
    case 'leaseRenewal':
      return encodeLeaseRenewal(payload.ceilingMs);
  }
}

/** The 0x02 payload raising every replica's HLC ceiling to `ceilingMs`. */
export function encodeLeaseRenewal(ceilingMs: number): Uint8Array {
  if (!Number.isSafeInteger(ceilingMs) || ceilingMs < 0)
    throw new RangeError(`lease ceiling ${ceilingMs} must be a non-negative integer`);
  const out = new Uint8Array(9);
  out[0] = FsmOpcode.leaseRenewal;
  new DataView(out.buffer).setBigInt64(1, BigInt(ceilingMs), false);
  return out;
}

function decodeRequest(reader: ByteReader, limits: PayloadLimits): KvRequest {
  const kind = reader.u8('request kind');
  const commitTs = reader.u64('commit timestamp');
  const key = reader.lengthPrefixed('key', limits.keyBytesMax);
  switch (kind) {
    case RequestKind.put: {
      const value = reader.lengthPrefixed('value', limits.valueBytesMax);
      return { kind: 'put', commitTs, key, value, ttlMs: reader.u64('ttl') };
    }
    case RequestKind.delete:
      return { kind: 'delete', commitTs, key };
    case RequestKind.compareAndSet: {
      const expect = reader.u8('CAS expectation');
      if (expect !== 0 && expect !== 1)
        throw new FsmDecodeError('UnknownTag', `CAS expectation ${expect} is neither 0 (absent) nor 1 (value)`);
      const expected = expect === 1 ? reader.lengthPrefixed('expected value', limits.valueBytesMax) : null;
      return {
        kind: 'compareAndSet',
        commitTs,
        key,
        expected,
        newValue: reader.lengthPrefixed('new value', limits.valueBytesMax),
      };
    }
    default:
      throw new FsmDecodeError('UnknownTag', `unknown request kind ${kind}`);
  }
}

/** Decodes a 0x00/0x01/0x02 payload; any other opcode is `UnknownTag`. */
export function decodeKvPayload(payload: Uint8Array, limits: PayloadLimits = KvDefaults): KvPayload {
  const reader = new ByteReader(payload);
  const opcode = reader.u8('opcode');
  let decoded: KvPayload;
  switch (opcode) {
    case FsmOpcode.single:
      decoded = { kind: 'single', request: decodeRequest(reader, limits) };
      break;
    case FsmOpcode.batch: {
      const count = reader.u32('batch count');
      if (count === 0 || count > limits.batchRequestsMax) {
        throw new FsmDecodeError('OutOfBounds', `batch count ${count} is outside 1..${limits.batchRequestsMax}`);
      }
      const requests: KvRequest[] = [];
      for (let i = 0; i < count; i++) requests.push(decodeRequest(reader, limits));
      decoded = { kind: 'batch', requests };
      break;
    }
    case FsmOpcode.leaseRenewal: {
      const ceiling = reader.i64('lease ceiling');
      if (ceiling < 0n || ceiling > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new FsmDecodeError('OutOfBounds', `lease ceiling ${ceiling} is outside 0..2^53-1 ms`);
      }
      decoded = { kind: 'leaseRenewal', ceilingMs: Number(ceiling) };
      break;
    }
    default:
      throw new FsmDecodeError(
        'UnknownTag',
        `opcode 0x${opcode.toString(16).padStart(2, '0')} is not a kv-layer opcode`,
      );
  }
  reader.end('payload');
  return decoded;
}
