// The final heal: the completion of the last nemesis `heal-all` op (the
// harness's final phase heals every fault). A history without any nemesis op
// had no faults, and counts as healed from its start.
import { nemesisProcess } from '../history/index.js';
import type { HistoryOp } from '../history/index.js';

/** Where the heal is in the history; `opIndex` undefined when the run had no faults. */
export interface FinalHeal {
  readonly opIndex: number | undefined;
  readonly timeNs: number;
}

/** The final heal, or a sentence saying why there is none to judge from. */
export function finalHeal(history: readonly HistoryOp[]): FinalHeal | string {
  const nemesisOps = history.filter((op) => op.process === nemesisProcess);
  if (nemesisOps.length === 0) return { opIndex: undefined, timeNs: 0 };
  const heal = nemesisOps.findLast((op) => op.f === 'heal-all' && op.type !== 'invoke');
  if (heal === undefined)
    return 'The history has faults but no completed final heal-all (was the run cut short?), so recovery cannot be judged.';
  if (heal.time === undefined)
    return `The final heal-all (op ${heal.index}) has no time, so the recovery window cannot be placed.`;
  return { opIndex: heal.index, timeNs: heal.time };
}
