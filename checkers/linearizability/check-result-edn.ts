// A result rendered as EDN in knossos's shape ({:valid? false, :op {…},
// :previous-ok {…}, :final-paths #{[…]}, :analyzer :wgl}), for tools that
// read knossos output.
import type { HistoryValue } from '../history/history-op.js';
import type { CheckResult, FinalPath, OpRef } from './check-result.js';

function ednString(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Renders a value as EDN (null → nil, objects → maps with keyword keys). */
export function valueToEdn(value: HistoryValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return ednString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v: HistoryValue) => valueToEdn(v)).join(' ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${/^[A-Za-z*+!_?<>=-][\w*+!?<>=.-]*$/.test(k) ? `:${k}` : ednString(k)} ${valueToEdn(v)}`)
    .join(', ')}}`;
}

function opToEdn(op: OpRef): string {
  const process = typeof op.process === 'number' ? String(op.process) : `:${op.process}`;
  const key = op.key !== undefined ? `, :key ${ednString(op.key)}` : '';
  return `{:process ${process}, :type :${op.type}, :f :${op.f}${key}, :value ${valueToEdn(op.value)}, :index ${op.index}}`;
}

function pathToEdn(path: FinalPath): string {
  const steps = path.steps.map((step) => `{:op ${opToEdn(step.op)}, :model {:value ${ednString(step.model)}}}`);
  steps.push(`{:op ${opToEdn(path.failure.op)}, :model {:msg ${ednString(path.failure.message)}}}`);
  return `[${steps.join(' ')}]`;
}

/** The result as one EDN map. */
export function resultToEdn(result: CheckResult): string {
  const common = `:model ${ednString(result.model)}, :semantics :${result.semantics}, :ops ${result.ops}, :partitions ${result.partitions.length}, :elapsed-ms ${result.elapsedMs.toFixed(3)}, :analyzer :wgl`;
  switch (result.valid) {
    case true:
      return `{:valid? true, ${common}}`;
    case false: {
      const previous = result.previousOk === null ? 'nil' : opToEdn(result.previousOk);
      const partition = result.partition === null ? 'nil' : ednString(result.partition);
      return `{:valid? false, ${common}, :partition ${partition}, :op ${opToEdn(result.op)}, :previous-ok ${previous}, :final-paths #{${result.finalPaths.map(pathToEdn).join(' ')}}}`;
    }
    case 'unknown': {
      const { okOps, lastOk, frontier } = result.longestPrefix;
      return `{:valid? :unknown, ${common}, :cause :${result.reason}, :longest-prefix {:ok-ops ${okOps}, :last-ok ${lastOk === null ? 'nil' : opToEdn(lastOk)}, :frontier ${frontier === null ? 'nil' : opToEdn(frontier)}}}`;
    }
  }
}
