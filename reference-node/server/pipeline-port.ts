/**
 * Adapts the kv layer's apply pipeline and state machine to the shell's
 * StateMachinePort.
 */
import type { ApplyPipeline, StateMachine } from '../kv/index.js';
import type { Entry } from '../raft/types.js';
import type { ApplyOutcome, StateMachinePort } from './raft-node-port.js';

/** The StateMachinePort of a node backed by the kv apply pipeline. */
export function pipelinePort(pipeline: ApplyPipeline, fsm: StateMachine): StateMachinePort {
  return {
    appliedIndex: () => pipeline.appliedIndex(),
    applyNormal: async (entry: Entry): Promise<ApplyOutcome> => {
      const outcome = await pipeline.applyNormalEntry(entry);
      if (outcome.kind !== 'halted') return { kind: 'applied' };
      return { kind: 'halt', reason: outcome.halt.message, index: outcome.halt.index };
    },
    applyConfChange: (entry: Entry) => pipeline.advanceOver(entry.index),
    snapshot: (appBlob: Uint8Array) => fsm.snapshot(appBlob),
    restore: async (data: Uint8Array) => (await fsm.restore(data)).applicationBlob,
  };
}
