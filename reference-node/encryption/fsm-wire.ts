/**
 * Wire bodies of the FSM-internal encryption entries (spec §5.2):
 * `[opcode][0x01 wire version][fields…]`, all integers big-endian, no
 * optional fields, no trailing bytes. Every decode failure is one of
 * ErrFSMWireMalformed / ErrFSMWireVersion / ErrFSMWireSubtag / ErrFSMWireOpcode.
 */
import { EncryptionError } from './errors.js';
import type { DekPurpose } from './sidecar-codec.js';
import type { WriterRegistration } from './writer-registry.js';

/** FSM opcodes of the encryption band. */
export const OPCODE_REGISTRATION = 0x03;
export const OPCODE_BOOTSTRAP = 0x04;
export const OPCODE_ROTATION = 0x05;
/** The encryption band is exactly 0x03–0x07; 0x06/0x07 are reserved and halt. */
export const ENCRYPTION_OPCODE_MIN = 0x03;
export const ENCRYPTION_OPCODE_MAX = 0x07;
/** The only wire version. */
export const FSM_WIRE_VERSION = 0x01;

/** Rotation sub-tags. */
export const ROTATION_SUBTAG = Object.freeze({
  rotateDek: 0x01,
  rewrapDeks: 0x02,
  retireDek: 0x03,
  enableStorageEnvelope: 0x04,
  enableRaftEnvelope: 0x05,
} as const);

/** Sub-tags the latest binary decodes (0x02/0x03 are reserved and rejected). Stage emulation passes a subset. */
export const KNOWN_ROTATION_SUBTAGS: ReadonlySet<number> = new Set([
  ROTATION_SUBTAG.rotateDek,
  ROTATION_SUBTAG.enableStorageEnvelope,
  ROTATION_SUBTAG.enableRaftEnvelope,
]);

/** Bootstrap batch bound (rows). */
export const BOOTSTRAP_BATCH_ROWS_MAX = 16_384;
/** Bytes of one registration tuple: dek u32, full u64, epoch u16. */
export const REGISTRATION_TUPLE_BYTES = 14;

/** A 0x04 bootstrap body. */
export interface BootstrapEntry {
  readonly storageDekId: number;
  readonly wrappedStorage: Uint8Array;
  readonly raftDekId: number;
  readonly wrappedRaft: Uint8Array;
  readonly batch: readonly WriterRegistration[];
}

/** A 0x05 rotation-family body. */
export interface RotationEntry {
  readonly subtag: number;
  readonly dekId: number;
  readonly purpose: DekPurpose;
  /** Empty (never null) for the enable-* sub-tags. */
  readonly wrapped: Uint8Array;
  readonly proposer: WriterRegistration;
}

/** A decoded encryption entry. */
export type EncryptionEntry =
  | { readonly opcode: typeof OPCODE_REGISTRATION; readonly registration: WriterRegistration }
  | { readonly opcode: typeof OPCODE_BOOTSTRAP; readonly bootstrap: BootstrapEntry }
  | { readonly opcode: typeof OPCODE_ROTATION; readonly rotation: RotationEntry };

const PURPOSE_CODE: Readonly<Record<DekPurpose, number>> = { storage: 1, raft: 2 };

class Writer {
  readonly #parts: Buffer[] = [];
  u8(v: number): this {
    this.#parts.push(Buffer.from([v]));
    return this;
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.#parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.#parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.#parts.push(b);
    return this;
  }
  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.#parts.push(Buffer.from(v));
    return this;
  }
  registration(r: WriterRegistration): this {
    return this.u32(r.dekId).u64(r.fullNodeId).u16(r.localEpoch);
  }
  done(): Uint8Array {
    return Buffer.concat(this.#parts);
  }
}

/** Encode a 0x03 registration: 17 bytes. */
export function encodeRegistrationEntry(reg: WriterRegistration): Uint8Array {
  return new Writer().u8(OPCODE_REGISTRATION).u8(FSM_WIRE_VERSION).registration(reg).done();
}

/** Encode a 0x04 bootstrap. */
export function encodeBootstrapEntry(entry: BootstrapEntry): Uint8Array {
  if (entry.batch.length > BOOTSTRAP_BATCH_ROWS_MAX)
    throw new Error(`bootstrap batch of ${entry.batch.length} rows exceeds ${BOOTSTRAP_BATCH_ROWS_MAX}`);
  const w = new Writer()
    .u8(OPCODE_BOOTSTRAP)
    .u8(FSM_WIRE_VERSION)
    .u32(entry.storageDekId)
    .bytes(entry.wrappedStorage)
    .u32(entry.raftDekId)
    .bytes(entry.wrappedRaft)
    .u32(entry.batch.length);
  for (const row of entry.batch) w.registration(row);
  return w.done();
}

/** Encode a 0x05 rotation-family entry. */
export function encodeRotationEntry(entry: RotationEntry): Uint8Array {
  return new Writer()
    .u8(OPCODE_ROTATION)
    .u8(FSM_WIRE_VERSION)
    .u8(entry.subtag)
    .u32(entry.dekId)
    .u8(PURPOSE_CODE[entry.purpose])
    .bytes(entry.wrapped)
    .registration(entry.proposer)
    .done();
}

class Reader {
  #offset = 0;
  constructor(private readonly view: Buffer) {}
  get remaining(): number {
    return this.view.length - this.#offset;
  }
  #need(n: number, what: string): void {
    if (this.remaining < n) throw malformed(`truncated ${what}: need ${n} bytes, ${this.remaining} left`);
  }
  u8(what: string): number {
    this.#need(1, what);
    return this.view.readUInt8(this.#offset++);
  }
  u16(what: string): number {
    this.#need(2, what);
    const v = this.view.readUInt16BE(this.#offset);
    this.#offset += 2;
    return v;
  }
  u32(what: string): number {
    this.#need(4, what);
    const v = this.view.readUInt32BE(this.#offset);
    this.#offset += 4;
    return v;
  }
  u64(what: string): bigint {
    this.#need(8, what);
    const v = this.view.readBigUInt64BE(this.#offset);
    this.#offset += 8;
    return v;
  }
  bytes(what: string): Uint8Array {
    const length = this.u32(`${what} length`);
    // Bound by what is actually present before allocating anything.
    this.#need(length, what);
    const v = new Uint8Array(this.view.subarray(this.#offset, this.#offset + length));
    this.#offset += length;
    return v;
  }
  registration(what: string): WriterRegistration {
    return {
      dekId: this.u32(`${what} dek_id`),
      fullNodeId: this.u64(`${what} full_node_id`),
      localEpoch: this.u16(`${what} local_epoch`),
    };
  }
  end(): void {
    if (this.remaining !== 0) throw malformed(`${this.remaining} trailing bytes`);
  }
}

function malformed(message: string): EncryptionError {
  return new EncryptionError('ErrFSMWireMalformed', message);
}

/** Options of {@link decodeEncryptionEntry}. */
export interface DecodeOptions {
  /** Rotation sub-tags this binary knows (stage emulation); default {@link KNOWN_ROTATION_SUBTAGS}. */
  readonly knownSubtags?: ReadonlySet<number>;
}

/** Decode an FSM payload whose first byte is in the encryption band. Never throws anything but the typed wire errors. */
export function decodeEncryptionEntry(payload: Uint8Array, options: DecodeOptions = {}): EncryptionEntry {
  const view = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const opcode = view[0];
  if (opcode === undefined) throw malformed('empty payload');
  if (opcode !== OPCODE_REGISTRATION && opcode !== OPCODE_BOOTSTRAP && opcode !== OPCODE_ROTATION) {
    throw new EncryptionError(
      'ErrFSMWireOpcode',
      `opcode 0x${opcode.toString(16).padStart(2, '0')} is not an implemented encryption opcode`,
    );
  }
  const reader = new Reader(view.subarray(1));
  const version = reader.u8('wire version');
  if (version !== FSM_WIRE_VERSION)
    throw new EncryptionError(
      'ErrFSMWireVersion',
      `wire version 0x${version.toString(16).padStart(2, '0')} is not 0x01`,
    );
  switch (opcode) {
    case OPCODE_REGISTRATION: {
      if (view.length - 1 !== 15)
        throw malformed(`registration body is ${view.length - 1} bytes after the opcode, want exactly 15`);
      const registration = reader.registration('registration');
      reader.end();
      return { opcode, registration };
    }
    case OPCODE_BOOTSTRAP:
      return { opcode, bootstrap: decodeBootstrap(reader) };
    case OPCODE_ROTATION:
      return { opcode, rotation: decodeRotation(reader, options.knownSubtags ?? KNOWN_ROTATION_SUBTAGS) };
  }
}

function decodeBootstrap(reader: Reader): BootstrapEntry {
  const storageDekId = reader.u32('storage_dek_id');
  const wrappedStorage = reader.bytes('wrapped_storage');
  const raftDekId = reader.u32('raft_dek_id');
  const wrappedRaft = reader.bytes('wrapped_raft');
  const count = reader.u32('batch count');
  // OOM guard (B39): bound the count absolutely and by the bytes actually present.
  if (count > BOOTSTRAP_BATCH_ROWS_MAX)
    throw malformed(`bootstrap batch count ${count} exceeds ${BOOTSTRAP_BATCH_ROWS_MAX}`);
  if (count * REGISTRATION_TUPLE_BYTES > reader.remaining)
    throw malformed(
      `bootstrap batch count ${count} needs ${count * REGISTRATION_TUPLE_BYTES} bytes, ${reader.remaining} left`,
    );
  const batch: WriterRegistration[] = [];
  for (let i = 0; i < count; i++) batch.push(reader.registration(`batch[${i}]`));
  reader.end();
  return { storageDekId, wrappedStorage, raftDekId, wrappedRaft, batch };
}

function decodeRotation(reader: Reader, knownSubtags: ReadonlySet<number>): RotationEntry {
  const subtag = reader.u8('subtag');
  if (!knownSubtags.has(subtag))
    throw new EncryptionError(
      'ErrFSMWireSubtag',
      `rotation sub-tag 0x${subtag.toString(16).padStart(2, '0')} is not known to this binary`,
    );
  const dekId = reader.u32('dek_id');
  const purposeCode = reader.u8('purpose');
  const purpose: DekPurpose | undefined = purposeCode === 1 ? 'storage' : purposeCode === 2 ? 'raft' : undefined;
  if (purpose === undefined) throw malformed(`unknown purpose ${purposeCode}`);
  const wrapped = reader.bytes('wrapped');
  const proposer = reader.registration('proposer');
  reader.end();
  return { subtag, dekId, purpose, wrapped, proposer };
}
