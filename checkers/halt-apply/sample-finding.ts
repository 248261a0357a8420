// A finding drawn from a status sample: it carries the sample's time and the
// last history op recorded at or before it (where the evidence appeared).
import type { Finding, HistoryPosition, StatusSample } from '../artifacts/index.js';

/** Builds a finding located at `sample`. */
export function sampleFinding(
  position: HistoryPosition,
  sample: StatusSample,
  fields: {
    readonly invariant: string;
    readonly message: string;
    readonly nodes: readonly string[];
    readonly details?: unknown;
  },
): Finding {
  const opIndex = position(sample.time);
  return { ...fields, time: sample.time, ...(opIndex === undefined ? {} : { opIndex }) };
}
