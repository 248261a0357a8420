/**
 * Starting a brand-new cluster: every initial voter seeds its (empty) storage
 * with the same log — one committed `addVoter` conf change per voter at term 1
 * — so that members added later learn the initial configuration by
 * replication (or by snapshot) like any other change.
 *
 * A node that joins an existing cluster is NOT bootstrapped: it starts with
 * empty storage (no voters, so it never campaigns) and waits for the leader
 * to add it and send it the log or a snapshot.
 */
import { encodeConfChange } from './conf-change.js';
import { RaftError } from './errors.js';
import type { MemoryStorage } from './memory-storage.js';
import { asLogIndex, asTerm, EntryType, type ConfState, type Entry, type HardState, type NodeId } from './types.js';

/** What bootstrap wrote; a durable shell persists exactly this before starting the node. */
export interface BootstrapState {
  readonly entries: readonly Entry[];
  readonly hardState: HardState;
  readonly confState: ConfState;
}

/**
 * Seeds empty `storage` for a new cluster of `voters`. `contextOf` supplies
 * each conf change's context (the server puts the member's address there).
 * Throws InvalidConfig for an empty or duplicated voter list or non-empty storage.
 */
export function bootstrap(
  storage: MemoryStorage,
  voters: readonly NodeId[],
  contextOf: (id: NodeId) => Uint8Array = () => new Uint8Array(0),
): BootstrapState {
  if (voters.length === 0) throw new RaftError('InvalidConfig', 'bootstrap needs at least one voter');
  if (new Set(voters).size !== voters.length)
    throw new RaftError('InvalidConfig', `bootstrap voters contain duplicates: ${voters.join(',')}`);
  if (voters.some((id) => id.length === 0))
    throw new RaftError('InvalidConfig', 'bootstrap voter ids must be non-empty');
  if (storage.lastIndex() !== 0 || storage.initialState().hardState.term !== 0) {
    throw new RaftError('InvalidConfig', 'bootstrap needs empty storage (this node already has state)');
  }
  const sorted = [...voters].sort();
  const entries: Entry[] = sorted.map((nodeId, i) => ({
    term: asTerm(1),
    index: asLogIndex(i + 1),
    type: EntryType.ConfChange,
    data: encodeConfChange({ type: 'addVoter', nodeId, context: contextOf(nodeId) }),
  }));
  const hardState: HardState = { term: asTerm(1), vote: null, commit: asLogIndex(entries.length) };
  const confState: ConfState = { voters: sorted, learners: [] };
  storage.append(entries);
  storage.setHardState(hardState);
  storage.setConfState(confState);
  return { entries, hardState, confState };
}
