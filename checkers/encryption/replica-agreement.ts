// I3: deterministic apply, as far as the encryption state shows it. Two
// sidecar views read at the same applied index — from two replicas, or twice
// from one — must agree on the DEK ids, the active ids, the envelope flag
// and both cutover indexes (GetSidecarState reads them in one step with the
// applied index; a view that lags its applied index is E25). And nodes whose
// durable applied index is equal must hold the same writer-registry rows.
import type { Finding, HistoryPosition, NodeInspection, SidecarView, StatusSample } from '../artifacts/index.js';

const agreedFields = [
  'keyIds',
  'activeStorageId',
  'activeRaftId',
  'storageEnvelopeActive',
  'storageEnvelopeCutoverIndex',
  'raftEnvelopeCutoverIndex',
] as const;

type AgreedField = (typeof agreedFields)[number];

function fieldValue(view: SidecarView, field: AgreedField): string {
  const value = view[field];
  return Array.isArray(value) ? `[${value.join(',')}]` : String(value);
}

interface ViewAt {
  readonly sample: StatusSample;
  readonly view: SidecarView;
}

/** Sidecar views grouped by the applied index they were read at. */
function viewsByAppliedIndex(samples: readonly StatusSample[]): Map<number, ViewAt[]> {
  const byIndex = new Map<number, ViewAt[]>();
  for (const sample of samples) {
    if (sample.sidecar === null) continue;
    const list = byIndex.get(sample.sidecar.appliedIndex) ?? [];
    list.push({ sample, view: sample.sidecar });
    byIndex.set(sample.sidecar.appliedIndex, list);
  }
  return byIndex;
}

/** Sampled sidecar views: one finding per (differing fields, nodes), naming the first applied index it shows at. */
export function checkSidecarAgreement(
  samples: readonly StatusSample[],
  position: HistoryPosition,
): { readonly findings: Finding[]; readonly indexesCompared: number } {
  const grouped = new Map<string, { finding: Finding; count: number }>();
  let indexesCompared = 0;
  for (const [appliedIndex, views] of [...viewsByAppliedIndex(samples)].sort(([a], [b]) => a - b)) {
    const [reference] = views;
    if (reference === undefined || views.length < 2) continue;
    indexesCompared += 1;
    for (const other of views.slice(1)) {
      const differing = agreedFields.filter(
        (field) => fieldValue(reference.view, field) !== fieldValue(other.view, field),
      );
      if (differing.length === 0) continue;
      const nodes = [...new Set([reference.sample.node, other.sample.node])];
      const key = `${differing.join(',')} ${nodes.join(',')}`;
      const known = grouped.get(key);
      if (known !== undefined) {
        known.count += 1;
        continue;
      }
      const later = other.sample.time > reference.sample.time ? other.sample : reference.sample;
      const opIndex = position(later.time);
      const shown = differing.map(
        (field) =>
          `${field} ${fieldValue(reference.view, field)} on ${reference.sample.node} vs ${fieldValue(other.view, field)} on ${other.sample.node}`,
      );
      grouped.set(key, {
        count: 1,
        finding: {
          invariant: 'I3',
          nodes,
          time: later.time,
          ...(opIndex === undefined ? {} : { opIndex }),
          message: `At applied index ${appliedIndex} the sidecars disagree: ${shown.join('; ')}.`,
          details: { appliedIndex, fields: differing },
        },
      });
    }
  }
  const findings = [...grouped.values()].map(({ finding, count }) =>
    count === 1 ? finding : { ...finding, details: { ...(finding.details as object), laterDisagreements: count - 1 } },
  );
  return { findings, indexesCompared };
}

function registryRows(inspection: NodeInspection): string[] {
  return inspection.records
    .flatMap((record) =>
      record.kind === 'registry' && record.source === 'store'
        ? [
            `dek ${record.dekId} node ${record.fullNodeId} (${record.nodeId16}) epochs ${record.firstSeenLocalEpoch}..${record.lastSeenLocalEpoch}`,
          ]
        : [],
    )
    .sort();
}

function fsmAppliedIndex(inspection: NodeInspection): number | undefined {
  for (const record of inspection.records) if (record.kind === 'fsm') return record.appliedIndex;
  return undefined;
}

/** Inspected registries of nodes at the same durable applied index must be equal. */
export function checkRegistryAgreement(inspections: readonly NodeInspection[]): {
  readonly findings: Finding[];
  readonly pairsCompared: number;
} {
  const findings: Finding[] = [];
  let pairsCompared = 0;
  const byIndex = new Map<number, NodeInspection[]>();
  for (const inspection of inspections) {
    const applied = fsmAppliedIndex(inspection);
    if (applied !== undefined) byIndex.set(applied, [...(byIndex.get(applied) ?? []), inspection]);
  }
  for (const [applied, group] of byIndex) {
    const [reference, ...others] = group;
    if (reference === undefined) continue;
    const expected = registryRows(reference);
    for (const other of others) {
      pairsCompared += 1;
      const rows = registryRows(other);
      const missing = expected.filter((row) => !rows.includes(row));
      const extra = rows.filter((row) => !expected.includes(row));
      if (missing.length === 0 && extra.length === 0) continue;
      findings.push({
        invariant: 'I3',
        nodes: [reference.node, other.node],
        message: `At applied index ${applied} the writer registries of ${reference.node} and ${other.node} differ (${missing.length} row${missing.length === 1 ? '' : 's'} only on ${reference.node}, ${extra.length} only on ${other.node}).`,
        details: { appliedIndex: applied, onlyOnFirst: missing, onlyOnSecond: extra },
      });
    }
  }
  return { findings, pairsCompared };
}
