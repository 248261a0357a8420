/**
 * Test support: Raft's safety properties, checked after every step of a
 * simulation (Raft paper, Figure 3):
 *  - election safety: at most one leader per term;
 *  - log matching: two logs with the same term at an index agree on every entry up to it;
 *  - leader completeness: a leader contains every entry committed before its term;
 *  - state machine safety: no two nodes apply different entries at one index;
 *  - commit monotonicity: a node's durable commit index never decreases.
 */
import type { Entry } from '../types.js';
import type { SimCluster } from './sim-cluster.js';
import type { ApplyObserver, SimNode } from './sim-node.js';

/** Thrown when a safety property is violated. */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

function entryKey(e: Entry): string {
  return `${e.term}:${e.type}:${[...e.data].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export class InvariantChecker implements ApplyObserver {
  private readonly leaderOfTerm = new Map<number, string>();
  /** index → identity of the committed entry and the lowest term at which it was seen committed. */
  private readonly committed = new Map<number, { key: string; seenAtTerm: number }>();
  private readonly applied = new Map<number, { key: string; by: string }>();
  private readonly durableCommit = new Map<string, number>();

  onApply(node: SimNode, entry: Entry): void {
    const key = entryKey(entry);
    const previous = this.applied.get(entry.index);
    if (previous === undefined) this.applied.set(entry.index, { key, by: node.id });
    else if (previous.key !== key) {
      throw new InvariantViolation(
        `state machine safety: ${node.id} applied ${key} at ${entry.index}, ${previous.by} applied ${previous.key}`,
      );
    }
  }

  onRestart(_node: SimNode): void {
    // Volatile state is gone; durable commit is checked against the disk, so nothing to reset.
  }

  checkNode(sim: SimNode, cluster: SimCluster): void {
    const status = sim.node.status();
    if (status.role === 'leader') {
      const other = this.leaderOfTerm.get(status.term);
      if (other !== undefined && other !== sim.id) {
        throw new InvariantViolation(`election safety: ${other} and ${sim.id} both leaders in term ${status.term}`);
      }
      this.leaderOfTerm.set(status.term, sim.id);
    }
    const commit = sim.storage.initialState().hardState.commit;
    const before = this.durableCommit.get(sim.id) ?? 0;
    if (commit < before)
      throw new InvariantViolation(`commit monotonicity: ${sim.id} durable commit went ${before} → ${commit}`);
    this.durableCommit.set(sim.id, commit);
    const log = logOf(sim);
    this.recordCommitted(sim, log, commit, status.term);
    if (status.role === 'leader') this.checkLeaderCompleteness(sim, log, status.term);
    for (const other of cluster.nodes.values()) {
      if (other !== sim) checkLogMatching(sim, log, other, logOf(other));
    }
  }

  private recordCommitted(sim: SimNode, log: readonly Entry[], commit: number, term: number): void {
    for (const e of log) {
      if (e.index > commit) break;
      const key = entryKey(e);
      const known = this.committed.get(e.index);
      if (known === undefined) this.committed.set(e.index, { key, seenAtTerm: term });
      else if (known.key !== key) {
        throw new InvariantViolation(`committed entry changed at ${e.index}: ${known.key} then ${key} on ${sim.id}`);
      } else if (term < known.seenAtTerm) known.seenAtTerm = term;
    }
  }

  private checkLeaderCompleteness(sim: SimNode, log: readonly Entry[], term: number): void {
    const first = log[0]?.index ?? sim.storage.firstIndex();
    const byIndex = new Map(log.map((e) => [e.index as number, e]));
    const snapshotIndex = sim.storage.snapshot().metadata.index;
    for (const [index, { key, seenAtTerm }] of this.committed) {
      if (seenAtTerm >= term || index <= snapshotIndex || index < first) continue;
      const entry = byIndex.get(index);
      if (entry === undefined || entryKey(entry) !== key) {
        throw new InvariantViolation(
          `leader completeness: leader ${sim.id} (term ${term}) lacks committed entry ${index} (${key})`,
        );
      }
    }
  }
}

function logOf(sim: SimNode): readonly Entry[] {
  const first = sim.storage.firstIndex();
  const last = sim.storage.lastIndex();
  return last < first ? [] : sim.storage.entries(first, (last + 1) as typeof last);
}

function checkLogMatching(a: SimNode, logA: readonly Entry[], b: SimNode, logB: readonly Entry[]): void {
  const byIndexB = new Map(logB.map((e) => [e.index as number, e]));
  let highestMatch = -1;
  for (let i = logA.length - 1; i >= 0; i--) {
    const ea = logA[i]!;
    const eb = byIndexB.get(ea.index);
    if (eb !== undefined && eb.term === ea.term) {
      highestMatch = i;
      break;
    }
  }
  for (let i = 0; i <= highestMatch; i++) {
    const ea = logA[i]!;
    const eb = byIndexB.get(ea.index);
    if (eb !== undefined && entryKey(ea) !== entryKey(eb)) {
      throw new InvariantViolation(
        `log matching: ${a.id} and ${b.id} differ at ${ea.index} (${entryKey(ea)} vs ${entryKey(eb)})`,
      );
    }
  }
}
