/**
 * The leader's bookkeeping of the configuration: voters, learners, one
 * Progress per member, and the votes of the current election (etcd's tracker/).
 */
import { committedIndex, isQuorum, voteResult, type VoteResult } from './quorum.js';
import { Progress } from './progress.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  voters: readonly NodeId[] = [];
  learners: readonly NodeId[] = [];
  readonly progress = new Map<NodeId, Progress>();
  readonly votes = new Map<NodeId, boolean>();

  constructor(private readonly maxInflightMessages: number) {}

  confState(): ConfState {
    return { voters: [...this.voters], learners: [...this.learners] };
  }

  /**
   * Switches to `cs`: keeps the progress of members that stay, creates fresh
   * progress (next = lastIndex + 1, recently active so check-quorum does not
   * count a brand-new member against the leader) for new ones.
   */
  applyConfState(cs: ConfState, lastIndex: number): void {
    this.voters = [...cs.voters].sort();
    this.learners = [...cs.learners].sort();
    const members = new Set<NodeId>([...this.voters, ...this.learners]);
    for (const id of [...this.progress.keys()]) {
      if (!members.has(id)) this.progress.delete(id);
    }
    for (const id of members) {
      const isLearner = this.learners.includes(id);
      const existing = this.progress.get(id);
      if (existing !== undefined) {
        existing.isLearner = isLearner;
        continue;
      }
      const fresh = new Progress(lastIndex + 1, this.maxInflightMessages, isLearner);
      fresh.recentActive = true;
      this.progress.set(id, fresh);
    }
  }

  /** Member ids in a stable order (voters and learners). */
  memberIds(): NodeId[] {
    return [...this.progress.keys()].sort();
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progress.has(id);
  }

  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id as NodeId)?.match ?? 0);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const vote = this.votes.get(id);
      if (vote === true) granted++;
      if (vote === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voters, this.votes) };
  }

  /** Whether a majority of voters were recently active (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    const active = new Set<string>();
    for (const [id, pr] of this.progress) {
      if (id === self || pr.recentActive) active.add(id);
    }
    return isQuorum(this.voters, active);
  }
}
