// The zod schema of one status.jsonl line (checkers/artifacts/status-sample.ts).
// It is typed against the documented interface, so the two cannot drift.
import { z } from 'zod';
import type { NodeStatusView, SidecarView, StatusSample } from '../artifacts/index.js';

const index = z.number().int().nonnegative();

const nodeStatus: z.ZodType<NodeStatusView> = z.object({
  role: z.string(),
  term: index,
  leader: z.string(),
  commitIndex: index,
  appliedIndex: index,
  lastIndex: index,
  snapshotIndex: index,
  halted: z.boolean(),
  haltCode: z.number().int().nonnegative(),
  haltError: z.string(),
  haltIndex: index,
  haltReason: z.string(),
  stage: z.string(),
  bugs: z.array(z.string()),
  snapshotFormat: z.enum(['', 'legacy', 'v1', 'v2']),
  uptimeMs: z.number().nonnegative(),
});

const sidecar: z.ZodType<SidecarView> = z.object({
  appliedIndex: index,
  keyIds: z.array(index),
  activeStorageId: index,
  activeRaftId: index,
  storageEnvelopeActive: z.boolean(),
  storageEnvelopeCutoverIndex: index,
  raftEnvelopeCutoverIndex: index,
  sidecarVersion: z.number().int().nonnegative(),
  localEpochs: z.record(z.string().regex(/^\d+$/, 'a DEK id (decimal)'), z.number().int().nonnegative()),
});

/** One line of status.jsonl. */
export const statusSampleSchema: z.ZodType<StatusSample> = z.object({
  time: z.number().int().nonnegative(),
  node: z.string().min(1),
  process: z.enum(['running', 'paused', 'down']),
  status: nodeStatus.nullable(),
  sidecar: sidecar.nullable(),
  error: z.string().optional(),
});
