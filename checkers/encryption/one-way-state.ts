// I8: one-way state (spec §7.7). Per node, over its samples in order —
// restarts included, which is where a downgrade would show — the storage
// envelope flag never goes from true to false, a cutover index once set
// never changes, the sidecar version never decreases, and the snapshot
// format never goes from v2 back to v1 or legacy. And a snapshot a node took
// at or after the raft cutover, with the cutover in its own sidecar, is v2
// (spec §9.3; catalogue B42).
import { samplesByNode } from '../artifacts/index.js';
import type { Finding, HistoryPosition, NodeInspection, StatusSample } from '../artifacts/index.js';

/** A one-way quantity of a sample (undefined when the sample does not show it), and what counts as going back. */
interface OneWayRule<T> {
  readonly name: string;
  readonly read: (sample: StatusSample) => T | undefined;
  readonly regresses: (before: T, after: T) => boolean;
  readonly describe: (before: T, after: T) => string;
}

/** The first sample at which a rule's quantity went back, with both values. */
interface Regression {
  readonly name: string;
  readonly sample: StatusSample;
  readonly before: unknown;
  readonly after: unknown;
  readonly description: string;
}

function firstRegression<T>(samples: readonly StatusSample[], oneWay: OneWayRule<T>): Regression | undefined {
  let before: T | undefined;
  for (const sample of samples) {
    const after = oneWay.read(sample);
    if (after === undefined) continue;
    if (before !== undefined && oneWay.regresses(before, after))
      return { name: oneWay.name, sample, before, after, description: oneWay.describe(before, after) };
    before = after;
  }
  return undefined;
}

const storageEnvelopeActive: OneWayRule<boolean> = {
  name: 'storageEnvelopeActive',
  read: (sample) => sample.sidecar?.storageEnvelopeActive,
  regresses: (before, after) => before && !after,
  describe: () => 'the storage envelope went from active to inactive',
};

function cutoverRule(
  name: 'storageEnvelopeCutoverIndex' | 'raftEnvelopeCutoverIndex',
  label: string,
): OneWayRule<number> {
  return {
    name,
    read: (sample) => sample.sidecar?.[name],
    regresses: (before, after) => before !== 0 && after !== before,
    describe: (before, after) => `the ${label} cutover index went from ${before} to ${after}`,
  };
}

const sidecarVersion: OneWayRule<number> = {
  name: 'sidecarVersion',
  read: (sample) => sample.sidecar?.sidecarVersion,
  regresses: (before, after) => after < before,
  describe: (before, after) => `the sidecar version went from ${before} to ${after}`,
};

const snapshotFormat: OneWayRule<string> = {
  // '' (no snapshot yet) says nothing about the format.
  name: 'snapshotFormat',
  read: (sample) => (sample.status?.snapshotFormat === '' ? undefined : sample.status?.snapshotFormat),
  regresses: (before, after) => before === 'v2' && after !== 'v2',
  describe: (before, after) => `the snapshot format went from ${before} to ${after}`,
};

const oneWayChecks: readonly ((samples: readonly StatusSample[]) => Regression | undefined)[] = [
  (samples) => firstRegression(samples, storageEnvelopeActive),
  (samples) => firstRegression(samples, cutoverRule('storageEnvelopeCutoverIndex', 'storage')),
  (samples) => firstRegression(samples, cutoverRule('raftEnvelopeCutoverIndex', 'raft')),
  (samples) => firstRegression(samples, sidecarVersion),
  (samples) => firstRegression(samples, snapshotFormat),
];

/** Sampled one-way state: at most one finding per node and quantity (the first regression). */
export function checkOneWaySamples(samples: readonly StatusSample[], position: HistoryPosition): Finding[] {
  const findings: Finding[] = [];
  for (const [node, nodeSamples] of samplesByNode(samples)) {
    for (const check of oneWayChecks) {
      const regression = check(nodeSamples);
      if (regression === undefined) continue;
      const opIndex = position(regression.sample.time);
      findings.push({
        invariant: 'I8',
        nodes: [node],
        time: regression.sample.time,
        ...(opIndex === undefined ? {} : { opIndex }),
        message: `On ${node} ${regression.description}.`,
        details: { field: regression.name, before: regression.before, after: regression.after },
      });
    }
  }
  return findings;
}

/** Inspected snapshots: one taken at or after the node's own raft cutover must carry the v2 header. */
export function checkSnapshotFormat(inspections: readonly NodeInspection[]): Finding[] {
  const findings: Finding[] = [];
  for (const { node, records } of inspections) {
    let cutover = 0;
    for (const record of records)
      if (record.kind === 'sidecar' && record.present && !('error' in record))
        cutover = record.raftEnvelopeCutoverIndex;
    for (const record of records) {
      if (record.kind !== 'snapshot' || !record.present || record.header === null || cutover === 0) continue;
      if (record.index >= cutover && record.header.format !== 'v2') {
        findings.push({
          invariant: 'I8',
          nodes: [node],
          message: `${node}'s snapshot at index ${record.index} has a ${record.header.format} header although its raft cutover is ${cutover} (a snapshot after the cutover is v2).`,
          details: { snapshotIndex: record.index, format: record.header.format, cutover },
        });
      }
    }
  }
  return findings;
}
