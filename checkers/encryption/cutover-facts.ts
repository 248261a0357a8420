// A cutover's index as every source reports it — the Enable step's ok value,
// each node's sampled sidecar, each node's inspected sidecar and (raft)
// snapshot header — and whether they agree. Zero means "not yet" and never
// disagrees.
import { stepOks, enableOkValue } from '../artifacts/index.js';
import type { Finding, NodeInspection, OpPair, StatusSample } from '../artifacts/index.js';

/** One source's value of a cutover index. */
export interface CutoverSighting {
  readonly source: string;
  readonly index: number;
  readonly node?: string;
}

/** A cutover as derived from every source. */
export interface CutoverFacts {
  readonly step: 'enable-storage-envelope' | 'enable-raft-envelope';
  /** History index of the step's first ok: writes invoked after it are proposed above the cutover. */
  readonly firstOkIndex: number | undefined;
  /** The cutover index (the first ok's value, else the value most sources give); undefined when none is known. */
  readonly index: number | undefined;
  readonly sightings: readonly CutoverSighting[];
  /** Disagreeing sources, oks without a readable value. */
  readonly findings: readonly Finding[];
}

interface SourcesInput {
  readonly samples: readonly StatusSample[];
  readonly inspections: readonly NodeInspection[];
}

function sidecarSightings(step: CutoverFacts['step'], input: SourcesInput): CutoverSighting[] {
  const sightings: CutoverSighting[] = [];
  const raft = step === 'enable-raft-envelope';
  for (const sample of input.samples) {
    const index = raft ? sample.sidecar?.raftEnvelopeCutoverIndex : sample.sidecar?.storageEnvelopeCutoverIndex;
    if (index !== undefined && index !== 0) sightings.push({ source: 'status sample', index, node: sample.node });
  }
  for (const { node, records } of input.inspections) {
    for (const record of records) {
      if (record.kind === 'sidecar' && record.present && !('error' in record)) {
        const index = raft ? record.raftEnvelopeCutoverIndex : record.storageEnvelopeCutoverIndex;
        if (index !== 0) sightings.push({ source: 'inspected sidecar', index, node });
      }
      if (
        raft &&
        record.kind === 'snapshot' &&
        record.present &&
        record.header !== null &&
        record.header.cutoverIndex !== 0
      ) {
        sightings.push({ source: 'snapshot header', index: record.header.cutoverIndex, node });
      }
    }
  }
  return sightings;
}

function mostCommon(sightings: readonly CutoverSighting[]): number | undefined {
  const counts = new Map<number, number>();
  for (const { index } of sightings) counts.set(index, (counts.get(index) ?? 0) + 1);
  let best: number | undefined;
  for (const [index, count] of counts) if (best === undefined || count > (counts.get(best) ?? 0)) best = index;
  return best;
}

function distinctSources(sightings: readonly CutoverSighting[], index: number): string[] {
  return [
    ...new Set(
      sightings
        .filter((sighting) => sighting.index === index)
        .map((sighting) => (sighting.node === undefined ? sighting.source : `${sighting.node} (${sighting.source})`)),
    ),
  ];
}

/** Derives one cutover from the history, samples and inspections. */
export function cutoverFacts(step: CutoverFacts['step'], pairs: readonly OpPair[], input: SourcesInput): CutoverFacts {
  const { oks, malformed } = stepOks(pairs, step, enableOkValue);
  const invariant = step === 'enable-raft-envelope' ? 'I5' : 'I1';
  const findings: Finding[] = malformed.map((op) => ({
    invariant,
    opIndex: op.index,
    undecided: true,
    message: `The ok of ${step} (op ${op.index}) carries no readable { appliedIndex, wasAlreadyActive }, so its cutover index is unknown.`,
  }));
  const first = oks[0];
  const sightings: CutoverSighting[] = [
    ...(first === undefined ? [] : [{ source: `${step} ok (op ${first.ok.index})`, index: first.value.appliedIndex }]),
    ...sidecarSightings(step, input),
  ];
  const index = first?.value.appliedIndex ?? mostCommon(sightings);
  const distinct = [...new Set(sightings.map((sighting) => sighting.index))];
  if (distinct.length > 1) {
    findings.push({
      invariant,
      ...(first === undefined ? {} : { opIndex: first.ok.index }),
      nodes: [...new Set(sightings.flatMap((sighting) => (sighting.node === undefined ? [] : [sighting.node])))],
      message: `Sources disagree on the ${step === 'enable-raft-envelope' ? 'raft' : 'storage'} cutover index: ${distinct.map((value) => `${value} from ${distinctSources(sightings, value).join(', ')}`).join('; ')}.`,
      details: { indexes: distinct },
    });
  }
  // A malformed ok still says the step completed: later writes are above the cutover.
  const okIndexes = [...(first === undefined ? [] : [first.ok.index]), ...malformed.map((op) => op.index)];
  const firstOkIndex = okIndexes.length === 0 ? undefined : Math.min(...okIndexes);
  return { step, firstOkIndex, index, sightings, findings };
}
