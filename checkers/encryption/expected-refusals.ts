// Requests the node must refuse: a rollout step whose invoke carries
// `mustBeRefused` (harness/rollout/rollout-program.ts) is a request the spec
// says a correct node refuses — a crafted admin request with a local_epoch
// outside the wire's 16 bits (spec §6: ErrLocalEpochOutOfRange; catalogue
// E21, where the node narrows it and the registry records the epoch mod
// 65536), and the like. An ok of such a step is a finding under the
// invariant the step names; a refusal with another error is no finding here
// (the availability checker reports a step that never completed).
import { mustBeRefusedOf, okOf } from '../artifacts/index.js';
import type { Finding, OpPair } from '../artifacts/index.js';
import { rolloutProcess } from '../history/index.js';

/** One finding per accepted must-be-refused request. */
export function checkExpectedRefusals(pairs: readonly OpPair[]): Finding[] {
  return pairs.flatMap((pair) => {
    if (pair.invoke.process !== rolloutProcess) return [];
    const required = mustBeRefusedOf(pair.invoke);
    const ok = okOf(pair);
    if (required === undefined || ok === undefined) return [];
    return [
      {
        invariant: required.invariant,
        opIndex: ok.index,
        ...(ok.time === undefined ? {} : { time: ok.time }),
        ...(ok.node === undefined ? {} : { nodes: [ok.node] }),
        message: `The node accepted ${pair.invoke.f} (op ${ok.index}), a request it must refuse with ${required.errors.join(' or ')}: ${required.why}`,
        details: { request: pair.invoke.value, answer: ok.value },
      },
    ];
  });
}
