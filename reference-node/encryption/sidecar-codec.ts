/**
 * The sidecar model and its JSON form (spec §4.2): version 2 written with a
 * two-space indent, versions 1–2 read, validated on every read and before
 * every write. Key ids are decimal strings in JSON, uint32 in memory; wrapped
 * DEKs are standard base64 (as Go's encoding/json writes []byte).
 */
import { EncryptionError } from './errors.js';
import { KEY_ID_MAX } from './key-id.js';

/** The sidecar version this binary writes. */
export const SIDECAR_VERSION = 2;
/** Versions this binary reads; anything else is ErrSidecarVersion (downgrade guard). */
export const SIDECAR_READABLE_VERSIONS: readonly number[] = [1, 2];

/** DEK purpose. */
export type DekPurpose = 'storage' | 'raft';

/** One DEK entry of the sidecar. */
export interface SidecarKey {
  readonly purpose: DekPurpose;
  /** The KEK-wrapped DEK (60 bytes for the file KEK). */
  readonly wrapped: Uint8Array;
  /** Diagnostic creation time (RFC 3339); replicas differ. */
  readonly created: string;
  /** This node's local_epoch for this DEK (uint16). */
  readonly localEpoch: number;
}

/** The whole sidecar, in memory. */
export interface Sidecar {
  readonly version: number;
  /** Index of the last sidecar-mutating entry applied; only moves forward. */
  readonly raftAppliedIndex: number;
  readonly storageEnvelopeActive: boolean;
  /** Set once by the fresh apply of enable-storage-envelope; never overwritten. */
  readonly storageEnvelopeCutoverIndex: number;
  /** 0 = Phase 2 not started; otherwise the marker's index. Never overwritten. */
  readonly raftEnvelopeCutoverIndex: number;
  readonly active: { readonly storage: number; readonly raft: number };
  readonly keys: ReadonlyMap<number, SidecarKey>;
}

/** The sidecar of a node that has seen no encryption entry yet. */
export function emptySidecar(): Sidecar {
  return {
    version: SIDECAR_VERSION,
    raftAppliedIndex: 0,
    storageEnvelopeActive: false,
    storageEnvelopeCutoverIndex: 0,
    raftEnvelopeCutoverIndex: 0,
    active: { storage: 0, raft: 0 },
    keys: new Map(),
  };
}

/**
 * The spec's validation: ids non-zero (ErrSidecarReservedKeyID), purposes
 * known (ErrSidecarPurpose), non-zero active ids present
 * (ErrSidecarActiveKeyMissing) with the matching purpose
 * (ErrSidecarActivePurposeMismatch).
 */
export function validateSidecar(sidecar: Sidecar): void {
  if (!SIDECAR_READABLE_VERSIONS.includes(sidecar.version))
    throw new EncryptionError(
      'ErrSidecarVersion',
      `sidecar version ${sidecar.version} is not one of ${SIDECAR_READABLE_VERSIONS.join(', ')}`,
    );
  for (const [id, key] of sidecar.keys) {
    if (id === 0) throw new EncryptionError('ErrSidecarReservedKeyID', 'sidecar lists key id 0');
    if (!Number.isInteger(id) || id < 0 || id > KEY_ID_MAX)
      throw new EncryptionError('ErrSidecarKeyIDFormat', `sidecar key id ${id} is not a uint32`);
    if (key.purpose !== 'storage' && key.purpose !== 'raft')
      throw new EncryptionError('ErrSidecarPurpose', `sidecar key ${id} has purpose ${JSON.stringify(key.purpose)}`);
    assertUint(key.localEpoch, 0xffff, `keys.${id}.local_epoch`);
  }
  for (const purpose of ['storage', 'raft'] as const) {
    const id = sidecar.active[purpose];
    if (id === 0) continue;
    const key = sidecar.keys.get(id);
    if (key === undefined)
      throw new EncryptionError('ErrSidecarActiveKeyMissing', `active.${purpose} = ${id} is not in keys`);
    if (key.purpose !== purpose)
      throw new EncryptionError('ErrSidecarActivePurposeMismatch', `active.${purpose} = ${id} is a ${key.purpose} key`);
  }
  for (const [field, value] of [
    ['raft_applied_index', sidecar.raftAppliedIndex],
    ['storage_envelope_cutover_index', sidecar.storageEnvelopeCutoverIndex],
    ['raft_envelope_cutover_index', sidecar.raftEnvelopeCutoverIndex],
    ['active.storage', sidecar.active.storage],
    ['active.raft', sidecar.active.raft],
  ] as const) {
    assertUint(value, Number.MAX_SAFE_INTEGER, field);
  }
}

function assertUint(value: number, max: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    throw new EncryptionError(
      'ErrSidecarMalformed',
      `sidecar field ${field} = ${value} is not an integer in 0..${max}`,
    );
}

/** Serialise (after validation) as version-2 JSON with a two-space indent; keys ordered as Go orders map keys (by string). */
export function serializeSidecar(sidecar: Sidecar): string {
  validateSidecar(sidecar);
  const ids = [...sidecar.keys.keys()].map(String).sort();
  const keyLines = ids.map((id) => {
    const key = sidecar.keys.get(Number(id));
    if (key === undefined) throw new Error('unreachable: id from keys');
    const body = [
      `      "purpose": ${JSON.stringify(key.purpose)}`,
      `      "wrapped": ${JSON.stringify(Buffer.from(key.wrapped).toString('base64'))}`,
      `      "created": ${JSON.stringify(key.created)}`,
      `      "local_epoch": ${key.localEpoch}`,
    ].join(',\n');
    return `    ${JSON.stringify(id)}: {\n${body}\n    }`;
  });
  const keysText = keyLines.length === 0 ? '{}' : `{\n${keyLines.join(',\n')}\n  }`;
  return [
    '{',
    `  "version": ${SIDECAR_VERSION},`,
    `  "raft_applied_index": ${sidecar.raftAppliedIndex},`,
    `  "storage_envelope_active": ${sidecar.storageEnvelopeActive},`,
    `  "storage_envelope_cutover_index": ${sidecar.storageEnvelopeCutoverIndex},`,
    `  "raft_envelope_cutover_index": ${sidecar.raftEnvelopeCutoverIndex},`,
    '  "active": {',
    `    "storage": ${sidecar.active.storage},`,
    `    "raft": ${sidecar.active.raft}`,
    '  },',
    `  "keys": ${keysText}`,
    '}',
  ].join('\n');
}

/** Parse and validate sidecar JSON (versions 1–2). Missing fields read as zero values, as Go's decoder does. */
export function parseSidecar(text: string): Sidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new EncryptionError('ErrSidecarMalformed', 'sidecar is not valid JSON', { cause });
  }
  const top = asObject(raw, 'sidecar');
  const version = field(top, 'version', 'number', 0);
  if (!SIDECAR_READABLE_VERSIONS.includes(version))
    throw new EncryptionError(
      'ErrSidecarVersion',
      `sidecar version ${version} is not one of ${SIDECAR_READABLE_VERSIONS.join(', ')}`,
    );
  const active = top.active === undefined || top.active === null ? {} : asObject(top.active, 'active');
  const keys = new Map<number, SidecarKey>();
  const rawKeys = top.keys === undefined || top.keys === null ? {} : asObject(top.keys, 'keys');
  for (const [idText, rawKey] of Object.entries(rawKeys)) keys.set(parseKeyId(idText), parseKey(idText, rawKey));
  const sidecar: Sidecar = {
    version,
    raftAppliedIndex: field(top, 'raft_applied_index', 'number', 0),
    storageEnvelopeActive: field(top, 'storage_envelope_active', 'boolean', false),
    storageEnvelopeCutoverIndex: field(top, 'storage_envelope_cutover_index', 'number', 0),
    raftEnvelopeCutoverIndex: field(top, 'raft_envelope_cutover_index', 'number', 0),
    active: { storage: field(active, 'storage', 'number', 0), raft: field(active, 'raft', 'number', 0) },
    keys,
  };
  validateSidecar(sidecar);
  return sidecar;
}

function parseKeyId(text: string): number {
  // Canonical decimal only: "007" and "7" would otherwise name one id twice.
  if (!/^(0|[1-9][0-9]{0,9})$/.test(text) || Number(text) > KEY_ID_MAX)
    throw new EncryptionError(
      'ErrSidecarKeyIDFormat',
      `sidecar key id ${JSON.stringify(text)} is not a decimal uint32`,
    );
  const id = Number(text);
  if (id === 0) throw new EncryptionError('ErrSidecarReservedKeyID', 'sidecar lists key id 0');
  return id;
}

function parseKey(idText: string, raw: unknown): SidecarKey {
  const entry = asObject(raw, `keys.${idText}`);
  const purpose = field(entry, 'purpose', 'string', '');
  if (purpose !== 'storage' && purpose !== 'raft')
    throw new EncryptionError('ErrSidecarPurpose', `sidecar key ${idText} has purpose ${JSON.stringify(purpose)}`);
  const wrappedText = field(entry, 'wrapped', 'string', '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(wrappedText) || wrappedText.length % 4 !== 0)
    throw new EncryptionError('ErrSidecarMalformed', `sidecar key ${idText}: wrapped is not standard base64`);
  return {
    purpose,
    wrapped: Buffer.from(wrappedText, 'base64'),
    created: field(entry, 'created', 'string', ''),
    localEpoch: field(entry, 'local_epoch', 'number', 0),
  };
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new EncryptionError('ErrSidecarMalformed', `sidecar ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function field<T extends 'number' | 'string' | 'boolean'>(
  obj: Record<string, unknown>,
  name: string,
  type: T,
  fallback: T extends 'number' ? number : T extends 'string' ? string : boolean,
): typeof fallback {
  const value = obj[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== type) throw new EncryptionError('ErrSidecarMalformed', `sidecar field ${name} is not a ${type}`);
  return value as typeof fallback;
}
