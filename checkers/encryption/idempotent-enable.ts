// I10: idempotent admin. A retried Enable — any ok of the same step after
// the cutover took effect — answers `wasAlreadyActive: true` with the
// original cutover index: the index of the first fresh ok, or, when no
// fresh ok was seen (the first attempt's outcome was unknown), the cutover
// index the sidecars record. A second fresh success (B46) and a retry
// refused as AlreadyExists (B45) break it too.
import { enableOkValue, rolloutSteps, stepOks } from '../artifacts/index.js';
import type { Finding } from '../artifacts/index.js';
import type { CutoverFacts } from './cutover-facts.js';
import type { EncryptionFacts } from './encryption-facts.js';

function sidecarIndex(cutover: CutoverFacts): number | undefined {
  const recorded = cutover.sightings
    .filter((sighting) => sighting.node !== undefined)
    .map((sighting) => sighting.index);
  return recorded.length === 0 ? undefined : recorded[0];
}

function checkStep(facts: EncryptionFacts, cutover: CutoverFacts): Finding[] {
  const { oks } = stepOks(facts.pairs, cutover.step, enableOkValue);
  const findings: Finding[] = [];
  const fresh = oks.find((ok) => !ok.value.wasAlreadyActive);
  const original = fresh?.value.appliedIndex ?? sidecarIndex(cutover);
  for (const ok of oks) {
    if (ok === fresh) continue;
    if (!ok.value.wasAlreadyActive) {
      findings.push({
        invariant: 'I10',
        opIndex: ok.ok.index,
        message: `${cutover.step} reported a fresh success again (op ${ok.ok.index}, index ${ok.value.appliedIndex}) after op ${fresh?.ok.index} had enabled it.`,
      });
    } else if (original !== undefined && ok.value.appliedIndex !== original) {
      findings.push({
        invariant: 'I10',
        opIndex: ok.ok.index,
        message: `A retried ${cutover.step} (op ${ok.ok.index}) answered index ${ok.value.appliedIndex}, not the original cutover index ${original}.`,
        details: { answered: ok.value.appliedIndex, original },
      });
    }
  }
  const firstOk = cutover.firstOkIndex;
  for (const pair of rolloutSteps(facts.pairs, cutover.step)) {
    const completion = pair.completion;
    if (firstOk === undefined || completion === undefined || pair.invoke.index < firstOk || completion.type === 'ok')
      continue;
    if (/already\s*exists/i.test(JSON.stringify([completion.error ?? '', completion.value ?? null]))) {
      findings.push({
        invariant: 'I10',
        opIndex: completion.index,
        message: `A retried ${cutover.step} (op ${completion.index}) was refused as already existing instead of answering ok with wasAlreadyActive.`,
      });
    }
  }
  return findings;
}

/** Both Enable steps. */
export function checkIdempotentEnable(facts: EncryptionFacts): Finding[] {
  return [...checkStep(facts, facts.storage), ...checkStep(facts, facts.raft)];
}
