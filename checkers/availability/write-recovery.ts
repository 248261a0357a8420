// Rule "client writes succeed again within the recovery window": after the
// final heal, some client write (write or cas) completes ok no later than
// `recoveryWindowMs` after it. Writes refused or timing out throughout the
// window are STUCK (catalogue legend); no write attempted after the heal
// leaves it undecided.
import { clientWrites, okOf } from '../artifacts/index.js';
import type { Finding, OpPair } from '../artifacts/index.js';
import type { HistoryOp } from '../history/index.js';
import type { FinalHeal } from './final-heal.js';

const nsPerMs = 1_000_000;

/** The finding, if any, and when writes first succeeded after the heal (ms after it). */
export function checkWriteRecovery(
  pairs: readonly OpPair[],
  heal: FinalHeal,
  recoveryWindowMs: number,
): { readonly findings: Finding[]; readonly firstOkAfterHealMs: number | undefined } {
  const writes = clientWrites(pairs);
  const deadline = heal.timeNs + recoveryWindowMs * nsPerMs;
  let firstOk: HistoryOp | undefined;
  for (const pair of writes) {
    const ok = okOf(pair);
    if (ok?.time === undefined || ok.time < heal.timeNs) continue;
    if (firstOk?.time === undefined || ok.time < firstOk.time) firstOk = ok;
  }
  const firstOkAfterHealMs = firstOk?.time === undefined ? undefined : (firstOk.time - heal.timeNs) / nsPerMs;
  if (firstOk?.time !== undefined && firstOk.time <= deadline) return { findings: [], firstOkAfterHealMs };
  const attempted = writes.filter((pair) => (pair.invoke.time ?? -1) >= heal.timeNs);
  const healOp = heal.opIndex === undefined ? 'the start of the run' : `the final heal (op ${heal.opIndex})`;
  if (attempted.length === 0 && firstOk === undefined) {
    return {
      findings: [
        {
          invariant: 'stuck',
          undecided: true,
          ...(heal.opIndex === undefined ? {} : { opIndex: heal.opIndex }),
          message: `No client write was attempted after ${healOp}, so recovery of writes cannot be judged.`,
        },
      ],
      firstOkAfterHealMs,
    };
  }
  const late =
    firstOkAfterHealMs === undefined
      ? 'none succeeded'
      : `the first succeeded ${Math.round(firstOkAfterHealMs)} ms after it`;
  const [firstAttempt] = attempted;
  return {
    findings: [
      {
        invariant: 'stuck',
        ...(firstAttempt === undefined ? {} : { opIndex: firstAttempt.invoke.index }),
        message: `Client writes did not recover within ${recoveryWindowMs} ms of ${healOp}: ${attempted.length} attempted after it, ${late}.`,
        details: { attempted: attempted.length, firstOkAfterHealMs: firstOkAfterHealMs ?? null },
      },
    ],
    firstOkAfterHealMs,
  };
}
