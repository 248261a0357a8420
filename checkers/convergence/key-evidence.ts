// What the history says about one key at the end of a run: its final local
// reads, the index and value of its last acknowledged write, and the values
// that writes with an unknown outcome may have left.
import { clientWrites, localReadF, okOf } from '../artifacts/index.js';
import type { OpPair } from '../artifacts/index.js';
import { isClientProcess } from '../history/index.js';
import type { HistoryOp, HistoryValue } from '../history/index.js';

/** A final local read of a key on a node. */
export interface LocalRead {
  readonly node: string;
  readonly key: string;
  /** The value read, as comparable text (JSON with sorted keys; `null` = absent). */
  readonly value: string;
  /** The node's applied index at the read. */
  readonly appliedIndex: number;
  readonly op: HistoryOp;
}

/** Everything known about one key. */
export interface KeyEvidence {
  readonly key: string;
  readonly reads: LocalRead[];
  /** The highest log index of an acknowledged write, and the value it wrote; undefined when none. */
  lastAcknowledged: { readonly logIndex: number; readonly value: string; readonly op: HistoryOp } | undefined;
  /** Acknowledged writes without a logIndex: the last acknowledged index is then only a lower bound. */
  unindexedAcknowledged: number;
  /** Values that writes of unknown outcome (info, or never completed) may have written. */
  readonly unknownValues: Set<string>;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function comparable(value: HistoryValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly HistoryValue[]).map((item) => comparable(item)).join(',')}]`;
  const object = value as { readonly [key: string]: HistoryValue };
  return `{${Object.keys(object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${comparable(object[key] ?? null)}`)
    .join(',')}}`;
}

/** The value a write or cas leaves when it takes effect. */
function writtenValue(invoke: HistoryOp): HistoryValue {
  if (invoke.f === 'cas' && Array.isArray(invoke.value)) return (invoke.value as readonly HistoryValue[])[1] ?? null;
  return invoke.value;
}

function evidenceFor(byKey: Map<string, KeyEvidence>, key: string): KeyEvidence {
  let evidence = byKey.get(key);
  if (evidence === undefined) {
    evidence = { key, reads: [], lastAcknowledged: undefined, unindexedAcknowledged: 0, unknownValues: new Set() };
    byKey.set(key, evidence);
  }
  return evidence;
}

function addWrite(evidence: KeyEvidence, pair: OpPair): void {
  const ok = okOf(pair);
  const value = comparable(writtenValue(pair.invoke));
  if (ok === undefined) {
    if (pair.completion === undefined || pair.completion.type === 'info') evidence.unknownValues.add(value);
    return;
  }
  if (ok.logIndex === undefined) evidence.unindexedAcknowledged += 1;
  else if (evidence.lastAcknowledged === undefined || ok.logIndex > evidence.lastAcknowledged.logIndex)
    evidence.lastAcknowledged = { logIndex: ok.logIndex, value, op: ok };
}

/** The evidence per key, and the local reads that could not be used (no node, key or applied index). */
export function keyEvidence(pairs: readonly OpPair[]): {
  readonly keys: Map<string, KeyEvidence>;
  readonly unusableReads: number;
  readonly failedReads: number;
} {
  const keys = new Map<string, KeyEvidence>();
  let unusableReads = 0;
  let failedReads = 0;
  for (const pair of clientWrites(pairs))
    if (pair.invoke.key !== undefined) addWrite(evidenceFor(keys, pair.invoke.key), pair);
  for (const pair of pairs) {
    if (!isClientProcess(pair.invoke.process) || pair.invoke.f !== localReadF) continue;
    const ok = okOf(pair);
    if (ok === undefined) {
      failedReads += 1;
      continue;
    }
    const node = ok.node ?? pair.invoke.node;
    const key = pair.invoke.key ?? ok.key;
    if (node === undefined || key === undefined || ok.logIndex === undefined) {
      unusableReads += 1;
      continue;
    }
    evidenceFor(keys, key).reads.push({ node, key, value: comparable(ok.value), appliedIndex: ok.logIndex, op: ok });
  }
  return { keys, unusableReads, failedReads };
}
