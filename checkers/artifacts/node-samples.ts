// status.jsonl seen per node: each node's samples in order, split into
// process lifetimes ("incarnations") at every restart. A restart shows as a
// `down` sample followed by a live one, or as an uptime that drops between
// two answered samples (a restart faster than the sampling period).
import type { StatusSample } from './status-sample.js';

/** Each node's samples, in the order of the file (time order per node). */
export function samplesByNode(samples: readonly StatusSample[]): Map<string, StatusSample[]> {
  const byNode = new Map<string, StatusSample[]>();
  for (const sample of samples) {
    const list = byNode.get(sample.node);
    if (list === undefined) byNode.set(sample.node, [sample]);
    else list.push(sample);
  }
  return byNode;
}

/** One node's samples split at its restarts (the first incarnation is whatever ran when sampling began). */
export function incarnations(nodeSamples: readonly StatusSample[]): StatusSample[][] {
  const lifetimes: StatusSample[][] = [];
  let current: StatusSample[] = [];
  let sawDown = false;
  let lastUptimeMs: number | undefined;
  for (const sample of nodeSamples) {
    if (sample.process === 'down') {
      sawDown = true;
      current.push(sample);
      continue;
    }
    const uptimeMs = sample.status?.uptimeMs;
    const uptimeDropped = uptimeMs !== undefined && lastUptimeMs !== undefined && uptimeMs < lastUptimeMs;
    if ((sawDown || uptimeDropped) && current.length > 0) {
      lifetimes.push(current);
      current = [];
    }
    sawDown = false;
    if (uptimeMs !== undefined) lastUptimeMs = uptimeMs;
    current.push(sample);
  }
  if (current.length > 0) lifetimes.push(current);
  return lifetimes;
}

/** The samples whose Status answered. */
export function answered(
  samples: readonly StatusSample[],
): (StatusSample & { readonly status: NonNullable<StatusSample['status']> })[] {
  return samples.filter(
    (sample): sample is StatusSample & { readonly status: NonNullable<StatusSample['status']> } =>
      sample.status !== null,
  );
}
