/**
 * Adapts the kv layer's apply pipeline and state machine to the shell's
 * StateMachinePort. Every snapshot written or installed through it is shown
 * to `onSnapshot` (Status reports the newest one's header format).
 */
import type { ApplyPipeline, StateMachine } from '../kv/index.js';
import type { Entry } from '../raft/types.js';
import type { ApplyOutcome, StateMachinePort } from './raft-node-port.js';

/** The StateMachinePort of a node backed by the kv apply pipeline. */
export function pipelinePort(
  pipeline: ApplyPipeline,
  fsm: StateMachine,
  onSnapshot: (data: Uint8Array) => void = () => undefined,
): StateMachinePort {
  return {
    appliedIndex: () => pipeline.appliedIndex(),
    applyNormal: async (entry: Entry): Promise<ApplyOutcome> => {
      const outcome = await pipeline.applyNormalEntry(entry);
      if (outcome.kind !== 'halted') return { kind: 'applied' };
      return { kind: 'halt', reason: outcome.halt.message, index: outcome.halt.index };
    },
    applyNormalBatch: async (entries: readonly Entry[]): Promise<ApplyOutcome> => {
      const outcomes = await pipeline.applyNormalEntries(entries);
      const last = outcomes[outcomes.length - 1];
      if (last?.kind !== 'halted') return { kind: 'applied' };
      return { kind: 'halt', reason: last.halt.message, index: last.halt.index };
    },
    applyConfChange: (entry: Entry) => pipeline.advanceOver(entry.index),
    snapshot: async (appBlob: Uint8Array) => {
      const data = await fsm.snapshot(appBlob);
      onSnapshot(data);
      return data;
    },
    restore: async (data: Uint8Array) => {
      const restored = await fsm.restore(data);
      onSnapshot(data);
      return restored.applicationBlob;
    },
  };
}
