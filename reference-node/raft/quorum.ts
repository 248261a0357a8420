/**
 * Majority arithmetic over the voters of a configuration (etcd's quorum/).
 */

/** Outcome of an election so far. */
export type VoteResult = 'won' | 'lost' | 'pending';

/**
 * The largest index that a majority of `voters` have matched (the commit
 * candidate). 0 for an empty voter set: nothing can be committed without voters.
 */
export function committedIndex(voters: readonly string[], matchOf: (id: string) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[Math.floor(voters.length / 2)] ?? 0;
}

/** Tally of `votes` (granted/rejected per voter; missing = not yet answered). */
export function voteResult(voters: readonly string[], votes: ReadonlyMap<string, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  const quorum = Math.floor(voters.length / 2) + 1;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing++;
    else if (vote) granted++;
  }
  if (granted >= quorum) return 'won';
  if (granted + missing >= quorum) return 'pending';
  return 'lost';
}

/** Whether `members` (a set of acknowledging voters) forms a majority of `voters`. */
export function isQuorum(voters: readonly string[], members: ReadonlySet<string>): boolean {
  const present = voters.filter((id) => members.has(id)).length;
  return present >= Math.floor(voters.length / 2) + 1;
}
