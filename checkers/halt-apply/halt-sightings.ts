// The halts status.jsonl shows: per node and per process lifetime, each
// distinct (halt index, error) the node reported, with the first sample that
// showed it. Everything the halt-apply rules judge starts from these.
import { answered, incarnations, samplesByNode } from '../artifacts/index.js';
import type { NodeStatusView, StatusSample } from '../artifacts/index.js';

/** A sample whose Status answered. */
export type AnsweredSample = StatusSample & { readonly status: NodeStatusView };

/** One (halt index, error) a node reported during one lifetime. */
export interface HaltSighting {
  readonly node: string;
  /** Which lifetime of the node (0 = the first one sampled). */
  readonly lifetime: number;
  readonly haltIndex: number;
  /** The error-registry name, or `code N` when the node gave only a code. */
  readonly error: string;
  /** The first sample that showed it. */
  readonly sample: AnsweredSample;
}

/** One node's lifetimes (split at restarts), answered samples only. */
export interface NodeTimeline {
  readonly node: string;
  readonly lifetimes: readonly (readonly AnsweredSample[])[];
}

/** The error a halted Status names. */
export function haltErrorOf(status: NodeStatusView): string {
  if (status.haltError !== '') return status.haltError;
  return status.haltCode !== 0 ? `code ${status.haltCode}` : 'an unnamed error';
}

/** Every node's timeline, in order of first appearance. */
export function nodeTimelines(samples: readonly StatusSample[]): NodeTimeline[] {
  return [...samplesByNode(samples)].map(([node, nodeSamples]) => ({
    node,
    lifetimes: incarnations(nodeSamples).map((lifetime) => answered(lifetime)),
  }));
}

/** The distinct halts of one lifetime, in the order first seen. */
export function lifetimeHalts(node: string, lifetime: number, samples: readonly AnsweredSample[]): HaltSighting[] {
  const sightings: HaltSighting[] = [];
  for (const sample of samples) {
    if (!sample.status.halted) continue;
    const error = haltErrorOf(sample.status);
    if (sightings.some((seen) => seen.haltIndex === sample.status.haltIndex && seen.error === error)) continue;
    sightings.push({ node, lifetime, haltIndex: sample.status.haltIndex, error, sample });
  }
  return sightings;
}

/** Every halt of every node. */
export function allHalts(timelines: readonly NodeTimeline[]): HaltSighting[] {
  return timelines.flatMap((timeline) =>
    timeline.lifetimes.flatMap((samples, lifetime) => lifetimeHalts(timeline.node, lifetime, samples)),
  );
}
