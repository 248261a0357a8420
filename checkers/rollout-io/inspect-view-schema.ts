// The zod schemas of the inspect.jsonl lines the checkers read
// (checkers/artifacts/inspect-view.ts), one per `kind`. Each is typed against
// the documented view, so the two cannot drift. Fields the view does not
// name are dropped; lines of the kinds the checkers do not read keep only
// their kind.
import { z } from 'zod';
import type {
  EnvelopeView,
  FsmInspectView,
  InspectView,
  MvccInspectView,
  OtherInspectView,
  RaftEntryInspectView,
  RegistryInspectView,
  SidecarInspectView,
  SnapshotInspectView,
  SummaryInspectView,
} from '../artifacts/index.js';

const index = z.number().int().nonnegative();
const count = z.number().int().nonnegative();
const decimal = z.string().regex(/^\d+$/, 'a decimal string');
const hex = (digits: number): z.ZodString =>
  z.string().regex(new RegExp(`^[0-9a-f]{${digits}}$`), `${digits} lowercase hex digits`);
const source = z.enum(['store', 'snapshot']);

const envelope: z.ZodType<EnvelopeView> = z.object({
  keyId: count,
  nonceHex: hex(24),
  nonceNodeId16: z.number().int().min(0).max(0xffff),
  nonceLocalEpoch: z.number().int().min(0).max(0xffff),
  nonceWriteCount: decimal,
  ciphertextSha256: hex(64),
  aadSha256: hex(64),
});

const sidecarPresent = z.object({
  kind: z.literal('sidecar'),
  present: z.literal(true),
  version: count,
  raftAppliedIndex: index,
  storageEnvelopeActive: z.boolean(),
  storageEnvelopeCutoverIndex: index,
  raftEnvelopeCutoverIndex: index,
  active: z.object({ storage: count, raft: count }),
  keys: z.array(z.object({ id: count, purpose: z.string(), localEpoch: count })),
});
const sidecarUnreadable = z.object({ kind: z.literal('sidecar'), present: z.literal(true), error: z.string() });
const sidecarAbsent = z.object({ kind: z.literal('sidecar'), present: z.literal(false) });

/** A sidecar line: which of the three shapes is decided by `present` and `error`, so a bad field is named precisely. */
function sidecarSchema(value: unknown): z.ZodType<SidecarInspectView> {
  const record = value as { readonly present?: unknown; readonly error?: unknown };
  if (record.present === false) return sidecarAbsent;
  return record.error !== undefined ? sidecarUnreadable : sidecarPresent;
}

const fsm: z.ZodType<FsmInspectView> = z.object({ kind: z.literal('fsm'), appliedIndex: index });

const snapshotPresent = z.object({
  kind: z.literal('snapshot'),
  present: z.literal(true),
  index,
  header: z.object({ format: z.enum(['legacy', 'v1', 'v2']), cutoverIndex: index }).nullable(),
});
const snapshotAbsent = z.object({ kind: z.literal('snapshot'), present: z.literal(false) });

function snapshotSchema(value: unknown): z.ZodType<SnapshotInspectView> {
  return (value as { readonly present?: unknown }).present === false ? snapshotAbsent : snapshotPresent;
}

const raftEntry: z.ZodType<RaftEntryInspectView> = z.object({
  kind: z.literal('raft-entry'),
  index,
  term: index,
  type: z.enum(['normal', 'conf-change']),
  proposalId: decimal.nullable(),
  wrapped: z.boolean(),
  opcode: z.number().int().min(0).max(255).nullable(),
  opcodeName: z.string().nullable(),
  subtag: z.string().optional(),
  aboveCutover: z.boolean().nullable(),
  unwrapped: z.boolean().optional(),
  envelope: envelope.optional(),
});

const mvcc: z.ZodType<MvccInspectView> = z.object({
  kind: z.literal('mvcc'),
  source,
  key: z.string().nullable(),
  keyHex: z.string().regex(/^([0-9a-f]{2})*$/, 'hex bytes'),
  commitTs: decimal,
  tombstone: z.boolean(),
  encryptionState: z.enum(['cleartext', 'envelope', 'reserved']),
  envelope: envelope.optional(),
  value: z.string().nullable().optional(),
  valueHex: z
    .string()
    .regex(/^([0-9a-f]{2})*$/, 'hex bytes')
    .optional(),
  error: z.string().optional(),
});

const registry: z.ZodType<RegistryInspectView> = z.object({
  kind: z.literal('registry'),
  source,
  dekId: count,
  nodeId16: z.number().int().min(0).max(0xffff),
  fullNodeId: decimal,
  firstSeenLocalEpoch: count,
  lastSeenLocalEpoch: count,
});

const summary: z.ZodType<SummaryInspectView> = z.object({
  kind: z.literal('summary'),
  raftEntries: count,
  wrappedEntries: count,
  raftCutoverIndex: index.nullable(),
  cleartextProposalsAboveCutover: count,
  errors: count,
});

const other: z.ZodType<OtherInspectView> = z.object({ kind: z.enum(['hard-state', 'conf-state', 'raw']) });

/** Every kind of line and how to pick its schema. */
const schemaByKind: Readonly<Record<InspectView['kind'], (value: unknown) => z.ZodType<InspectView>>> = {
  sidecar: sidecarSchema,
  fsm: () => fsm,
  snapshot: snapshotSchema,
  'raft-entry': () => raftEntry,
  mvcc: () => mvcc,
  registry: () => registry,
  summary: () => summary,
  'hard-state': () => other,
  'conf-state': () => other,
  raw: () => other,
};

const knownKind = z.object({
  kind: z.enum(Object.keys(schemaByKind) as [InspectView['kind'], ...InspectView['kind'][]]),
});

/** The schema of one inspect.jsonl line, chosen by its `kind` (an unknown kind fails naming the known ones). */
export function inspectViewSchema(value: unknown): z.ZodType<InspectView> {
  const kind = value !== null && typeof value === 'object' ? (value as { readonly kind?: unknown }).kind : undefined;
  const choose =
    typeof kind === 'string' && Object.hasOwn(schemaByKind, kind)
      ? schemaByKind[kind as InspectView['kind']]
      : undefined;
  return choose === undefined ? (knownKind as unknown as z.ZodType<InspectView>) : choose(value);
}
